// Package channels puts several front ends behind the one ganwei.Messenger the features use.
// A reply goes back where the event came from. Anything else sent to a number (and whatever is
// marked ganwei.ToPerson) is a push to the
// person with that person id (a 四项清单 step, a check-in prompt, an alert for HR): the router
// reads the person and their preferred channel in one round trip and sends to one account of
// theirs, on the preferred channel when they have an account there that runs, else on the
// channel of their first account that runs. It never sends the same push twice, and it never
// reads a person id as a platform id.
package channels

import (
	"context"
	"errors"
	"fmt"

	"github.com/ganwei-bot/ganwei"
)

// Names of the channels, as accounts spell their platform.
const (
	Telegram = ganwei.PlatformTelegram
	WeCom    = ganwei.PlatformWeCom
)

// People is what the router reads about a person (redisstore.Store).
type People interface {
	// PushTarget returns the person and the channel they chose for pushes ("" when none), or
	// ENOTFOUND.
	PushTarget(ctx context.Context, personID int64) (*ganwei.User, string, error)
}

// WeComChats maps a 企业微信 userid to the chat number the 企业微信 front end addresses it by
// (redisstore.Store).
type WeComChats interface {
	WeComChat(ctx context.Context, userID string) (int64, bool, error)
}

// Router is the ganwei.Messenger over Telegram and 企业微信; either may be nil (not configured).
type Router struct {
	Telegram ganwei.Messenger
	WeCom    ganwei.Messenger
	People   People
	Chats    WeComChats
}

var _ ganwei.Messenger = (*Router)(nil)

type originKey struct{}

type origin struct {
	channel string
	chatID  int64
}

// From wraps an event handler for the events of one channel: what the handler sends back to
// that chat during the event goes to that channel.
func From(channel string, h func(context.Context, ganwei.Event)) func(context.Context, ganwei.Event) {
	return func(ctx context.Context, ev ganwei.Event) {
		h(context.WithValue(ctx, originKey{}, origin{channel, ev.ChatID}), ev)
	}
}

func (r *Router) front(channel string) ganwei.Messenger {
	switch channel {
	case WeCom:
		return r.WeCom
	case Telegram:
		return r.Telegram
	}
	return nil
}

// route picks the channel and chat for a message to chatID: the event's own chat, or a person.
func (r *Router) route(ctx context.Context, chatID int64) (ganwei.Messenger, int64, error) {
	if o, ok := ctx.Value(originKey{}).(origin); ok && o.chatID == chatID && !ganwei.IsToPerson(ctx) {
		if m := r.front(o.channel); m != nil {
			return m, chatID, nil
		}
	}
	m, chat, _, err := r.person(ctx, chatID, "")
	return m, chat, err
}

// person resolves a push to a person: the front end, its chat for the chosen account, and the
// account. only restricts the choice to one platform ("" for any).
func (r *Router) person(ctx context.Context, personID int64, only string) (ganwei.Messenger, int64, ganwei.Account, error) {
	if r.People == nil || personID == 0 {
		return nil, 0, "", fmt.Errorf("%w: no person %d", ganwei.ErrRecipientUnknown, personID)
	}
	u, preferred, err := r.People.PushTarget(ctx, personID)
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return nil, 0, "", fmt.Errorf("%w: no person %d", ganwei.ErrRecipientUnknown, personID)
	} else if err != nil {
		return nil, 0, "", err // storage trouble: the caller retries later
	}
	var candidates []ganwei.Account
	if a := u.AccountOn(preferred); preferred != "" && a != "" {
		candidates = append(candidates, a)
	}
	candidates = append(candidates, u.Accounts...)
	for _, a := range candidates {
		if only != "" && a.Platform() != only {
			continue
		}
		m := r.front(a.Platform())
		if m == nil {
			continue // that channel does not run here
		}
		chat, err := r.chatOf(ctx, a)
		if err != nil {
			return nil, 0, "", err
		}
		return m, chat, a, nil
	}
	return nil, 0, "", fmt.Errorf("%w: person %d has no account on a channel that runs", ganwei.ErrRecipientUnknown, personID)
}

// chatOf is the chat that reaches an account on its own front end: a Telegram user's private
// chat has their user id; a 企业微信 userid has the chat number its front end keeps for it.
func (r *Router) chatOf(ctx context.Context, a ganwei.Account) (int64, error) {
	switch a.Platform() {
	case Telegram:
		if id, ok := a.TelegramID(); ok && id > 0 {
			return id, nil
		}
	case WeCom:
		if r.Chats != nil {
			chat, _, err := r.Chats.WeComChat(ctx, a.PlatformID())
			return chat, err
		}
	}
	return 0, fmt.Errorf("%w: account %s cannot be addressed", ganwei.ErrRecipientUnknown, a.Platform())
}

// Send implements ganwei.Messenger.
func (r *Router) Send(ctx context.Context, chatID int64, text string, kb ganwei.Keyboard) (int, error) {
	m, chat, err := r.route(ctx, chatID)
	if err != nil {
		return 0, err
	}
	return m.Send(ganwei.ToChat(ctx), chat, text, kb)
}

// Edit implements ganwei.Messenger.
func (r *Router) Edit(ctx context.Context, chatID int64, messageID int, text string, kb ganwei.Keyboard) error {
	m, chat, err := r.route(ctx, chatID)
	if err != nil {
		return err
	}
	return m.Edit(ganwei.ToChat(ctx), chat, messageID, text, kb)
}

// AnswerAction implements ganwei.Messenger: presses are answered on the channel they came from.
func (r *Router) AnswerAction(ctx context.Context, actionID, text string, alert bool) error {
	channel := Telegram
	if o, ok := ctx.Value(originKey{}).(origin); ok {
		channel = o.channel
	}
	if m := r.front(channel); m != nil {
		return m.AnswerAction(ctx, actionID, text, alert)
	}
	return nil
}

// SendDocument implements ganwei.Messenger.
func (r *Router) SendDocument(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	m, chat, err := r.route(ctx, chatID)
	if err != nil {
		return err
	}
	return m.SendDocument(ganwei.ToChat(ctx), chat, filename, data, caption)
}

// SendPhoto implements ganwei.Messenger.
func (r *Router) SendPhoto(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	m, chat, err := r.route(ctx, chatID)
	if err != nil {
		return err
	}
	return m.SendPhoto(ganwei.ToChat(ctx), chat, filename, data, caption)
}

// SetCommands implements ganwei.Messenger: menus exist on Telegram only. Chat 0 is the default
// menu; the event's own chat is set when the event came from Telegram; any other number is a
// person, whose Telegram account (if they have one) gets it.
func (r *Router) SetCommands(ctx context.Context, chatID int64, cmds []ganwei.MenuCommand) error {
	if r.Telegram == nil {
		return nil
	}
	if chatID == 0 {
		return r.Telegram.SetCommands(ganwei.ToChat(ctx), 0, cmds)
	}
	if o, ok := ctx.Value(originKey{}).(origin); ok && o.chatID == chatID && !ganwei.IsToPerson(ctx) {
		if o.channel != Telegram {
			return nil
		}
		return r.Telegram.SetCommands(ganwei.ToChat(ctx), chatID, cmds)
	}
	m, chat, _, err := r.person(ctx, chatID, Telegram)
	if errors.Is(err, ganwei.ErrRecipientUnknown) {
		return nil // no Telegram account: no menu to set
	} else if err != nil {
		return err
	}
	return m.SetCommands(ganwei.ToChat(ctx), chat, cmds)
}

// InviteLink implements ganwei.Messenger: the Telegram deep link when Telegram runs (a
// 企业微信 user sends 「绑定 邀请码」 instead).
func (r *Router) InviteLink(code string) string {
	if r.Telegram == nil {
		return ""
	}
	return r.Telegram.InviteLink(code)
}
