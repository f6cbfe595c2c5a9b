package telegramtest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"
)

// Message is a message the bot sent, as it stands now: edits change it in
// place and deleteMessage removes it.
type Message struct {
	// ID is the message_id, increasing per chat (shared with the user's
	// injected messages, as in a Telegram private chat).
	ID     int
	ChatID int64
	// Method is the method that created it: sendMessage, sendPhoto or
	// sendDocument.
	Method string
	// Text is the text, or the caption of a photo or document.
	Text      string
	ParseMode string
	// Buttons is the inline keyboard, row by row; nil without one.
	Buttons [][]Button
	// File is the uploaded photo or document, nil for text or when the
	// client referred to a file by id or URL (then FileRef holds it).
	File    *File
	FileRef string
	// Date is the send time in Unix seconds; EditDate the last edit's.
	Date     int
	EditDate int
	// Edits counts successful edits.
	Edits int

	// markup is the reply_markup JSON as last sent, echoed in results.
	markup *models.InlineKeyboardMarkup
}

// Button is one inline keyboard button.
type Button struct {
	Text         string
	CallbackData string
	URL          string
}

func (m *Message) clone() Message {
	c := *m
	c.Buttons = make([][]Button, len(m.Buttons))
	for i, row := range m.Buttons {
		c.Buttons[i] = slices.Clone(row)
	}
	if m.Buttons == nil {
		c.Buttons = nil
	}
	c.markup = nil
	return c
}

// MessagesTo returns the bot's current messages in chatID, oldest first.
func (s *Server) MessagesTo(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID)
}

func (s *Server) messagesLocked(chatID int64) []Message {
	ms := s.messages[chatID]
	out := make([]Message, len(ms))
	for i, m := range ms {
		out[i] = m.clone()
	}
	return out
}

// LastMessageTo returns the bot's newest message in chatID, and false if
// there is none.
func (s *Server) LastMessageTo(chatID int64) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := s.messages[chatID]
	if len(ms) == 0 {
		return Message{}, false
	}
	return ms[len(ms)-1].clone(), true
}

// WaitMessages blocks until the bot has at least n messages in chatID and
// returns them, or returns ctx.Err() or ErrClosed.
func (s *Server) WaitMessages(ctx context.Context, chatID int64, n int) ([]Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if len(s.messages[chatID]) >= n {
			return s.messagesLocked(chatID), nil
		}
		if !s.waitLocked(ctx) {
			return nil, s.waitErrLocked(ctx)
		}
	}
}

func (s *Server) nextMessageIDLocked(chatID int64) int {
	s.nextMsgID[chatID]++
	return s.nextMsgID[chatID]
}

func (s *Server) findMessageLocked(chatID int64, id int) *Message {
	for _, m := range s.messages[chatID] {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// toModelLocked renders m as the Message object Telegram returns.
func (s *Server) toModelLocked(m *Message) *models.Message {
	bot := s.bot
	out := &models.Message{
		ID:          m.ID,
		From:        &bot,
		Date:        m.Date,
		EditDate:    m.EditDate,
		Chat:        privateChat(s.userLocked(m.ChatID)),
		ReplyMarkup: m.markup,
	}
	switch {
	case m.Method == "sendPhoto":
		out.Caption = m.Text
		ps := models.PhotoSize{FileID: fileID(m), FileUniqueID: fileID(m), Width: 800, Height: 600}
		if m.File != nil {
			ps.FileSize = m.File.Size
		}
		out.Photo = []models.PhotoSize{ps}
	case m.Method == "sendDocument":
		out.Caption = m.Text
		d := &models.Document{FileID: fileID(m), FileUniqueID: fileID(m)}
		if m.File != nil {
			d.FileName = m.File.Name
			d.FileSize = int64(m.File.Size)
		}
		out.Document = d
	default:
		out.Text = m.Text
	}
	return out
}

func fileID(m *Message) string {
	if m.FileRef != "" {
		return m.FileRef
	}
	return "file-" + strconv.FormatInt(m.ChatID, 10) + "-" + strconv.Itoa(m.ID)
}

// chatID parses the chat_id parameter. Only numeric ids exist here;
// "@channel" names answer "chat not found" as Telegram does for unknown ones.
func chatID(p map[string]string) (int64, *Fault) {
	v, ok := p["chat_id"]
	if !ok || v == "" {
		return 0, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: chat_id is empty"}
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: chat not found"}
	}
	return id, nil
}

// parseMarkup decodes an inline keyboard. Reply keyboards and keyboard
// removal carry no inline_keyboard and yield no buttons.
func parseMarkup(raw string) (*models.InlineKeyboardMarkup, [][]Button, *Fault) {
	if raw == "" {
		return nil, nil, nil
	}
	var mk models.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &mk); err != nil {
		return nil, nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: can't parse reply keyboard markup JSON object"}
	}
	if len(mk.InlineKeyboard) == 0 {
		return nil, nil, nil
	}
	rows := make([][]Button, len(mk.InlineKeyboard))
	for i, row := range mk.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return nil, nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: text buttons are unallowed in the inline keyboard"}
			}
			if len(b.CallbackData) > 64 {
				// Telegram rejects callback data over 64 bytes; handlers
				// must learn that here rather than in production.
				return nil, nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: BUTTON_DATA_INVALID"}
			}
			rows[i] = append(rows[i], Button{Text: b.Text, CallbackData: b.CallbackData, URL: b.URL})
		}
	}
	return &mk, rows, nil
}

// maxTextLen is Telegram's limit in UTF-16 code units for message text.
const maxTextLen = 4096

// sendCommon stores a new message built from c and returns its model.
func (s *Server) sendCommon(c *Call, text string, file *File, fileRef string) (any, *Fault) {
	chat, f := chatID(c.Params)
	if f != nil {
		return nil, f
	}
	mk, buttons, f := parseMarkup(c.Params["reply_markup"])
	if f != nil {
		return nil, f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{
		ID:        s.nextMessageIDLocked(chat),
		ChatID:    chat,
		Method:    methodName(c.Method),
		Text:      text,
		ParseMode: c.Params["parse_mode"],
		Buttons:   buttons,
		File:      file,
		FileRef:   fileRef,
		Date:      int(s.now().Unix()),
		markup:    mk,
	}
	s.messages[chat] = append(s.messages[chat], m)
	s.changedLocked()
	return s.toModelLocked(m), nil
}

// methodName returns the canonical spelling of a send method.
func methodName(m string) string {
	for _, n := range []string{"sendMessage", "sendPhoto", "sendDocument"} {
		if strings.EqualFold(m, n) {
			return n
		}
	}
	return m
}

func (s *Server) sendMessage(_ context.Context, c *Call) (any, *Fault) {
	text := c.Params["text"]
	if strings.TrimSpace(text) == "" {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: message text is empty"}
	}
	if utf16Len(text) > maxTextLen {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: message is too long"}
	}
	return s.sendCommon(c, text, nil, "")
}

func (s *Server) sendPhoto(_ context.Context, c *Call) (any, *Fault) {
	return s.sendFile(c, "photo")
}

func (s *Server) sendDocument(_ context.Context, c *Call) (any, *Fault) {
	return s.sendFile(c, "document")
}

// sendFile serves sendPhoto and sendDocument: field is either an uploaded
// part or a string (file_id or URL).
func (s *Server) sendFile(c *Call, field string) (any, *Fault) {
	var file *File
	for i := range c.Files {
		if c.Files[i].Field == field {
			f := c.Files[i]
			file = &f
		}
	}
	ref := c.Params[field]
	if file == nil && ref == "" {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: there is no " + field + " in the request"}
	}
	return s.sendCommon(c, c.Params["caption"], file, ref)
}

// editTarget finds the message an edit method addresses.
func (s *Server) editTargetLocked(p map[string]string) (*Message, *Fault) {
	if p["inline_message_id"] != "" {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: inline messages are not supported by telegramtest"}
	}
	chat, f := chatID(p)
	if f != nil {
		return nil, f
	}
	id, err := strconv.Atoi(p["message_id"])
	if err != nil {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: message identifier is not specified"}
	}
	m := s.findMessageLocked(chat, id)
	if m == nil {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: message to edit not found"}
	}
	return m, nil
}

// notModified is Telegram's answer to an edit that changes nothing; bots
// that re-render on every button press meet it in production.
var notModified = Fault{Code: http.StatusBadRequest, Description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a content and reply markup of the current message"}

// editMessageText replaces the text. As in Telegram, an edit without
// reply_markup removes the inline keyboard.
func (s *Server) editMessageText(_ context.Context, c *Call) (any, *Fault) {
	text := c.Params["text"]
	if strings.TrimSpace(text) == "" {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: message text is empty"}
	}
	mk, buttons, f := parseMarkup(c.Params["reply_markup"])
	if f != nil {
		return nil, f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, f := s.editTargetLocked(c.Params)
	if f != nil {
		return nil, f
	}
	if m.Method != "sendMessage" {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: there is no text in the message to edit"}
	}
	if m.Text == text && slices.EqualFunc(m.Buttons, buttons, slices.Equal) {
		return nil, &notModified
	}
	m.Text, m.ParseMode, m.Buttons, m.markup = text, c.Params["parse_mode"], buttons, mk
	s.editedLocked(m)
	return s.toModelLocked(m), nil
}

func (s *Server) editMessageReplyMarkup(_ context.Context, c *Call) (any, *Fault) {
	mk, buttons, f := parseMarkup(c.Params["reply_markup"])
	if f != nil {
		return nil, f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, f := s.editTargetLocked(c.Params)
	if f != nil {
		return nil, f
	}
	if slices.EqualFunc(m.Buttons, buttons, slices.Equal) {
		return nil, &notModified
	}
	m.Buttons, m.markup = buttons, mk
	s.editedLocked(m)
	return s.toModelLocked(m), nil
}

func (s *Server) editedLocked(m *Message) {
	m.Edits++
	m.EditDate = int(s.now().Unix())
	s.changedLocked()
}

func (s *Server) deleteMessage(_ context.Context, c *Call) (any, *Fault) {
	chat, f := chatID(c.Params)
	if f != nil {
		return nil, f
	}
	id, err := strconv.Atoi(c.Params["message_id"])
	if err != nil {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: message identifier is not specified"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := s.messages[chat]
	i := slices.IndexFunc(ms, func(m *Message) bool { return m.ID == id })
	if i < 0 {
		return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: message to delete not found"}
	}
	s.messages[chat] = slices.Delete(ms, i, i+1)
	s.changedLocked()
	return true, nil
}
