package bot_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// harness is a bot on the stand-in and a real Redis, with a settable handler.
type harness struct {
	tg    *telegramtest.Server
	bot   *bot.Bot
	store *redisstore.Store
}

func newHarness(t *testing.T, cfg bot.Config) *harness {
	t.Helper()
	tg := telegramtest.New()
	t.Cleanup(tg.Close)
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	cfg.Token, cfg.APIURL = tg.Token(), tg.URL()
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = 2 * time.Second
	}
	b, err := bot.New(context.Background(), cfg, store, bot.NewMetrics(), quiet)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return &harness{tg: tg, bot: b, store: store}
}

// start runs the bot until the test ends and returns the function that stops it and reports
// Run's error.
func (h *harness) start(t *testing.T) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.bot.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func wait(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDuplicateUpdateHandledOnce(t *testing.T) {
	h := newHarness(t, bot.Config{})
	var handled atomic.Int32
	h.bot.SetHandler(func(ctx context.Context, upd *models.Update) { handled.Add(1) })
	h.start(t)
	ctx := wait(t)

	id := h.tg.SendText(42, "你好")
	if err := h.bot.WaitHandled(ctx, id); err != nil {
		t.Fatal(err)
	}
	again := h.tg.Inject(models.Update{ID: id, Message: &models.Message{ID: 99, Text: "你好", Chat: models.Chat{ID: 42, Type: models.ChatTypePrivate}, From: &models.User{ID: 42}}})
	if again != id {
		t.Fatalf("Inject kept id %d, want %d", again, id)
	}
	// The duplicate passes through the middleware (and is logged) but not the handler; wait for a
	// later update to be sure the duplicate was processed first.
	last := h.tg.SendText(42, "再见")
	if err := h.bot.WaitHandled(ctx, last); err != nil {
		t.Fatal(err)
	}
	if got := handled.Load(); got != 2 {
		t.Fatalf("handler ran %d times for 3 deliveries of 2 updates, want 2", got)
	}
}

func TestPanicGetsApology(t *testing.T) {
	h := newHarness(t, bot.Config{})
	h.bot.SetHandler(func(ctx context.Context, upd *models.Update) { panic("boom") })
	h.start(t)
	ctx := wait(t)
	h.tg.SendText(42, "hi")
	msgs, err := h.tg.WaitMessages(ctx, 42, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msgs[0].Text, "抱歉") {
		t.Fatalf("after a panic the user got %q, want an apology", msgs[0].Text)
	}
	// The bot keeps working.
	h.bot.SetHandler(func(ctx context.Context, upd *models.Update) {
		_, _ = h.bot.Sender().Send(ctx, upd.Message.Chat.ID, "好的", nil)
	})
	h.tg.SendText(42, "again")
	if _, err := h.tg.WaitMessages(ctx, 42, 2); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimitPerUser(t *testing.T) {
	h := newHarness(t, bot.Config{UserRate: 0.001, UserBurst: 2})
	var handled atomic.Int32
	h.bot.SetHandler(func(ctx context.Context, upd *models.Update) { handled.Add(1) })
	h.start(t)
	ctx := wait(t)
	var ids []int64
	for range 5 {
		ids = append(ids, h.tg.SendText(42, "hi"))
	}
	other := h.tg.SendText(43, "hi") // another person is not affected
	for _, id := range append(ids, other) {
		if err := h.bot.WaitHandled(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := handled.Load(); got != 3 {
		t.Fatalf("handled %d updates, want 2 within the burst + 1 from another user", got)
	}
	if msgs := h.tg.MessagesTo(42); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "频繁") {
		t.Fatalf("rate-limited user got %v, want exactly one notice", msgs)
	}
}

func TestShutdownLetsSlowHandlerFinish(t *testing.T) {
	h := newHarness(t, bot.Config{ShutdownTimeout: 10 * time.Second})
	entered := make(chan struct{})
	release := make(chan struct{})
	h.bot.SetHandler(func(ctx context.Context, upd *models.Update) {
		close(entered)
		<-release
		if _, err := h.bot.Sender().Send(ctx, upd.Message.Chat.ID, "处理完成", nil); err != nil {
			t.Errorf("send after stop signal: %v", err)
		}
	})
	stop := h.start(t)
	h.tg.SendText(42, "slow")
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) while a handler was still running", err)
	default:
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run after graceful stop = %v, want nil", err)
	}
	if m, ok := h.tg.LastMessageTo(42); !ok || m.Text != "处理完成" {
		t.Fatalf("the slow handler's reply was lost: %v %v", m, ok)
	}
}

func TestWebhookRequiresSecret(t *testing.T) {
	secret := "s3cret-token-for-tests"
	h := newHarness(t, bot.Config{WebhookURL: "https://bot.example.test/tg/hook", WebhookSecret: secret})
	var handled atomic.Int32
	h.bot.SetHandler(func(ctx context.Context, upd *models.Update) { handled.Add(1) })
	srv := httptest.NewServer(h.bot.HTTPHandler(nil))
	t.Cleanup(srv.Close)
	h.start(t)
	ctx := wait(t)
	if err := h.tg.WaitUntil(ctx, func() bool { return h.tg.Webhook().URL != "" }); err != nil {
		t.Fatal(err)
	}
	if got := h.tg.Webhook(); got.URL != "https://bot.example.test/tg/hook" || got.SecretToken != secret {
		t.Fatalf("registered webhook = %+v", got)
	}
	upd := models.Update{ID: 500, Message: &models.Message{ID: 1, Text: "hi", Chat: models.Chat{ID: 42, Type: models.ChatTypePrivate}, From: &models.User{ID: 42}}}
	for _, wrong := range []string{"", "wrong"} {
		code, err := h.tg.DeliverWebhook(ctx, srv.URL+"/tg/hook", wrong, upd)
		if err != nil || code != http.StatusUnauthorized {
			t.Fatalf("webhook with secret %q = %d, %v; want 401", wrong, code, err)
		}
	}
	code, err := h.tg.DeliverWebhook(ctx, srv.URL+"/tg/hook", secret, upd)
	if err != nil || code != http.StatusOK {
		t.Fatalf("webhook with the secret = %d, %v; want 200", code, err)
	}
	if err := h.bot.WaitHandled(ctx, 500); err != nil {
		t.Fatal(err)
	}
	if handled.Load() != 1 {
		t.Fatalf("handled %d webhook updates, want 1 (only the one with the secret)", handled.Load())
	}
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t, bot.Config{})
	redisDown := errors.New("down")
	var failing atomic.Bool
	srv := httptest.NewServer(h.bot.HTTPHandler(func(ctx context.Context) error {
		if failing.Load() {
			return redisDown
		}
		return h.store.Ping(ctx)
	}))
	t.Cleanup(srv.Close)
	get := func(path string) int {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("/healthz"); got != 200 {
		t.Errorf("/healthz = %d, want 200", got)
	}
	if got := get("/readyz"); got != 503 {
		t.Errorf("/readyz before start = %d, want 503", got)
	}
	h.start(t)
	ctx := wait(t)
	_ = h.tg.WaitUntil(ctx, func() bool { return h.bot.Ready() })
	if got := get("/readyz"); got != 200 {
		t.Errorf("/readyz when running = %d, want 200", got)
	}
	failing.Store(true)
	if got := get("/readyz"); got != 503 {
		t.Errorf("/readyz with Redis down = %d, want 503", got)
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/metrics lacks runtime metrics")
	}
}
