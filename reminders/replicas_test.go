package reminders_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/reminders"
)

const bulkStep = `
steps:
  - {id: notice, title: 任职提醒告知, needs_ack: true, text: "告知（模板，以组织部正式文本为准）"}
`

// countingMessenger counts what one replica sent.
type countingMessenger struct {
	next reminders.Messenger
	n    atomic.Int64
}

func (c *countingMessenger) Send(ctx context.Context, chatID int64, text string, kb ganwei.Keyboard) (int, error) {
	id, err := c.next.Send(ctx, chatID, text, kb)
	if err == nil {
		c.n.Add(1)
	}
	return id, err
}

// bulkAppoint registers n leaders (Telegram ids base+i), all due at once.
func (h *harness) bulkAppoint(tb testing.TB, base int64, n int) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			a := &ganwei.Appointment{TelegramID: base + int64(i), Name: fmt.Sprintf("干部%d", i), Position: "党委书记"}
			if _, created, err := h.svc.Appoint(h.ctx, a); err != nil || !created {
				tb.Errorf("Appoint %d: created=%v err=%v", i, created, err)
			}
		}()
	}
	wg.Wait()
}

// replicas starts k scheduler replicas, each with its own Redis connection, and returns their
// counters and a stop function that waits for them to end.
func (h *harness) replicas(tb testing.TB, k, batch int) ([]*countingMessenger, func()) {
	ctx, cancel := context.WithCancel(h.ctx)
	var wg sync.WaitGroup
	counters := make([]*countingMessenger, k)
	for i := range k {
		client, err := redisstore.NewClient(h.redis.URL)
		if err != nil {
			tb.Fatal(err)
		}
		store := redisstore.New(client, h.redis.Prefix)
		store.Now = h.clock.Now
		svc := h.newService(store)
		counters[i] = &countingMessenger{next: h.bot.Front(nil)}
		svc.Messenger = counters[i]
		svc.Poll, svc.Batch, svc.Workers = 2*time.Millisecond, batch, 8
		svc.Instance = fmt.Sprintf("replica-%d", i) // distinct, as host names of replicas are
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer client.Close()
			_ = svc.Run(ctx)
		}()
	}
	return counters, func() { cancel(); wg.Wait() }
}

// TestThreeReplicasSendEachStepOnce: 1,000 appointments due at once, three scheduler replicas
// on one Redis; the stand-in counts exactly one message per leader.
func TestThreeReplicasSendEachStepOnce(t *testing.T) {
	const n = 1000
	const base = 5_000_000_000 // ids beyond 2^32, as real Telegram ids are
	h := newHarness(t, harnessOpts{seqYAML: bulkStep, start: at("2026-11-26 08:00"), noHandlers: true})
	h.bulkAppoint(t, base, n)

	counters, stop := h.replicas(t, 3, 25)
	err := h.tg.WaitUntil(h.ctx, func() bool { return len(h.tg.Calls("sendMessage")) >= n })
	// A few more rounds for any duplicate to show before stopping.
	for i := 0; i < 3 && err == nil; i++ {
		_, err = h.svc.Tick(h.ctx)
	}
	stop()
	if err != nil {
		t.Fatalf("waiting for %d messages: %v (got %d)", n, err, len(h.tg.Calls("sendMessage")))
	}

	perChat := map[string]int{}
	for _, c := range h.tg.Calls("sendMessage") {
		perChat[c.Params["chat_id"]]++
	}
	for i := range n {
		if got := perChat[strconv.FormatInt(base+int64(i), 10)]; got != 1 {
			t.Errorf("leader %d got %d messages, want 1", i, got)
		}
	}
	if len(perChat) != n || len(h.tg.Calls("sendMessage")) != n {
		t.Errorf("%d messages to %d chats, want %d to %d", len(h.tg.Calls("sendMessage")), len(perChat), n, n)
	}
	list, err := h.store.Appointments(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, a := range list {
		if a.Steps[0].Status == ganwei.StepSent {
			sent++
		}
	}
	if sent != n {
		t.Errorf("%d steps recorded sent, want %d", sent, n)
	}
	t.Logf("replicas sent %d + %d + %d = %d", counters[0].n.Load(), counters[1].n.Load(), counters[2].n.Load(), n)
}
