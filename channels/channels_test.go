package channels_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/channels"
	"github.com/ganwei-bot/ganwei/testkit"
)

type people struct {
	users  map[int64]*ganwei.User
	prefer map[int64]string
}

func (p people) PushTarget(_ context.Context, id int64) (*ganwei.User, string, error) {
	if u, ok := p.users[id]; ok {
		return u, p.prefer[id], nil
	}
	return nil, "", ganwei.Errorf(ganwei.ENOTFOUND, "no user")
}

type chats map[string]int64

func (c chats) WeComChat(_ context.Context, userID string) (int64, bool, error) {
	return c[userID], false, nil
}

// Every message goes to exactly one channel: replies to where the event came from, pushes to
// the preferred channel when the person has an account there, otherwise to their first
// account's; the chat is the account's own (a Telegram user id, a 企业微信 chat number), never
// the person id.
func TestRouterSendsEachMessageToOneChannel(t *testing.T) {
	const (
		dual      = 101                     // a person stored before person ids (id = their Telegram id)
		tgOnly    = 102                     // the same, with only Telegram
		wecomOnly = ganwei.PersonIDBase + 7 // a person first met on 企业微信
		newTG     = ganwei.PersonIDBase + 8 // a person first met on Telegram, as user 555
		chenChat  = int64(1<<52 + 3)        // the 企业微信 front end's chat number of userid chen
		liChat    = int64(1<<52 + 4)        // and of li
	)
	p := people{
		users: map[int64]*ganwei.User{
			dual:      {ID: dual, Accounts: []ganwei.Account{"telegram:101", "wecom:chen"}},
			tgOnly:    {ID: tgOnly, Accounts: []ganwei.Account{"telegram:102"}},
			wecomOnly: {ID: wecomOnly, Accounts: []ganwei.Account{"wecom:li"}},
			newTG:     {ID: newTG, Accounts: []ganwei.Account{"telegram:555"}},
		},
		prefer: map[int64]string{dual: "wecom", tgOnly: "wecom"},
	}
	tg, wc := &testkit.Front{}, &testkit.Front{}
	r := &channels.Router{Telegram: tg, WeCom: wc, People: p, Chats: chats{"chen": chenChat, "li": liChat}}
	ctx := context.Background()

	for _, tc := range []struct {
		name     string
		ctx      context.Context
		chat     int64
		wantTG   int64 // chat that got it on Telegram, 0 for none
		wantWeCo int64
	}{
		{"push to a person preferring 企业微信", ctx, dual, 0, chenChat},
		{"push to a person without the preferred account", ctx, tgOnly, tgOnly, 0},
		{"push to a 企业微信 person", ctx, wecomOnly, 0, liChat},
		{"push to a new Telegram person goes to their Telegram chat, not their person id", ctx, newTG, 555, 0},
		{"reply to a Telegram event of the dual person", originCtx(channels.Telegram, dual), dual, dual, 0},
		// A Telegram user whose id equals the 企业微信 person's id is writing; a push to that
		// person during the event still goes to the person, not to the writer's chat.
		{"push to a person whose id equals the event's chat", ganwei.ToPerson(originCtx(channels.Telegram, wecomOnly)), wecomOnly, 0, liChat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg0, wc0 := len(tg.Messages(tc.wantTG)), len(wc.Messages(tc.wantWeCo))
			tgAll, wcAll := tg.Count(), wc.Count()
			if _, err := r.Send(tc.ctx, tc.chat, "x", nil); err != nil {
				t.Fatal(err)
			}
			gotTG, gotWC := len(tg.Messages(tc.wantTG)) > tg0, len(wc.Messages(tc.wantWeCo)) > wc0
			if gotTG != (tc.wantTG != 0) || gotWC != (tc.wantWeCo != 0) {
				t.Errorf("telegram %v (want chat %d), wecom %v (want chat %d)", gotTG, tc.wantTG, gotWC, tc.wantWeCo)
			}
			if n := tg.Count() - tgAll + wc.Count() - wcAll; n != 1 {
				t.Errorf("%d messages went out, want exactly 1", n)
			}
		})
	}
	if _, err := r.Send(ctx, ganwei.PersonIDBase+99, "x", nil); !errors.Is(err, ganwei.ErrRecipientUnknown) {
		t.Errorf("a push to nobody: %v, want ErrRecipientUnknown", err)
	}
	menu := []ganwei.MenuCommand{{Name: "help", Description: "帮助"}}
	if err := r.SetCommands(ganwei.ToPerson(ctx), newTG, menu); err != nil || len(tg.Menu(555)) != 1 || tg.Menu(newTG) != nil {
		t.Errorf("menu of a new Telegram person: %v; chat 555 %v, chat %d %v", err, tg.Menu(555), newTG, tg.Menu(newTG))
	}

	only := &channels.Router{WeCom: wc, People: p, Chats: chats{"li": liChat}}
	if _, err := only.Send(ctx, tgOnly, "x", nil); !errors.Is(err, ganwei.ErrRecipientUnknown) {
		t.Errorf("a Telegram-only person without Telegram: %v, want ErrRecipientUnknown", err)
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
