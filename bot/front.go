package bot

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
)

// Front is the Telegram front end of the platform-neutral conversation (ganwei.Messenger and
// ganwei.Event): it renders keyboards as inline keyboards, keeps button payloads within
// Telegram's 64-byte callback limit (a longer one is stored and the button carries a reference),
// sends through the paced Sender (which splits text at 4096 characters), sets command menus per
// chat, builds t.me deep links, and reports 403 and "chat not found" as the neutral
// ganwei.ErrRecipientBlocked and ganwei.ErrRecipientUnknown. Incoming updates become
// ganwei.Events in event.go.
type Front struct {
	sender   *Sender
	username string
	actions  ActionStore
	// People, when set, resolves a send marked ganwei.ToPerson (a push addressed to a person id)
	// to the person's Telegram account, for a process where this front end is used on its own
	// (behind channels.Router the router has resolved it already). Without it such a number is
	// refused as unknown: a person id is never taken for a Telegram chat.
	People PushTargets
}

// PushTargets reads a person for a push (redisstore.Store; see channels.People).
type PushTargets interface {
	PushTarget(ctx context.Context, personID int64) (*ganwei.User, string, error)
}

// ActionStore keeps button payloads too long for Telegram's callback data, under a key the
// button carries instead. redisstore.Store implements it so that a button made by one replica
// works when pressed at another; MemoryActions keeps them in this process.
type ActionStore interface {
	// SaveAction keeps payload under key for ttl.
	SaveAction(ctx context.Context, key, payload string, ttl time.Duration) error
	// LoadAction returns the payload under key, or an error with code ENOTFOUND.
	LoadAction(ctx context.Context, key string) (string, error)
}

// ActionTTL is how long a stored long payload is kept: buttons older than that answer as stale.
const ActionTTL = 90 * 24 * time.Hour

// actionRefPrefix starts the callback data of a button whose payload is stored. Features never
// make payloads starting with it (their payloads are "prefix:data" in [A-Za-z0-9:._|-]).
const actionRefPrefix = "~"

// NewFront builds the Telegram front end on a sender. username is the bot's @username without
// the @ (for deep links; may be empty); actions keeps long payloads (nil: in this process).
func NewFront(sender *Sender, username string, actions ActionStore) *Front {
	if actions == nil {
		actions = NewMemoryActions()
	}
	return &Front{sender: sender, username: username, actions: actions}
}

// Front returns the bot's Telegram front end, keeping long button payloads in actions; pushes to
// a person are resolved through the bot's store when it can read people (redisstore.Store).
func (b *Bot) Front(actions ActionStore) *Front {
	f := NewFront(b.sender, b.username, actions)
	if p, ok := b.inbox.(PushTargets); ok {
		f.People = p
	}
	return f
}

// chat is the Telegram chat a send goes to: chatID itself, or for a push to a person
// (ganwei.ToPerson) the private chat of their Telegram account.
func (f *Front) chat(ctx context.Context, chatID int64) (int64, error) {
	if !ganwei.IsToPerson(ctx) {
		return chatID, nil
	}
	if f.People == nil {
		return 0, fmt.Errorf("%w: person %d cannot be resolved here", ganwei.ErrRecipientUnknown, chatID)
	}
	u, _, err := f.People.PushTarget(ctx, chatID)
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return 0, fmt.Errorf("%w: no person %d", ganwei.ErrRecipientUnknown, chatID)
	} else if err != nil {
		return 0, err
	}
	if id, ok := u.AccountOn(ganwei.PlatformTelegram).TelegramID(); ok && id > 0 {
		return id, nil
	}
	return 0, fmt.Errorf("%w: person %d has no Telegram account", ganwei.ErrRecipientUnknown, chatID)
}

var _ ganwei.Messenger = (*Front)(nil)

// Send implements ganwei.Messenger.
func (f *Front) Send(ctx context.Context, chatID int64, text string, kb ganwei.Keyboard) (int, error) {
	chatID, err := f.chat(ctx, chatID)
	if err != nil {
		return 0, err
	}
	mk, err := f.markup(ctx, kb)
	if err != nil {
		return 0, err
	}
	id, err := f.sender.Send(ctx, chatID, text, mk)
	return id, neutralError(err)
}

// Edit implements ganwei.Messenger.
func (f *Front) Edit(ctx context.Context, chatID int64, messageID int, text string, kb ganwei.Keyboard) error {
	chatID, err := f.chat(ctx, chatID)
	if err != nil {
		return err
	}
	mk, err := f.markup(ctx, kb)
	if err != nil {
		return err
	}
	return neutralError(f.sender.Edit(ctx, chatID, messageID, text, mk))
}

// AnswerAction implements ganwei.Messenger: it answers the callback query.
func (f *Front) AnswerAction(ctx context.Context, actionID, text string, alert bool) error {
	return neutralError(f.sender.AnswerCallback(ctx, actionID, text, alert))
}

// SendDocument implements ganwei.Messenger.
func (f *Front) SendDocument(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	chatID, err := f.chat(ctx, chatID)
	if err != nil {
		return err
	}
	return neutralError(f.sender.SendDocument(ctx, chatID, filename, data, caption))
}

// SendPhoto implements ganwei.Messenger.
func (f *Front) SendPhoto(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	chatID, err := f.chat(ctx, chatID)
	if err != nil {
		return err
	}
	return neutralError(f.sender.SendPhoto(ctx, chatID, filename, data, caption))
}

// SetCommands implements ganwei.Messenger: the menu of one chat, or everyone's when chatID is 0.
func (f *Front) SetCommands(ctx context.Context, chatID int64, cmds []ganwei.MenuCommand) error {
	chatID, err := f.chat(ctx, chatID)
	if errors.Is(err, ganwei.ErrRecipientUnknown) {
		return nil // no Telegram account: no menu
	} else if err != nil {
		return err
	}
	out := make([]models.BotCommand, len(cmds))
	for i, c := range cmds {
		out[i] = models.BotCommand{Command: c.Name, Description: c.Description}
	}
	return neutralError(f.sender.SetCommands(ctx, chatID, out))
}

// InviteLink implements ganwei.Messenger: the t.me deep link that binds the code in one tap.
func (f *Front) InviteLink(code string) string { return InviteLink(f.username, code) }

// InviteLink is the t.me deep link that opens the bot with "/start CODE", or "" without a bot
// username.
func InviteLink(botUsername, code string) string {
	if botUsername == "" {
		return ""
	}
	return fmt.Sprintf("https://t.me/%s?start=%s", botUsername, code)
}

// neutralError adds the platform-neutral meaning to Telegram's "cannot reach this person"
// answers, keeping the original in the chain.
func neutralError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrBlocked):
		return fmt.Errorf("%w: %w", ganwei.ErrRecipientBlocked, err)
	case errors.Is(err, ErrChatNotFound):
		return fmt.Errorf("%w: %w", ganwei.ErrRecipientUnknown, err)
	}
	return err
}

// markup renders a keyboard as Telegram's inline keyboard, storing payloads over the callback
// limit.
func (f *Front) markup(ctx context.Context, kb ganwei.Keyboard) (*models.InlineKeyboardMarkup, error) {
	if kb == nil {
		return nil, nil
	}
	rows := make([][]models.InlineKeyboardButton, 0, len(kb))
	for _, row := range kb {
		out := make([]models.InlineKeyboardButton, 0, len(row))
		for _, btn := range row {
			data, err := f.callbackData(ctx, btn.Action)
			if err != nil {
				return nil, err
			}
			out = append(out, models.InlineKeyboardButton{Text: btn.Label, CallbackData: data})
		}
		rows = append(rows, out)
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}, nil
}

// callbackData is what the button carries: the payload itself when it fits, else a reference to
// it in the ActionStore. A reference read back from a pressed message's keyboard (one that could
// no longer be resolved) passes through unchanged.
func (f *Front) callbackData(ctx context.Context, payload string) (string, error) {
	if len(payload) <= MaxCallbackData && (!strings.HasPrefix(payload, actionRefPrefix) || isActionRef(payload)) {
		return payload, nil
	}
	key := actionKey(payload)
	if err := f.actions.SaveAction(ctx, key, payload, ActionTTL); err != nil {
		return "", fmt.Errorf("store long button payload: %w", err)
	}
	return actionRefPrefix + key, nil
}

// actionKey names a stored payload by its content, so that the same payload is stored once.
func actionKey(payload string) string {
	sum := sha256.Sum256([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(sum[:15]) // 20 characters, 120 bits
}

// isActionRef reports whether data is a reference made by callbackData.
func isActionRef(data string) bool {
	key, ok := strings.CutPrefix(data, actionRefPrefix)
	if !ok || len(key) != 20 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(key)
	return err == nil
}

// payload resolves a button's callback data to the feature's payload: a reference is looked up,
// anything else is the payload itself. A reference that is gone resolves to "" (a stale button);
// an error means the store could not answer.
func (f *Front) payload(ctx context.Context, data string) (string, error) {
	if !isActionRef(data) {
		return data, nil
	}
	p, err := f.actions.LoadAction(ctx, strings.TrimPrefix(data, actionRefPrefix))
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return "", nil
	}
	return p, err
}

// MemoryActions is an ActionStore in this process's memory, for the demo, tests and a single
// replica without Redis. It forgets everything past maxMemoryActions entries.
type MemoryActions struct {
	mu sync.Mutex
	m  map[string]string
}

const maxMemoryActions = 100_000

// NewMemoryActions returns an empty in-memory ActionStore.
func NewMemoryActions() *MemoryActions { return &MemoryActions{m: map[string]string{}} }

// SaveAction implements ActionStore; ttl is not enforced in memory.
func (m *MemoryActions) SaveAction(_ context.Context, key, payload string, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.m) >= maxMemoryActions {
		clear(m.m)
	}
	m.m[key] = payload
	return nil
}

// LoadAction implements ActionStore.
func (m *MemoryActions) LoadAction(_ context.Context, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.m[key]
	if !ok {
		return "", ganwei.Errorf(ganwei.ENOTFOUND, "这个按钮已失效")
	}
	return p, nil
}
