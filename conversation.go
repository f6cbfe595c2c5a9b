package ganwei

import (
	"context"
	"errors"
)

// The conversation types are what the features (handlers, reminders, check-ins) and a front end
// (the Telegram bot today; a web console or 企业微信 later) say to each other. The features speak
// only these; each front end converts them to and from its own platform (package bot for
// Telegram: keyboards, the 64-byte callback limit, message splitting, command menus, deep links,
// update ids, "403 means blocked").
//
// A new front end implements Messenger (seven methods) and turns what its platform delivers into
// Events for the handlers. Nothing else of the feature layer depends on the platform.

// Event is one thing a person did in a front end: sent a text (a command is a text starting with
// "/"), or pressed a button. A message that carries no text (a sticker, a photo) has Text and
// Action empty.
type Event struct {
	ID      int64   // the front end's id of the event, for logs only
	From    int64   // the person's id on the platform, for a reply to a private chat (Telegram user id)
	Account Account // the account acting ("telegram:123"); the handlers find the person by it
	Name    string  // the name the platform reports for them; unverified, never trusted
	ChatID  int64   // where a reply goes
	Private bool    // a one-to-one chat with the bot; features ignore group chats politely
	Text    string  // the message text; empty for a button press
	Action  *Action
}

// Action is a pressed button: the payload the button carried and the message it was on.
type Action struct {
	ID          string   // the front end's id of the press, for AnswerAction
	Payload     string   // the button's Action, as the feature made it (any length)
	MessageID   int      // the message the button was on; 0 when unknown
	MessageText string   // that message's text, when the front end knows it
	Buttons     Keyboard // that message's buttons, when the front end knows them
}

// Button is one button under a message: a label for people and the action payload it sends back
// when pressed. Payloads are the feature's own ("ack:12:power"); a front end with a size limit
// stores long ones and sends a reference, so features need not know the limit.
type Button struct {
	Label  string
	Action string
}

// Keyboard is the buttons under a message, in rows; nil means none.
type Keyboard [][]Button

// Buttons builds a keyboard from rows of buttons.
func Buttons(rows ...[]Button) Keyboard { return Keyboard(rows) }

// MenuCommand is one entry of a person's command menu.
type MenuCommand struct {
	Name        string // without the slash
	Description string // one line, Chinese
}

// Messenger is how features talk to people through a front end. Sends are paced and retried by
// the front end; a person who cannot be reached is reported with ErrRecipientBlocked or
// ErrRecipientUnknown (wrapped).
type Messenger interface {
	// Send sends text (split by the front end if too long, the keyboard with the last part) and
	// returns the id of the message that carries the keyboard.
	Send(ctx context.Context, chatID int64, text string, kb Keyboard) (int, error)
	// Edit replaces the text and buttons of a message sent earlier ("replace the message this
	// button was on"); nil kb removes the buttons.
	Edit(ctx context.Context, chatID int64, messageID int, text string, kb Keyboard) error
	// AnswerAction acknowledges a button press, optionally with a short notice (alert: one the
	// person must dismiss).
	AnswerAction(ctx context.Context, actionID, text string, alert bool) error
	// SendDocument sends a file.
	SendDocument(ctx context.Context, chatID int64, filename string, data []byte, caption string) error
	// SendPhoto sends a picture.
	SendPhoto(ctx context.Context, chatID int64, filename string, data []byte, caption string) error
	// SetCommands sets the command menu of one chat, or the default menu when chatID is 0.
	SetCommands(ctx context.Context, chatID int64, cmds []MenuCommand) error
	// InviteLink is a link that opens the front end with the invite code already entered
	// ("/start CODE"), or "" when the front end has none.
	InviteLink(code string) string
}

// Errors a Messenger returns (wrapped) when a person cannot be reached at all. Retrying does not
// help; the features record it and tell HR.
var (
	// ErrRecipientBlocked: the person blocked the bot or never started it (Telegram: 403).
	ErrRecipientBlocked = errors.New("recipient blocked the bot or never started it")
	// ErrRecipientUnknown: no such chat (a wrong id, or someone who never opened the bot).
	ErrRecipientUnknown = errors.New("recipient chat not found")
)

type toPersonKey struct{}

// ToPerson marks ctx for sends addressed to a person id (a push: an alert for HR, a prompt)
// rather than to the chat of the event being handled. A front end serving several people
// (channels.Router) then resolves the number as a person even when it equals that chat's.
// Schedulers, which handle no event, need not mark theirs.
func ToPerson(ctx context.Context) context.Context {
	return context.WithValue(ctx, toPersonKey{}, true)
}

// ToChat undoes ToPerson: what is sent with it goes to the chat number as given (a router that
// resolved a person to a chat passes it on so).
func ToChat(ctx context.Context) context.Context { return context.WithValue(ctx, toPersonKey{}, false) }

// IsToPerson reports whether ctx was marked by ToPerson.
func IsToPerson(ctx context.Context) bool { v, _ := ctx.Value(toPersonKey{}).(bool); return v }
