// Package channels puts several front ends behind the one ganwei.Messenger the features use.
// A reply goes back where the event came from; a push to a person (a 四项清单 step, a check-in
// prompt, an alert for HR) goes to one channel only: the person's preferred one when they have an
// account there, else the platform of their person id. It never sends the same push twice.
package channels

import (
	"context"
	"fmt"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

// Names of the channels, as accounts spell their platform.
const (
	Telegram = "telegram"
	WeCom    = "wecom"
)

// People is what the router reads about a person.
type People interface {
	User(ctx context.Context, id int64) (*ganwei.User, error)
	// PreferredChannel returns the channel the person chose for pushes, or "".
	PreferredChannel(ctx context.Context, personID int64) (string, error)
}

// WeComChats maps a 企业微信 userid to its chat id (redisstore.Store).
type WeComChats interface {
	WeComChat(ctx context.Context, userID string) (int64, bool, error)
}

// Router is the ganwei.Messenger over Telegram and 企业微信; either may be nil (not configured).
type Router struct {
	Telegram ganwei.Messenger
	WeCom    ganwei.Messenger
	People   People
	Chats    WeComChats
	// IsWeComChat says whether a chat id belongs to 企业微信 (redisstore.WeComChatBase and up).
	IsWeComChat func(chatID int64) bool
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
	if channel == WeCom {
		return r.WeCom
	}
	return r.Telegram
}

// route picks the channel and chat for a message to chatID.
func (r *Router) route(ctx context.Context, chatID int64) (ganwei.Messenger, int64, error) {
	if o, ok := ctx.Value(originKey{}).(origin); ok && o.chatID == chatID {
		if m := r.front(o.channel); m != nil {
			return m, chatID, nil
		}
	}
	home := Telegram
	if r.IsWeComChat != nil && r.IsWeComChat(chatID) {
		home = WeCom
	}
	if r.Telegram != nil && r.WeCom != nil && r.People != nil {
		if m, chat, ok := r.preferred(ctx, chatID, home); ok {
			return m, chat, nil
		}
	}
	if m := r.front(home); m != nil {
		return m, chatID, nil
	}
	return nil, 0, fmt.Errorf("%w: the %s channel is not configured", ganwei.ErrRecipientUnknown, home)
}

// preferred finds the person's preferred channel when it is not the one of their person id and
// they have an account there. Lookup trouble keeps the home channel: a push is never lost to it.
func (r *Router) preferred(ctx context.Context, personID int64, home string) (ganwei.Messenger, int64, bool) {
	want, err := r.People.PreferredChannel(ctx, personID)
	if err != nil || want == "" || want == home {
		return nil, 0, false
	}
	u, err := r.People.User(ctx, personID)
	if err != nil {
		return nil, 0, false
	}
	for _, a := range u.Accounts {
		if a.Platform() != want {
			continue
		}
		_, id, _ := strings.Cut(string(a), ":")
		switch want {
		case WeCom:
			if r.Chats == nil {
				return nil, 0, false
			}
			chat, _, err := r.Chats.WeComChat(ctx, id)
			if err != nil {
				return nil, 0, false
			}
			return r.WeCom, chat, true
		case Telegram:
			var tid int64
			if _, err := fmt.Sscan(id, &tid); err != nil {
				return nil, 0, false
			}
			return r.Telegram, tid, true
		}
	}
	return nil, 0, false
}

// Send implements ganwei.Messenger.
func (r *Router) Send(ctx context.Context, chatID int64, text string, kb ganwei.Keyboard) (int, error) {
	m, chat, err := r.route(ctx, chatID)
	if err != nil {
		return 0, err
	}
	return m.Send(ctx, chat, text, kb)
}

// Edit implements ganwei.Messenger.
func (r *Router) Edit(ctx context.Context, chatID int64, messageID int, text string, kb ganwei.Keyboard) error {
	m, chat, err := r.route(ctx, chatID)
	if err != nil {
		return err
	}
	return m.Edit(ctx, chat, messageID, text, kb)
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
	return m.SendDocument(ctx, chat, filename, data, caption)
}

// SendPhoto implements ganwei.Messenger.
func (r *Router) SendPhoto(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	m, chat, err := r.route(ctx, chatID)
	if err != nil {
		return err
	}
	return m.SendPhoto(ctx, chat, filename, data, caption)
}

// SetCommands implements ganwei.Messenger: menus exist on Telegram only.
func (r *Router) SetCommands(ctx context.Context, chatID int64, cmds []ganwei.MenuCommand) error {
	if r.Telegram == nil || (r.IsWeComChat != nil && r.IsWeComChat(chatID)) {
		return nil
	}
	return r.Telegram.SetCommands(ctx, chatID, cmds)
}

// InviteLink implements ganwei.Messenger: the Telegram deep link when Telegram runs (a
// 企业微信 user sends 「绑定 邀请码」 instead).
func (r *Router) InviteLink(code string) string {
	if r.Telegram == nil {
		return ""
	}
	return r.Telegram.InviteLink(code)
}
