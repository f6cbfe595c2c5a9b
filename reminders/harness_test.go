package reminders_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/knowledge/sequence"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/telegramtest"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/workdays"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// testTimeout bounds every wait; nothing waits this long when things work.
const testTimeout = 20 * time.Second

var shanghai = testkit.Shanghai

// at parses "2006-01-02 15:04" in Asia/Shanghai.
var at = testkit.At

// People in every test.
var (
	hr     = ganwei.User{ID: 10002, Name: "李娟", Unit: "区委组织部", Role: ganwei.RoleHR}
	leader = ganwei.User{ID: 20002, Name: "陈刚", Unit: "七都镇", Role: ganwei.RoleCadre}
	cadre  = ganwei.User{ID: 20001, Name: "张伟", Unit: "发改委", Role: ganwei.RoleCadre}
)

// harness is a bot wired as in production (real go-telegram client, stand-in Bot API, real
// Redis, handlers, shared Sender) plus a reminder Service on an injected clock.
type harness struct {
	t     testing.TB
	ctx   context.Context
	tg    *telegramtest.Server
	redis *redistest.Redis
	store *redisstore.Store
	clock *testkit.Clock
	bot   *bot.Bot
	svc   *reminders.Service
	seq   *sequence.Sequence

	mu     sync.Mutex
	sleeps []time.Duration // what the Sender would have waited (429 retry_after, 5xx backoff)
}

type harnessOpts struct {
	seqYAML    string
	start      time.Time
	globalRate float64
	noHandlers bool
}

func newHarness(t testing.TB, o harnessOpts) *harness {
	t.Helper()
	seq, err := sequence.Parse([]byte(o.seqYAML))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clock: testkit.NewClock(o.start), seq: seq}
	h.tg = telegramtest.New(telegramtest.WithClock(h.clock.Now))
	t.Cleanup(h.tg.Close)
	for _, u := range []ganwei.User{hr, leader, cadre} {
		h.tg.SetUser(models.User{ID: u.ID, FirstName: u.Name})
	}
	h.redis = redistest.New(t)
	h.store = redisstore.New(h.redis.Client, h.redis.Prefix)
	h.store.Now = h.clock.Now
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	h.ctx = ctx
	t.Cleanup(cancel)
	for _, u := range []ganwei.User{hr, leader, cadre} {
		if err := h.store.SaveUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	rate := o.globalRate
	if rate == 0 {
		rate = -1
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := bot.New(ctx, bot.Config{Token: h.tg.Token(), APIURL: h.tg.URL(), PollTimeout: time.Second,
		GlobalRate: rate, PerChatRate: -1, UserRate: 100, UserBurst: 100}, h.store, nil, logger)
	if err != nil {
		t.Fatal(err)
	}
	h.bot = b
	b.Sender().Sleep = func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.sleeps = append(h.sleeps, d)
		return nil
	}
	h.svc = h.newService(h.store)
	if !o.noHandlers {
		hs := &handlers.Handlers{Users: h.store, Dialogs: h.store, Messenger: b.Front(nil), Logger: logger,
			BotUsername: b.Username(), Now: h.clock.Now, Location: shanghai, Reminders: h.svc}
		hs.Register()
		b.SetHandler(b.Front(nil).Updates(hs.Handle))
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = b.Run(runCtx); close(done) }()
		t.Cleanup(func() { stop(); <-done })
	}
	return h
}

// newService is one scheduler replica on store, sending through the harness's bot.
func (h *harness) newService(store *redisstore.Store) *reminders.Service {
	return &reminders.Service{
		Queue: store, Users: store, Messenger: h.bot.Front(nil), Sequence: sequence.Fixed(h.seq),
		Calendar: workdays.New(shanghai), Now: h.clock.Now, Instance: "replica-a",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// say sends text as user and waits until the bot has handled it.
func (h *harness) say(user int64, text string) {
	h.t.Helper()
	if err := h.bot.WaitHandled(h.ctx, h.tg.SendText(user, text)); err != nil {
		h.t.Fatalf("say %q: %v", text, err)
	}
}

// press presses a button as user and waits until the bot has handled it.
func (h *harness) press(user int64, messageID int, data string) {
	h.t.Helper()
	if err := h.bot.WaitHandled(h.ctx, h.tg.PressButton(user, messageID, data)); err != nil {
		h.t.Fatalf("press %q: %v", data, err)
	}
}

// tick runs one scheduler round at the clock's time.
func (h *harness) tick() int {
	h.t.Helper()
	n, err := h.svc.Tick(h.ctx)
	if err != nil {
		h.t.Fatalf("Tick: %v", err)
	}
	return n
}

// last returns the newest message in chat.
func (h *harness) last(chat int64) telegramtest.Message {
	h.t.Helper()
	m, ok := h.tg.LastMessageTo(chat)
	if !ok {
		h.t.Fatalf("no message to %d", chat)
	}
	return m
}

// only returns the one appointment.
func (h *harness) only() *ganwei.Appointment {
	h.t.Helper()
	list, err := h.store.Appointments(h.ctx)
	if err != nil || len(list) != 1 {
		h.t.Fatalf("Appointments = %d, %v; want 1", len(list), err)
	}
	return list[0]
}

// lastAnswer is the text of the newest answerCallbackQuery.
func (h *harness) lastAnswer() string {
	calls := h.tg.Calls("answerCallbackQuery")
	if len(calls) == 0 {
		return ""
	}
	return calls[len(calls)-1].Params["text"]
}
