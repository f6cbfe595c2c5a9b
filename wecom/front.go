package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ganwei-bot/ganwei"
)

// Store is what the front end keeps in Redis (redisstore.Store implements it): the token, the
// chat ids standing for userids, sent cards, the response codes of presses.
type Store interface {
	TokenCache
	WeComChat(ctx context.Context, userID string) (chatID int64, created bool, err error)
	WeComUser(ctx context.Context, chatID int64) (string, error)
	NextWeComMessageID(ctx context.Context) (int, error)
	SaveWeComMessage(ctx context.Context, id int, record string, ttl time.Duration) error
	WeComMessage(ctx context.Context, id int) (string, error)
	SaveWeComResponseCode(ctx context.Context, id int, code string) error
	TakeWeComResponseCode(ctx context.Context, id int) (string, error)
}

// Pacer spaces sends across replicas (redisstore.Pacer, as bot.SharedPacer): Reserve books the
// earliest slot for one message and says how long to wait for it, or, when not reserved, how
// long to wait before asking again. A bulk message books only a slot near now, so replies go
// first.
type Pacer interface {
	Reserve(ctx context.Context, chatID int64, bulk bool) (wait time.Duration, reserved bool, err error)
}

// Front is the 企业微信 ganwei.Messenger. A message with buttons is a button_interaction
// template card whose button keys are the features' payloads (at most 256 bytes, within the
// card's 1024); pressing one arrives as a template_card_event. Text longer than a card holds
// goes first as text messages and the card follows with the buttons. A card can be updated once
// per press (the press's response_code); Edit without one sends a new message, as the platform
// cannot edit otherwise.
type Front struct {
	Client *Client
	Store  Store
	Pacer  Pacer // nil: no shared pacing
	// IsBulk tells a scheduler's send (reminders, check-in prompts) from a reply, as bot.IsBulk
	// does for Telegram; nil: every send is a reply.
	IsBulk func(context.Context) bool
}

var _ ganwei.Messenger = (*Front)(nil)

// Limits of the platform (https://developer.work.weixin.qq.com/document/path/90236).
const (
	maxTextBytes    = 2000 // text content: 2048 bytes
	maxCardButtons  = 6    // button_list
	maxTitleRunes   = 36   // main_title.title
	maxBodyRunes    = 160  // sub_title_text
	messageTTL      = 90 * 24 * time.Hour
	longTextTitle   = "请点击下方按钮"
	maxReplaceRunes = 20 // a pressed button's new name
	doneName        = "已处理"
)

// record is what is kept of a sent card, so that a press can report the message it was on.
type record struct {
	User    string          `json:"user"`
	Text    string          `json:"text"`
	Buttons ganwei.Keyboard `json:"buttons,omitempty"`
}

// user finds the userid of a chat; a chat id no 企业微信 user stands behind is unknown.
func (f *Front) user(ctx context.Context, chatID int64) (string, error) {
	u, err := f.Store.WeComUser(ctx, chatID)
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return "", fmt.Errorf("%w: no 企业微信 user for chat %d", ganwei.ErrRecipientUnknown, chatID)
	}
	return u, err
}

func (f *Front) pace(ctx context.Context, chatID int64) error {
	if f.Pacer == nil {
		return nil
	}
	bulk := f.IsBulk != nil && f.IsBulk(ctx)
	for {
		wait, reserved, err := f.Pacer.Reserve(ctx, chatID, bulk)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil // pacing is best effort: Redis trouble must not stop a reply
		}
		if wait > 0 {
			if err := f.Client.sleep(ctx, wait); err != nil {
				return err
			}
		}
		if reserved {
			return nil
		}
	}
}

// Send implements ganwei.Messenger.
func (f *Front) Send(ctx context.Context, chatID int64, text string, kb ganwei.Keyboard) (int, error) {
	userID, err := f.user(ctx, chatID)
	if err != nil {
		return 0, err
	}
	return f.send(ctx, chatID, userID, text, kb)
}

func (f *Front) send(ctx context.Context, chatID int64, userID, text string, kb ganwei.Keyboard) (int, error) {
	title, body, fits := cardText(text)
	if len(kb) == 0 || !fits {
		for _, part := range splitText(plainText(text), maxTextBytes) {
			if err := f.pace(ctx, chatID); err != nil {
				return 0, err
			}
			if err := f.Client.SendText(ctx, userID, part); err != nil {
				return 0, err
			}
		}
		if len(kb) == 0 {
			return 0, nil
		}
	}
	groups := chunkButtons(kb, maxCardButtons)
	return f.sendCards(ctx, chatID, userID, text, title, body, groups)
}

// moreTitle heads the cards that carry the buttons beyond a card's six.
const moreTitle = "更多选项"

// sendCards sends one card per group of buttons (the first with title and body, the rest as
// 更多选项) and returns the id of the last.
func (f *Front) sendCards(ctx context.Context, chatID int64, userID, text, title, body string, groups []ganwei.Keyboard) (int, error) {
	var last int
	for i, group := range groups {
		if i > 0 || title == "" {
			title, body = moreTitle, ""
		}
		id, err := f.Store.NextWeComMessageID(ctx)
		if err != nil {
			return 0, err
		}
		rec, err := json.Marshal(record{User: userID, Text: text, Buttons: group})
		if err != nil {
			return 0, fmt.Errorf("encode wecom card record: %w", err)
		}
		if err := f.Store.SaveWeComMessage(ctx, id, string(rec), messageTTL); err != nil {
			return 0, err
		}
		if err := f.pace(ctx, chatID); err != nil {
			return 0, err
		}
		if err := f.Client.SendCard(ctx, userID, Card{TaskID: taskID(id), Title: title, Body: body, Buttons: cardButtons(flatten(group))}); err != nil {
			return 0, err
		}
		last = id
	}
	return last, nil
}

// Edit implements ganwei.Messenger: the card the press came from is updated with the press's
// response code (nil kb: the pressed button is renamed to the text's last line, as "✅ 已阅知
// 12月1日 09:30"); without one a new message is sent.
func (f *Front) Edit(ctx context.Context, chatID int64, messageID int, text string, kb ganwei.Keyboard) error {
	userID, err := f.user(ctx, chatID)
	if err != nil {
		return err
	}
	code := ""
	if messageID > 0 {
		if code, err = f.Store.TakeWeComResponseCode(ctx, messageID); err != nil {
			return err
		}
	}
	title, body, fits := cardText(text)
	if len(kb) > 0 && !fits && code != "" && f.sameText(ctx, messageID, text) {
		// The long text went out as text messages and stays; only the card's buttons change
		// (feedback keeping 原文).
		fits = true
	}
	if code == "" || (len(kb) > 0 && !fits) {
		_, err := f.send(ctx, chatID, userID, text, kb)
		return err
	}
	// More than a card's six buttons: the pressed card takes the first ones, new cards the rest.
	groups := chunkButtons(kb, maxCardButtons)
	var first ganwei.Keyboard
	if len(groups) > 0 {
		first = groups[0]
	}
	card := Card{TaskID: taskID(messageID), Title: title, Body: body, Buttons: cardButtons(flatten(first))}
	followUp := "" // text the card cannot show, sent after the update
	if len(kb) == 0 {
		// Without buttons only the pressed button's name can change: a line added to the text
		// (as "✅ 已阅知 12月1日 09:30") becomes that name; other text follows as a message.
		prev := f.recordText(ctx, messageID)
		added := strings.TrimSpace(strings.TrimPrefix(text, prev))
		if prev != "" && strings.HasPrefix(text, prev) && !strings.Contains(added, "\n") && utf8.RuneCountInString(added) <= maxReplaceRunes {
			card.Replaced = added
		} else {
			card.Replaced, followUp = doneName, text
		}
	}
	if err := f.pace(ctx, chatID); err != nil {
		return err
	}
	if err := f.Client.UpdateCard(ctx, userID, code, card); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && (apiErr.Code == codeResponseUsed || apiErr.Code == codeResponseEmpty) {
			_, err = f.send(ctx, chatID, userID, text, kb)
		}
		return err
	}
	rec, err := json.Marshal(record{User: userID, Text: text, Buttons: first})
	if err != nil {
		return fmt.Errorf("encode wecom card record: %w", err)
	}
	if err := f.Store.SaveWeComMessage(ctx, messageID, string(rec), messageTTL); err != nil {
		return err
	}
	if len(groups) > 1 {
		_, err = f.sendCards(ctx, chatID, userID, text, moreTitle, "", groups[1:])
	}
	if err == nil && followUp != "" {
		_, err = f.send(ctx, chatID, userID, followUp, nil)
	}
	return err
}

// sameText reports whether card id was sent for text.
func (f *Front) sameText(ctx context.Context, id int, text string) bool {
	return f.recordText(ctx, id) == text
}

// recordText is the text card id was sent or last updated with, or "".
func (f *Front) recordText(ctx context.Context, id int) string {
	raw, err := f.Store.WeComMessage(ctx, id)
	if err != nil {
		return ""
	}
	var rec record
	if json.Unmarshal([]byte(raw), &rec) != nil {
		return ""
	}
	return rec.Text
}

// AnswerAction implements ganwei.Messenger: 企业微信 has no notice on a press, so a notice
// goes as a short text message to the person who pressed (actionID is their chat id).
func (f *Front) AnswerAction(ctx context.Context, actionID, text string, _ bool) error {
	if text == "" {
		return nil
	}
	chatID, err := strconv.ParseInt(actionID, 10, 64)
	if err != nil {
		return fmt.Errorf("wecom action id %q: %w", actionID, err)
	}
	_, err = f.Send(ctx, chatID, text, nil)
	return err
}

// SendDocument implements ganwei.Messenger (a temporary file medium).
func (f *Front) SendDocument(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	return f.sendFile(ctx, chatID, "file", filename, data, caption)
}

// SendPhoto implements ganwei.Messenger (a temporary image medium).
func (f *Front) SendPhoto(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	return f.sendFile(ctx, chatID, "image", filename, data, caption)
}

func (f *Front) sendFile(ctx context.Context, chatID int64, kind, filename string, data []byte, caption string) error {
	userID, err := f.user(ctx, chatID)
	if err != nil {
		return err
	}
	if caption != "" { // files carry no caption on 企业微信: the text goes first
		if _, err := f.send(ctx, chatID, userID, caption, nil); err != nil {
			return err
		}
	}
	if err := f.pace(ctx, chatID); err != nil {
		return err
	}
	return f.Client.SendFile(ctx, userID, kind, filename, data)
}

// SetCommands implements ganwei.Messenger: a self-built app's menu is set in the admin console,
// not per person, so there is nothing to do.
func (f *Front) SetCommands(context.Context, int64, []ganwei.MenuCommand) error { return nil }

// InviteLink implements ganwei.Messenger: 企业微信 has no link that enters a code; people send
// 「绑定 邀请码」.
func (f *Front) InviteLink(string) string { return "" }

func taskID(id int) string { return "gw" + strconv.Itoa(id) }

func parseTaskID(s string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "gw"))
	if err != nil || !strings.HasPrefix(s, "gw") {
		return 0
	}
	return n
}

// cardText puts text on a card: the first line as title, the rest below; fits is false when it
// is too long for a card.
func cardText(text string) (title, body string, fits bool) {
	first, rest, _ := strings.Cut(strings.TrimSpace(text), "\n")
	rest = strings.TrimSpace(rest)
	if utf8.RuneCountInString(first) > maxTitleRunes {
		first, rest = "", strings.TrimSpace(text)
	}
	if utf8.RuneCountInString(rest) > maxBodyRunes {
		return longTextTitle, "", false
	}
	if first == "" {
		first = longTextTitle
	}
	return first, rest, true
}

func flatten(kb ganwei.Keyboard) []ganwei.Button {
	var out []ganwei.Button
	for _, row := range kb {
		out = append(out, row...)
	}
	return out
}

// chunkButtons spreads the rows over cards of at most n buttons, keeping rows whole where they
// fit, so that a press reports the rows as the feature made them.
func chunkButtons(kb ganwei.Keyboard, n int) []ganwei.Keyboard {
	var out []ganwei.Keyboard
	var cur ganwei.Keyboard
	count := 0
	for _, row := range kb {
		for len(row) > 0 {
			k := min(n, len(row))
			if count+k > n {
				out, cur, count = append(out, cur), nil, 0
			}
			cur, count = append(cur, row[:k:k]), count+k
			row = row[k:]
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func cardButtons(kb []ganwei.Button) []CardButton {
	out := make([]CardButton, len(kb))
	for i, b := range kb {
		out[i] = CardButton{Text: b.Label, Key: b.Action, Style: 1}
	}
	return out
}

// splitText cuts text into parts of at most max bytes, at line ends where possible and never
// inside a character.
// plainText keeps a text message's content from being read as markup: 企业微信 renders <a href>
// in a text message as a link over any words, and the text may quote what someone typed (a
// question on /unanswered, a note on a case). Every "<" becomes the full-width "＜", which reads
// the same in Chinese text; the bot itself never sends markup. Cards show their text as is.
func plainText(text string) string { return strings.ReplaceAll(text, "<", "＜") }

func splitText(text string, max int) []string {
	var parts []string
	for len(text) > max {
		cut := strings.LastIndex(text[:max], "\n")
		if cut <= 0 {
			cut = max
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
		}
		parts = append(parts, text[:cut])
		text = strings.TrimLeft(text[cut:], "\n")
	}
	return append(parts, text)
}
