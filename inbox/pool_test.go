package inbox_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/inbox"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// syncBuffer is a log sink safe for the pool's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	rd    *redistest.Redis
	store *redisstore.Store
	reg   *prometheus.Registry
	log   *syncBuffer
	ctx   context.Context
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	rd := redistest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return &harness{rd: rd, store: redisstore.New(rd.Client, rd.Prefix+"ganwei"), reg: prometheus.NewRegistry(), log: &syncBuffer{}, ctx: ctx}
}

func (h *harness) pool(t *testing.T, cfg inbox.Config) *inbox.Pool {
	t.Helper()
	p := inbox.New(h.store, cfg, inbox.NewMetrics(h.reg), slog.New(slog.NewJSONHandler(h.log, nil)))
	return p
}

func start(t *testing.T, p *inbox.Pool) {
	t.Helper()
	p.Start()
	t.Cleanup(func() { p.Stop(time.Second) })
}

// eventually polls cond until it holds or the test's time is up (Redis measures idle time by its
// own clock, so these tests let real time pass).
func (h *harness) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-h.ctx.Done():
			t.Fatalf("timed out waiting until %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (h *harness) counter(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue metrics
				}
			}
			return value(m)
		}
	}
	return 0
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	return 0
}

const secret = "第一书记的私信"

// A handler that never finishes is cancelled at the deadline and its entry retried; after
// MaxDeliveries deliveries it is moved to the dead letters — counted, logged without its
// content — instead of looping forever, and the entries behind it are handled meanwhile.
func TestHangingHandlerIsRetriedThenDeadLettered(t *testing.T) {
	h := newHarness(t)
	p := h.pool(t, inbox.Config{Worker: "w1", Workers: 2, ClaimIdle: 100 * time.Millisecond,
		HandlerTimeout: 50 * time.Millisecond, MaxDeliveries: 3})
	var poisonRuns, fine atomic.Int32
	p.Handle("", func(ctx context.Context, u ganwei.InboxUpdate) {
		if u.ID == 1 {
			poisonRuns.Add(1)
			<-ctx.Done() // hangs until cancelled
			return
		}
		fine.Add(1)
	})
	if _, err := h.store.AcceptUpdates(h.ctx, []ganwei.InboxUpdate{{ID: 1, Payload: []byte(`{"text":"` + secret + `"}`)}, {ID: 2, Payload: []byte(`{}`)}}, 0); err != nil {
		t.Fatal(err)
	}
	start(t, p)
	h.eventually(t, "the poison entry is dead-lettered", func() bool {
		d, err := h.store.DeadLetters(h.ctx, 10)
		return err == nil && len(d) == 1
	})
	if got := poisonRuns.Load(); got != 3 {
		t.Errorf("the hanging handler ran %d times, want 3 (MaxDeliveries)", got)
	}
	if fine.Load() != 1 {
		t.Errorf("the entry behind the poison one ran %d times, want 1", fine.Load())
	}
	d, _ := h.store.DeadLetters(h.ctx, 10)
	if d[0]["id"] != "1" || d[0]["n"] != "4" || !strings.Contains(fmt.Sprint(d[0]["why"]), "delivered 4 times") || !strings.Contains(fmt.Sprint(d[0]["u"]), secret) {
		t.Errorf("dead letter = %v, want update 1 with its payload, 4 deliveries and why", d[0])
	}
	h.eventually(t, "the inbox is empty", func() bool {
		st, err := h.store.InboxStats(h.ctx)
		return err == nil && st.Depth == 0
	})
	if n := h.counter(t, "ganwei_inbox_entries_total", map[string]string{"source": "telegram", "result": "dead_letter"}); n != 1 {
		t.Errorf("dead_letter count = %v, want 1", n)
	}
	if n := h.counter(t, "ganwei_inbox_entries_total", map[string]string{"source": "telegram", "result": "timeout"}); n != 3 {
		t.Errorf("timeout count = %v, want 3", n)
	}
	logs := h.log.String()
	if !strings.Contains(logs, "dead letters") || !strings.Contains(logs, "past its deadline") {
		t.Errorf("log does not tell of the timeouts and the dead letter:\n%s", logs)
	}
	if strings.Contains(logs, secret) {
		t.Errorf("the log carries the message text:\n%s", logs)
	}
}

// A handler that times out once and then succeeds is done once, not dead-lettered.
func TestHandlerPastItsDeadlineIsRetried(t *testing.T) {
	h := newHarness(t)
	p := h.pool(t, inbox.Config{Worker: "w1", Workers: 1, ClaimIdle: 100 * time.Millisecond,
		HandlerTimeout: 50 * time.Millisecond, MaxDeliveries: 3})
	var runs, done atomic.Int32
	p.Handle("", func(ctx context.Context, u ganwei.InboxUpdate) {
		if runs.Add(1) == 1 {
			<-ctx.Done()
			return
		}
		done.Add(1)
	})
	p.OnDone(func(ganwei.InboxUpdate) {})
	if _, err := h.store.AcceptUpdates(h.ctx, []ganwei.InboxUpdate{{ID: 7, Payload: []byte(`{}`)}}, 0); err != nil {
		t.Fatal(err)
	}
	start(t, p)
	h.eventually(t, "the retry finished and the inbox is empty", func() bool {
		st, err := h.store.InboxStats(h.ctx)
		return err == nil && st.Depth == 0 && done.Load() == 1
	})
	if runs.Load() != 2 {
		t.Errorf("handler ran %d times, want 2 (one timeout, one retry)", runs.Load())
	}
	if d, _ := h.store.DeadLetters(h.ctx, 10); len(d) != 0 {
		t.Errorf("dead letters = %v, want none", d)
	}
}

// A handler that ignores its context does not hold its worker forever: the worker moves on after
// the grace (the abandoned handler is counted until it returns), and the next entry is handled.
func TestHandlerIgnoringCancellationIsLeftBehind(t *testing.T) {
	defer inbox.SetAbandonGrace(20 * time.Millisecond)()
	h := newHarness(t)
	p := h.pool(t, inbox.Config{Worker: "w1", Workers: 1, ClaimIdle: 10 * time.Second,
		HandlerTimeout: 50 * time.Millisecond, MaxDeliveries: 3})
	stuck := make(chan struct{})
	var second atomic.Int32
	p.Handle("", func(ctx context.Context, u ganwei.InboxUpdate) {
		if u.ID == 1 {
			<-stuck // ignores ctx
			return
		}
		second.Add(1)
	})
	if _, err := h.store.AcceptUpdates(h.ctx, []ganwei.InboxUpdate{{ID: 1, Payload: []byte(`{}`)}, {ID: 2, Payload: []byte(`{}`)}}, 0); err != nil {
		t.Fatal(err)
	}
	start(t, p)
	h.eventually(t, "the next entry is handled by the only worker", func() bool { return second.Load() == 1 })
	if g := h.counter(t, "ganwei_inbox_handlers_abandoned", nil); g != 1 {
		t.Errorf("abandoned gauge = %v, want 1", g)
	}
	close(stuck)
	h.eventually(t, "the abandoned handler is no longer counted", func() bool {
		return h.counter(t, "ganwei_inbox_handlers_abandoned", nil) == 0
	})
}

// Workers of processes that are gone leave the consumer group, but only once they have nothing
// pending: a worker holding an entry stays until that entry is taken over.
func TestGoneWorkersArePrunedOnlyWithoutPendingEntries(t *testing.T) {
	h := newHarness(t)
	if _, err := h.store.AcceptUpdates(h.ctx, []ganwei.InboxUpdate{{ID: 1, Payload: []byte(`{}`)}, {ID: 2, Payload: []byte(`{}`)}}, 0); err != nil {
		t.Fatal(err)
	}
	if got, err := h.store.TakeUpdates(h.ctx, "gone-busy", 1, time.Millisecond); len(got) != 1 || err != nil {
		t.Fatalf("take: %v, %v", got, err)
	}
	// gone-idle handled its entry and stopped.
	got, err := h.store.TakeUpdates(h.ctx, "gone-idle", 1, time.Millisecond)
	if len(got) != 1 || err != nil {
		t.Fatalf("take: %v, %v", got, err)
	}
	if err := h.store.UpdateDone(h.ctx, got[0].Ref); err != nil {
		t.Fatal(err)
	}
	if w, _ := h.store.InboxWorkers(h.ctx); !contains(w, "gone-idle") || !contains(w, "gone-busy") {
		t.Fatalf("workers before = %v", w)
	}
	p := h.pool(t, inbox.Config{Worker: "live", Workers: 1, ClaimIdle: time.Hour, PruneIdle: 100 * time.Millisecond})
	p.Handle("", func(context.Context, ganwei.InboxUpdate) {})
	start(t, p)
	if err := p.Accept(h.ctx, ganwei.InboxUpdate{ID: 3, Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	h.eventually(t, "gone-idle is pruned", func() bool {
		w, err := h.store.InboxWorkers(h.ctx)
		return err == nil && !contains(w, "gone-idle") && contains(w, "live")
	})
	w, _ := h.store.InboxWorkers(h.ctx)
	if !contains(w, "gone-busy") || !contains(w, "live") {
		t.Errorf("workers = %v, want gone-busy (it holds an entry) and live kept", w)
	}
	if n := h.counter(t, "ganwei_inbox_workers_pruned_total", nil); n < 1 {
		t.Errorf("pruned count = %v, want at least 1", n)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Entries of each source go to that source's handler, once; an entry of a source nobody handles
// is dropped (logged, counted) rather than left to block the inbox.
func TestEntriesGoToTheirSourcesHandler(t *testing.T) {
	h := newHarness(t)
	p := h.pool(t, inbox.Config{Worker: "w1", Workers: 4})
	var mu sync.Mutex
	seen := map[string][]string{}
	for _, src := range []string{"", ganwei.SourceWeCom} {
		p.Handle(src, func(_ context.Context, u ganwei.InboxUpdate) {
			mu.Lock()
			seen[src] = append(seen[src], string(u.Payload))
			mu.Unlock()
		})
	}
	updates := []ganwei.InboxUpdate{{ID: 1, Payload: []byte("tg")}, {Source: ganwei.SourceWeCom, Key: "m:1", Payload: []byte("wc")},
		{Source: "other", Key: "x", Payload: []byte("??")}}
	start(t, p)
	for _, u := range updates {
		if err := p.Accept(h.ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Accept(h.ctx, updates[1]); err != nil { // a retry of the same callback
		t.Fatal(err)
	}
	h.eventually(t, "the inbox is empty", func() bool {
		st, err := h.store.InboxStats(h.ctx)
		return err == nil && st.Depth == 0
	})
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(seen[""]) != "[tg]" || fmt.Sprint(seen[ganwei.SourceWeCom]) != "[wc]" {
		t.Errorf("handled %v, want tg once by Telegram's handler and wc once by 企业微信's", seen)
	}
	if n := h.counter(t, "ganwei_inbox_entries_total", map[string]string{"source": "other", "result": "dropped"}); n != 1 {
		t.Errorf("dropped = %v, want 1", n)
	}
}

// A stopped pool takes nothing more: Accept answers ErrClosed, so the platform resends later.
func TestStoppedPoolRefusesUpdates(t *testing.T) {
	h := newHarness(t)
	p := h.pool(t, inbox.Config{Worker: "w1", Workers: 1})
	if err := p.Accept(h.ctx, ganwei.InboxUpdate{ID: 1, Payload: []byte("{}")}); err != inbox.ErrClosed {
		t.Errorf("Accept before Start = %v, want ErrClosed", err)
	}
	p.Start()
	p.Stop(time.Second)
	if err := p.Accept(h.ctx, ganwei.InboxUpdate{ID: 1, Payload: []byte("{}")}); err != inbox.ErrClosed {
		t.Errorf("Accept after Stop = %v, want ErrClosed", err)
	}
}
