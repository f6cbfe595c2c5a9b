package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// maxPollTimeout caps a getUpdates long poll, as Telegram does (50 s).
const maxPollTimeout = 50 * time.Second

// queuedUpdate is an injected update waiting to be confirmed.
type queuedUpdate struct {
	upd       models.Update
	delivered bool
}

// SetUser sets the profile (first name, username, language) used for
// updates from u.ID made by SendText and PressButton. Without it a user is
// "User <id>" with username "user<id>".
func (s *Server) SetUser(u models.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

func (s *Server) userLocked(id int64) models.User {
	if u, ok := s.users[id]; ok {
		return u
	}
	return models.User{ID: id, FirstName: "User " + strconv.FormatInt(id, 10), Username: "user" + strconv.FormatInt(id, 10)}
}

// Inject queues upd for delivery through getUpdates and returns its
// update_id. A zero ID gets the next id; a non-zero ID is kept, so the same
// update can be injected twice to test de-duplication. Every injected update
// is delivered at least once, even if its id is below the offset the client
// already confirmed (Telegram itself would drop it; tests want it).
func (s *Server) Inject(upd models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injectLocked(upd)
}

func (s *Server) injectLocked(upd models.Update) int64 {
	if upd.ID == 0 {
		upd.ID = s.nextUpdateID
	}
	if upd.ID >= s.nextUpdateID {
		s.nextUpdateID = upd.ID + 1
	}
	s.queue = append(s.queue, queuedUpdate{upd: upd})
	s.changedLocked()
	return upd.ID
}

// commandRE finds bot commands the way Telegram marks them: a '/' at the
// start of the text or after whitespace, optionally addressed @bot.
var commandRE = regexp.MustCompile(`(?:^|\s)(/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?)`)

// commandEntities returns bot_command entities for text with UTF-16
// offsets, as Telegram sends them.
func commandEntities(text string) []models.MessageEntity {
	var out []models.MessageEntity
	for _, m := range commandRE.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		out = append(out, models.MessageEntity{
			Type:   models.MessageEntityTypeBotCommand,
			Offset: utf16Len(text[:start]),
			Length: utf16Len(text[start:end]),
		})
	}
	return out
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// SendText injects a text message from user userID in the private chat with
// the bot (whose chat id equals userID) and returns the update_id. Commands
// get bot_command entities, so go-telegram's MatchTypeCommand handlers fire.
func (s *Server) SendText(userID int64, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := s.userLocked(userID)
	msg := &models.Message{
		ID:       s.nextMessageIDLocked(userID),
		From:     &from,
		Date:     int(s.now().Unix()),
		Chat:     privateChat(from),
		Text:     text,
		Entities: commandEntities(text),
	}
	return s.injectLocked(models.Update{Message: msg})
}

// PressButton injects a callback_query from userID pressing a button with
// callback data on the bot's message messageID in their private chat, and
// returns the update_id. The query carries the message as it is now (after
// edits); an unknown message id still produces a query, with a minimal
// message, so stale buttons can be tested.
func (s *Server) PressButton(userID int64, messageID int, data string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := s.userLocked(userID)
	msg := &models.Message{ID: messageID, Date: int(s.now().Unix()), Chat: privateChat(from), From: &s.bot}
	if m := s.findMessageLocked(userID, messageID); m != nil {
		msg = s.toModelLocked(m)
	}
	q := &models.CallbackQuery{
		ID:           strconv.FormatInt(s.nextUpdateID, 10) + "-" + strconv.FormatInt(userID, 10),
		From:         from,
		Message:      models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: msg},
		ChatInstance: "ci" + strconv.FormatInt(userID, 10),
		Data:         data,
	}
	return s.injectLocked(models.Update{CallbackQuery: q})
}

func privateChat(u models.User) models.Chat {
	return models.Chat{ID: u.ID, Type: models.ChatTypePrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

// Pending returns the updates not yet confirmed by a later getUpdates
// offset, delivered or not.
func (s *Server) Pending() []models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]models.Update, len(s.queue))
	for i, q := range s.queue {
		out[i] = q.upd
	}
	return out
}

func (s *Server) getUpdates(ctx context.Context, c *Call) (any, *Fault) {
	var offset, limit, timeout int64 = 0, 100, 0
	for name, dst := range map[string]*int64{"offset": &offset, "limit": &limit, "timeout": &timeout} {
		if v, ok := c.Params[name]; ok && v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: invalid " + name}
			}
			*dst = n
		}
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	wait := min(time.Duration(timeout)*time.Second, maxPollTimeout)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook.URL != "" {
		return nil, &Fault{Code: http.StatusConflict, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	// Confirm: a delivered update whose id is below offset is done.
	kept := s.queue[:0]
	for _, q := range s.queue {
		if !(q.delivered && offset > 0 && q.upd.ID < offset) {
			kept = append(kept, q)
		}
	}
	s.queue = kept
	for len(s.queue) == 0 {
		if !s.waitLocked(ctx) {
			// A timed-out long poll is a normal, empty answer.
			return []models.Update{}, nil
		}
	}
	n := min(int(limit), len(s.queue))
	out := make([]models.Update, n)
	for i := range n {
		s.queue[i].delivered = true
		out[i] = s.queue[i].upd
	}
	return out, nil
}

// WebhookInfo is the webhook the bot registered with setWebhook.
type WebhookInfo struct {
	URL            string
	SecretToken    string
	AllowedUpdates []string
	MaxConnections int
}

// Webhook returns the webhook currently set (zero if none).
func (s *Server) Webhook() WebhookInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

func (s *Server) setWebhook(_ context.Context, c *Call) (any, *Fault) {
	w := WebhookInfo{URL: c.Params["url"], SecretToken: c.Params["secret_token"]}
	if v := c.Params["allowed_updates"]; v != "" {
		if err := json.Unmarshal([]byte(v), &w.AllowedUpdates); err != nil {
			return nil, &Fault{Code: http.StatusBadRequest, Description: "Bad Request: can't parse allowed updates"}
		}
	}
	if v := c.Params["max_connections"]; v != "" {
		w.MaxConnections, _ = strconv.Atoi(v)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = w
	if c.Params["drop_pending_updates"] == "true" {
		s.queue = nil
	}
	return true, nil
}

func (s *Server) deleteWebhook(_ context.Context, c *Call) (any, *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = WebhookInfo{}
	if c.Params["drop_pending_updates"] == "true" {
		s.queue = nil
	}
	return true, nil
}

func (s *Server) getWebhookInfo(context.Context, *Call) (any, *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return models.WebhookInfo{
		URL:                s.webhook.URL,
		PendingUpdateCount: len(s.queue),
		MaxConnections:     s.webhook.MaxConnections,
		AllowedUpdates:     s.webhook.AllowedUpdates,
	}, nil
}

// DeliverWebhook POSTs upd as JSON to url the way Telegram calls a webhook,
// with the X-Telegram-Bot-Api-Secret-Token header when secret is not empty,
// and returns the HTTP status. A zero update id gets the next id.
func (s *Server) DeliverWebhook(ctx context.Context, url, secret string, upd models.Update) (int, error) {
	if upd.ID == 0 {
		s.mu.Lock()
		upd.ID = s.nextUpdateID
		s.nextUpdateID++
		s.mu.Unlock()
	}
	body, err := json.Marshal(upd)
	if err != nil {
		return 0, fmt.Errorf("encode update: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver webhook: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
