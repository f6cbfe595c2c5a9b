package testkit

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/reminders"
)

// App is the feature layer with every feature wired (policy answers, 四项清单 administration and
// its scheduler, check-ins, HR's lists, the channel preference) on a real Redis (redistest) and the recording fake front end, with the
// seeded People and the clock on Monday 2026-11-23 10:00 in Shanghai: no Telegram at all. The
// package using it needs redistest.Main in its TestMain.
type App struct {
	T        testing.TB
	Ctx      context.Context
	Front    *Front
	Store    *redisstore.Store
	Clock    *Clock
	Handlers *handlers.Handlers
	// Reminders is the 四项清单 scheduler on the same clock and front end: Tick sends what is due.
	Reminders *reminders.Service
}

// NewApp builds an App for one test.
func NewApp(t testing.TB) *App {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	clock := NewClock(At("2026-11-23 10:00")) // a Monday morning
	store.Now = clock.Now
	if err := Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	lib, err := knowledge.Open("")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := checkin.NewCalendar(checkin.DefaultSchedule, Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	front := &Front{LinkBase: "https://example.test/start?c=", People: store} // pushes land in the person's Telegram chat
	rem := &reminders.Service{Queue: store, Users: store, Messenger: front, Logger: logger, Now: clock.Now, Instance: "testkit"}
	hs := &handlers.Handlers{Users: store, Dialogs: store, Questions: store, Messenger: front, Logger: logger,
		Answerer:  &knowledge.Answerer{Library: lib},
		Reminders: rem,
		CheckIns:  store, Periods: cal, Notices: store, Channels: store, Now: clock.Now, Location: Shanghai}
	hs.Register()
	return &App{T: t, Ctx: ctx, Front: front, Store: store, Clock: clock, Handlers: hs, Reminders: rem}
}

// Say sends text as person from and returns the newest message in their chat.
func (a *App) Say(from int64, text string) Sent {
	a.T.Helper()
	a.Handlers.Handle(a.Ctx, Say(from, text))
	m, ok := a.Front.Last(from)
	if !ok {
		a.T.Fatalf("%q got no reply", text)
	}
	return m
}

// Press presses the button labelled label on m as person from.
func (a *App) Press(from int64, m Sent, label string) {
	a.T.Helper()
	ev, err := a.Front.Press(from, m, label)
	if err != nil {
		a.T.Fatal(err)
	}
	a.Handlers.Handle(a.Ctx, ev)
}

// Forge presses a button that m never had, with any payload: what a modified client or an old
// message from another conversation delivers.
func (a *App) Forge(from int64, m Sent, payload string) {
	a.T.Helper()
	ev := Say(from, "")
	ev.ChatID = from
	ev.Action = &ganwei.Action{ID: "forged", Payload: payload, MessageID: m.ID, MessageText: m.Text, Buttons: m.Buttons}
	a.Handlers.Handle(a.Ctx, ev)
}

// Message returns message id in chat as it stands now.
func (a *App) Message(chat int64, id int) Sent {
	a.T.Helper()
	for _, m := range a.Front.Messages(chat) {
		if m.ID == id {
			return m
		}
	}
	a.T.Fatalf("no message %d in chat %d", id, chat)
	return Sent{}
}

// Labels lists a keyboard's labels, row by row.
func Labels(kb ganwei.Keyboard) []string {
	var out []string
	for _, row := range kb {
		for _, b := range row {
			out = append(out, b.Label)
		}
	}
	return out
}
