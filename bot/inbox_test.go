package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

const hookSecret = "s3cret-token-for-tests"

// replica is one more bot process on the harness's stand-in and Redis.
func (h *harness) replica(t *testing.T, cfg bot.Config, logger *slog.Logger) *bot.Bot {
	t.Helper()
	cfg.Token, cfg.APIURL = h.tg.Token(), h.tg.URL()
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = 2 * time.Second
	}
	if logger == nil {
		logger = quiet
	}
	b, err := bot.New(context.Background(), cfg, h.store, bot.NewMetrics(), logger)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

// run runs b until the returned stop is called (or the test ends); stop returns Run's error.
func run(t *testing.T, b *bot.Bot) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// answering is a handler that replies "答复 <update id>" once let through by gate (or at once
// when gate is nil), and gives up when its context ends. entered hears every update it starts.
func answering(b *bot.Bot, gate <-chan struct{}, entered chan<- int64) bot.UpdateHandler {
	return func(ctx context.Context, upd *models.Update) {
		if entered != nil {
			entered <- upd.ID
		}
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done():
				return
			}
		}
		_, _ = b.Sender().Send(ctx, upd.Message.Chat.ID, fmt.Sprintf("答复 %d", upd.ID), nil)
	}
}

func userUpdate(id int64) models.Update {
	user := 1000 + id // one person per update: no per-user limit or per-chat pacing in the way
	return models.Update{ID: id, Message: &models.Message{ID: int(id), Text: "你好",
		Chat: models.Chat{ID: user, Type: models.ChatTypePrivate}, From: &models.User{ID: user}}}
}

// answers counts the replies to each update id at the stand-in.
func (h *harness) answers(ids []int64) map[int64]int {
	got := map[int64]int{}
	for _, id := range ids {
		for _, m := range h.tg.MessagesTo(1000 + id) {
			if m.Text == fmt.Sprintf("答复 %d", id) {
				got[id]++
			}
		}
	}
	return got
}

func (h *harness) waitAnswered(t *testing.T, ctx context.Context, ids []int64) {
	t.Helper()
	err := h.tg.WaitUntil(ctx, func() bool {
		got := h.answers(ids)
		for _, id := range ids {
			if got[id] == 0 {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("not every update was answered: %v (answers %v)", err, h.answers(ids))
	}
}

// checkAnsweredOnce waits until the inbox is empty, then checks each update got exactly one reply.
func (h *harness) checkAnsweredOnce(t *testing.T, ctx context.Context, ids []int64) {
	t.Helper()
	h.waitAnswered(t, ctx, ids)
	for {
		st, err := h.store.InboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Depth == 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("inbox still holds %d entries", st.Depth)
		}
		// Marking done follows the reply with no event to wait on: look again shortly.
		time.Sleep(5 * time.Millisecond)
	}
	for id, n := range h.answers(ids) {
		if n != 1 {
			t.Errorf("update %d answered %d times, want once", id, n)
		}
	}
}

func ids(from, to int64) []int64 {
	var out []int64
	for id := from; id <= to; id++ {
		out = append(out, id)
	}
	return out
}

var unpaced = bot.Config{GlobalRate: -1, PerChatRate: -1, UserRate: 1000, UserBurst: 1000}

func with(c bot.Config, change func(*bot.Config)) bot.Config { change(&c); return c }

// TestStopMidBacklogThenRestartAnswersEachOnce: 40 updates acknowledged to Telegram's webhook,
// a stop after 5 answers while 2 more are in hand: those 2 finish, the stop returns nil, and the
// next start answers the other 33. Every accepted update is answered exactly once.
func TestStopMidBacklogThenRestartAnswersEachOnce(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	hook := with(unpaced, func(c *bot.Config) {
		c.WebhookURL, c.WebhookSecret, c.Workers = "https://bot.example.test/hook", hookSecret, 2
	})
	first := h.replica(t, hook, nil)
	gate, entered := make(chan struct{}), make(chan int64, 100)
	first.SetHandler(answering(first, gate, entered))
	srv := httptest.NewServer(first.HTTPHandler(nil))
	t.Cleanup(srv.Close)
	stopFirst := run(t, first)
	if err := first.WaitStarted(ctx); err != nil {
		t.Fatal(err)
	}
	all := ids(1, 40)
	for _, id := range all {
		code, err := h.tg.DeliverWebhook(ctx, srv.URL+"/hook", hookSecret, userUpdate(id))
		if err != nil || code != http.StatusOK {
			t.Fatalf("webhook delivery of %d = %d, %v; want 200", id, code, err)
		}
	}
	for range 5 {
		gate <- struct{}{}
	}
	for range 7 { // 5 answered, 2 more in hand
		<-entered
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stopFirst() }()
	<-first.IntakeClosed()
	// Intake is closed while the 2 in hand finish.
	if code, _ := h.tg.DeliverWebhook(ctx, srv.URL+"/hook", hookSecret, userUpdate(99)); code != http.StatusServiceUnavailable {
		t.Errorf("webhook while stopping = %d, want 503 (Telegram resends later)", code)
	}
	gate <- struct{}{}
	gate <- struct{}{}
	if err := <-stopped; err != nil {
		t.Fatalf("Run after stop = %v, want nil", err)
	}
	if got := len(h.answers(all)); got != 7 {
		t.Fatalf("%d updates answered before the restart, want 7", got)
	}
	if st, _ := h.store.InboxStats(ctx); st.Depth != 33 {
		t.Fatalf("inbox holds %d after the stop, want the 33 not started", st.Depth)
	}

	second := h.replica(t, unpaced, nil)
	second.SetHandler(answering(second, nil, nil))
	run(t, second)
	h.checkAnsweredOnce(t, ctx, all)
}

// TestDrainBoundLeavesPendingAndSaysSo: a handler still running when the drain bound passes is
// cut off; Run returns nil, the log names what was left pending, and the next start takes it over
// at once (not after the claim timeout) and answers it.
func TestDrainBoundLeavesPendingAndSaysSo(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	logs := &syncWriter{w: &bytes.Buffer{}}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	first := h.replica(t, with(unpaced, func(c *bot.Config) {
		c.Workers, c.ShutdownTimeout = 2, 50*time.Millisecond
	}), logger)
	entered := make(chan int64, 10)
	first.SetHandler(answering(first, make(chan struct{}), entered)) // never let through
	stopFirst := run(t, first)
	for _, id := range ids(1, 3) {
		if err := first.ProcessUpdate(ctx, ptr(userUpdate(id))); err != nil {
			t.Fatal(err)
		}
	}
	<-entered
	<-entered
	if err := stopFirst(); err != nil {
		t.Fatalf("Run after the drain bound = %v, want nil (a stop is a normal exit)", err)
	}
	if out := logs.String(); !strings.Contains(out, "drain bound passed") || !strings.Contains(out, `"count":2`) {
		t.Fatalf("log does not say that 2 updates were left pending:\n%s", out)
	}
	second := h.replica(t, unpaced, nil) // default claim timeout: 15 s, beyond this test
	second.SetHandler(answering(second, nil, nil))
	run(t, second)
	h.checkAnsweredOnce(t, ctx, ids(1, 3))
}

// TestDeadWorkersUpdatesFinishedByAnotherReplica: a replica took 6 updates and died (no stop, no
// release); another replica takes them over once they have been idle for the claim timeout and
// answers all 10 accepted updates exactly once.
func TestDeadWorkersUpdatesFinishedByAnotherReplica(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	all := ids(1, 10)
	var batch []ganwei.InboxUpdate
	for _, id := range all {
		batch = append(batch, ganwei.InboxUpdate{ID: id, Payload: mustJSON(t, userUpdate(id))})
	}
	if _, err := h.store.AcceptUpdates(ctx, batch, 0); err != nil {
		t.Fatal(err)
	}
	taken, err := h.store.TakeUpdates(ctx, "replica-killed-mid-batch", 6, time.Millisecond)
	if err != nil || len(taken) != 6 {
		t.Fatalf("the doomed replica took %d, %v", len(taken), err)
	}
	survivor := h.replica(t, with(unpaced, func(c *bot.Config) { c.ClaimIdle = 100 * time.Millisecond }), nil)
	survivor.SetHandler(answering(survivor, nil, nil))
	run(t, survivor)
	h.checkAnsweredOnce(t, ctx, all)
}

// TestWebhookAnswers: the status for each kind of request, and an undecodable body is never
// logged (only its size and the decode error).
func TestWebhookAnswers(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	logs := &syncWriter{w: &bytes.Buffer{}}
	b := h.replica(t, with(unpaced, func(c *bot.Config) {
		c.WebhookURL, c.WebhookSecret, c.Workers, c.InboxLimit = "https://bot.example.test/hook", hookSecret, 1, 2
		c.ShutdownTimeout = time.Millisecond
	}), slog.New(slog.NewJSONHandler(logs, nil)))
	entered := make(chan int64, 10)
	b.SetHandler(answering(b, make(chan struct{}), entered)) // holds its one worker
	srv := httptest.NewServer(b.HTTPHandler(nil))
	t.Cleanup(srv.Close)
	post := func(body string) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/hook", strings.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hookSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	update := func(id int64) string { return string(mustJSON(t, userUpdate(id))) }
	if got := post(update(1)); got != http.StatusServiceUnavailable {
		t.Errorf("before Run: %d, want 503", got)
	}
	run(t, b)
	if err := b.WaitStarted(ctx); err != nil {
		t.Fatal(err)
	}
	secretText := `{"update_id": 7, "message": {"text": "我的私人问题"` // cut off
	tests := []struct {
		name string
		body string
		want int
	}{
		{"first update", update(1), http.StatusOK},
		{"a resend of it", update(1), http.StatusOK},
		{"undecodable", secretText, http.StatusBadRequest},
		{"wrong types", `{"update_id": "x"}`, http.StatusBadRequest},
		{"no update_id", `{"message": {"text": "hi"}}`, http.StatusBadRequest},
		{"over the limit", `{"update_id": 8, "pad": "` + strings.Repeat("x", bot.MaxWebhookBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"second update", update(2), http.StatusOK},
		{"inbox at its limit", update(3), http.StatusTooManyRequests},
	}
	for _, tt := range tests {
		if tt.name == "second update" {
			<-entered // update 1 is in hand: the inbox holds 1
		}
		if got := post(tt.body); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	if out := logs.String(); strings.Contains(out, "私人") || !strings.Contains(out, `"bytes":`) {
		t.Errorf("log of the undecodable body shows its content or lacks its size:\n%s", out)
	}
}

func ptr[T any](v T) *T { return &v }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// syncWriter lets handlers on several goroutines log into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// TestPollingMovesOffsetOnlyPastStoredUpdates: in long polling, while the inbox is at its
// limit the bot stores nothing more and does not move the getUpdates offset past what it did not
// store, so those updates stay with Telegram (pending at the stand-in); once there is room they
// are stored and each is answered once.
func TestPollingMovesOffsetOnlyPastStoredUpdates(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	logs := &watchedLog{changed: make(chan struct{}, 1)}
	b := h.replica(t, with(unpaced, func(c *bot.Config) { c.Workers, c.InboxLimit = 1, 2 }), slog.New(slog.NewJSONHandler(logs, nil)))
	gate, entered := make(chan struct{}), make(chan int64, 10)
	b.SetHandler(answering(b, gate, entered))
	run(t, b)
	h.tg.SendText(1001, "你好") // update 1: taken by the only worker, which waits at the gate
	<-entered
	for k := int64(2); k <= 6; k++ {
		h.tg.SendText(1000+k, "你好")
	}
	// The inbox holds update 1 (in hand) and update 2; updates 3 to 6 must stay with Telegram.
	if err := logs.waitFor(ctx, "inbox full"); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.store.InboxStats(ctx); st.Depth != 2 {
		t.Errorf("inbox depth %d at the limit, want 2", st.Depth)
	}
	pending := map[int64]bool{}
	for _, u := range h.tg.Pending() {
		pending[u.ID] = true
	}
	for id := int64(3); id <= 6; id++ {
		if !pending[id] {
			t.Errorf("update %d is no longer pending at Telegram although it was not stored", id)
		}
	}
	close(gate)
	h.checkAnsweredOnce(t, ctx, ids(1, 6))
}

// watchedLog is a log sink a test can wait on.
type watchedLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func (l *watchedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return l.buf.Write(p)
}

func (l *watchedLog) waitFor(ctx context.Context, text string) error {
	for {
		l.mu.Lock()
		found := strings.Contains(l.buf.String(), text)
		l.mu.Unlock()
		if found {
			return nil
		}
		select {
		case <-l.changed:
		case <-ctx.Done():
			return fmt.Errorf("log never said %q: %w", text, ctx.Err())
		}
	}
}

// TestWebhookWithRedisDownAnswersBeforeAcknowledging: while Redis cannot store an update, the
// webhook handles it in the process and answers 200 only after the handler ran, so what needs no
// Redis still gets its reply and nothing is acknowledged unhandled.
func TestWebhookWithRedisDownAnswersBeforeAcknowledging(t *testing.T) {
	srv := redistest.StartServer(t)
	rd := redistest.NewOn(t, srv)
	tg := telegramtest.New()
	t.Cleanup(tg.Close)
	store := redisstore.New(rd.Client, rd.Prefix+"ganwei")
	ctx := wait(t)
	b, err := bot.New(ctx, with(unpaced, func(c *bot.Config) {
		c.Token, c.APIURL, c.WebhookURL, c.WebhookSecret = tg.Token(), tg.URL(), "https://bot.example.test/hook", hookSecret
		c.ShutdownTimeout = time.Second
	}), store, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	b.SetHandler(answering(b, nil, nil))
	hook := httptest.NewServer(b.HTTPHandler(nil))
	t.Cleanup(hook.Close)
	run(t, b)
	if err := b.WaitStarted(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Restart() })
	code, err := tg.DeliverWebhook(ctx, hook.URL+"/hook", hookSecret, userUpdate(5))
	if err != nil || code != http.StatusOK {
		t.Fatalf("webhook with Redis down = %d, %v; want 200 after handling", code, err)
	}
	if got := tg.MessagesTo(1005); len(got) != 1 || got[0].Text != "答复 5" {
		t.Fatalf("reply before the 200: %v, want one answer", got)
	}
}

// TestSlowHandlerIsNotTakenOver: a handler that runs longer than the claim timeout (a slow
// model answer, a long pacing wait) keeps its update: its worker renews it, so another replica
// does not take it over and answer it a second time. Redis measures idle time by its own clock,
// so this test lets real time pass (a few claim timeouts of 100 ms).
func TestSlowHandlerIsNotTakenOver(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	fast := with(unpaced, func(c *bot.Config) { c.ClaimIdle = 100 * time.Millisecond })
	slow := h.replica(t, fast, nil)
	gate, entered := make(chan struct{}), make(chan int64, 10)
	slow.SetHandler(answering(slow, gate, entered))
	run(t, slow)
	if err := slow.ProcessUpdate(ctx, ptr(userUpdate(1))); err != nil {
		t.Fatal(err)
	}
	<-entered
	other := h.replica(t, fast, nil)
	otherEntered := make(chan int64, 10)
	other.SetHandler(answering(other, nil, otherEntered))
	run(t, other)
	time.Sleep(6 * fast.ClaimIdle)
	select {
	case id := <-otherEntered:
		t.Fatalf("the other replica took over update %d while its handler was still running", id)
	default:
	}
	close(gate)
	h.checkAnsweredOnce(t, ctx, ids(1, 1))
}

// TestOtherSourcesShareTheInboxAndWorkers: an entry of another platform in the inbox goes to the
// handler registered for its source, once, and is marked done; Telegram updates still go
// through the middleware to the update handler.
func TestOtherSourcesShareTheInboxAndWorkers(t *testing.T) {
	h := newHarness(t, bot.Config{})
	tgSeen := make(chan int64, 4)
	h.bot.SetHandler(func(ctx context.Context, upd *models.Update) { tgSeen <- upd.ID })
	got := make(chan string, 4)
	h.bot.Pool().Handle(ganwei.SourceWeCom, func(ctx context.Context, u ganwei.InboxUpdate) { got <- string(u.Payload) })
	ctx := wait(t)
	ev := ganwei.InboxUpdate{Source: ganwei.SourceWeCom, Key: "m:1", Payload: []byte(`{"MsgID":1}`)}
	if n, err := h.store.AcceptUpdates(ctx, []ganwei.InboxUpdate{ev, ev}, 0); n != 2 || err != nil {
		t.Fatalf("Accept = %d, %v", n, err)
	}
	h.start(t)
	select {
	case p := <-got:
		if p != `{"MsgID":1}` {
			t.Fatalf("payload = %s", p)
		}
	case <-ctx.Done():
		t.Fatal("the 企业微信 entry was never handled")
	}
	id := h.tg.SendText(42, "你好")
	if err := h.bot.WaitHandled(ctx, id); err != nil {
		t.Fatal(err)
	}
	if tg := <-tgSeen; tg != id {
		t.Fatalf("Telegram handler saw %d, want %d (and nothing of 企业微信)", tg, id)
	}
	for {
		st, err := h.store.InboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Depth == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("inbox depth %d: the 企业微信 entry was not marked done", st.Depth)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if len(got) != 0 || len(tgSeen) != 0 {
		t.Fatalf("handled more than once: %d more 企业微信, %d more Telegram", len(got), len(tgSeen))
	}
}
