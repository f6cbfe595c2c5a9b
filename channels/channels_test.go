package channels_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/channels"
	"github.com/ganwei-bot/ganwei/testkit"
)

const wecomBase = 1 << 52

type people struct {
	users  map[int64]*ganwei.User
	prefer map[int64]string
}

func (p people) User(_ context.Context, id int64) (*ganwei.User, error) {
	if u, ok := p.users[id]; ok {
		return u, nil
	}
	return nil, ganwei.Errorf(ganwei.ENOTFOUND, "no user")
}

func (p people) PreferredChannel(_ context.Context, id int64) (string, error) {
	return p.prefer[id], nil
}

type chats map[string]int64

func (c chats) WeComChat(_ context.Context, userID string) (int64, bool, error) {
	return c[userID], false, nil
}

// Every message goes to exactly one channel: replies to where the event came from, pushes to the
// preferred channel when the person has an account there, otherwise to their person id's channel.
func TestRouterSendsEachMessageToOneChannel(t *testing.T) {
	const dual, tgOnly, wecomOnly = 101, 102, wecomBase + 7
	p := people{
		users: map[int64]*ganwei.User{
			dual:   {ID: dual, Accounts: []ganwei.Account{"telegram:101", "wecom:chen"}},
			tgOnly: {ID: tgOnly, Accounts: []ganwei.Account{"telegram:102"}},
		},
		prefer: map[int64]string{dual: "wecom", tgOnly: "wecom"},
	}
	tg, wc := &testkit.Front{}, &testkit.Front{}
	r := &channels.Router{Telegram: tg, WeCom: wc, People: p, Chats: chats{"chen": wecomBase + 3},
		IsWeComChat: func(id int64) bool { return id >= wecomBase }}
	ctx := context.Background()

	for _, tc := range []struct {
		name     string
		ctx      context.Context
		chat     int64
		wantTG   int64 // chat that got it on Telegram, 0 for none
		wantWeCo int64
	}{
		{"push to a person preferring 企业微信", ctx, dual, 0, wecomBase + 3},
		{"push to a person without the preferred account", ctx, tgOnly, tgOnly, 0},
		{"push to a 企业微信 person", ctx, wecomOnly, 0, wecomOnly},
		{"reply to a Telegram event of the dual person", originCtx(channels.Telegram, dual), dual, dual, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg0, wc0 := len(tg.Messages(tc.wantTG)), len(wc.Messages(tc.wantWeCo))
			if _, err := r.Send(tc.ctx, tc.chat, "x", nil); err != nil {
				t.Fatal(err)
			}
			gotTG, gotWC := len(tg.Messages(tc.wantTG)) > tg0, len(wc.Messages(tc.wantWeCo)) > wc0
			if gotTG != (tc.wantTG != 0) || gotWC != (tc.wantWeCo != 0) {
				t.Errorf("telegram %v (want chat %d), wecom %v (want chat %d)", gotTG, tc.wantTG, gotWC, tc.wantWeCo)
			}
		})
	}

	only := &channels.Router{WeCom: wc, IsWeComChat: func(id int64) bool { return id >= wecomBase }}
	if _, err := only.Send(ctx, 555, "x", nil); !errors.Is(err, ganwei.ErrRecipientUnknown) {
		t.Errorf("a Telegram chat without Telegram: %v, want ErrRecipientUnknown", err)
	}
	if err := only.SetCommands(ctx, 0, nil); err != nil || only.InviteLink("C") != "" {
		t.Errorf("menus and links without Telegram: %v %q", err, only.InviteLink("C"))
	}
}

// originCtx is the context a handler runs in for an event of channel from chat.
func originCtx(channel string, chat int64) context.Context {
	var got context.Context
	channels.From(channel, func(ctx context.Context, _ ganwei.Event) { got = ctx })(context.Background(), ganwei.Event{ChatID: chat})
	return got
}
