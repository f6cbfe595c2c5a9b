package reminders_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/reminders"
)

// dyingMessenger stands for a process killed with SIGKILL in the middle of a fan-out: after
// `after` messages have reached Telegram it "dies". The sends that were under way at that
// instant still reach Telegram (they were on the wire) but are never recorded; nothing is sent
// after it. Every call then hangs until the test ends, as a dead process does nothing more.
type dyingMessenger struct {
	next  reminders.Messenger
	after int64
	sent  atomic.Int64
	dead  chan struct{}
	once  sync.Once
	ended <-chan struct{}
}

func (d *dyingMessenger) Send(ctx context.Context, chatID int64, text string, kb ganwei.Keyboard) (int, error) {
	select {
	case <-d.dead:
		<-d.ended
		return 0, context.Canceled
	default:
	}
	id, err := d.next.Send(ctx, chatID, text, kb)
	if err == nil && d.sent.Add(1) >= d.after {
		d.once.Do(func() { close(d.dead) })
	}
	select {
	case <-d.dead:
		<-d.ended // sent, but the process is gone before it records that
		return 0, context.Canceled
	default:
		return id, err
	}
}

// replicaStore is a store on its own connection, as a separate process has.
func (h *harness) replicaStore(t *testing.T) *redisstore.Store {
	t.Helper()
	client, err := redisstore.NewClient(h.redis.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	store := redisstore.New(client, h.redis.Prefix)
	store.Now = h.clock.Now
	return store
}

// TestKillMidFanOutThenRestart: a replica is killed after 60 of 200 first steps went out, with
// its workers mid-send and the rest of its batch claimed. The same instance restarts at once
// (the clock does not move, so no lease has run out): it takes back its orphaned claims at once
// and every leader gets the step, none late. The only duplicates are the messages that were on
// the wire at the kill, at most one per worker. Before the fix the orphaned claims waited for
// their 5-minute leases, so the restarted process sent nothing.
func TestKillMidFanOutThenRestart(t *testing.T) {
	const n, workers = 200, 8
	const base = 6_000_000_000
	h := newHarness(t, harnessOpts{seqYAML: bulkStep, start: at("2026-11-26 10:00"), noHandlers: true})
	h.bulkAppoint(t, base, n)

	ended := make(chan struct{})
	defer close(ended)
	doomed := h.newService(h.replicaStore(t))
	dying := &dyingMessenger{next: h.bot.Front(nil), after: 60, dead: make(chan struct{}), ended: ended}
	doomed.Messenger, doomed.Workers, doomed.Batch = dying, workers, 100
	doomedCtx, kill := context.WithCancel(h.ctx)
	defer kill()
	go func() { _, _ = doomed.Tick(doomedCtx) }()
	<-dying.dead
	// Let the sends that were under way at the kill land (they are on the wire).
	if err := h.tg.WaitUntil(h.ctx, func() bool { return len(h.tg.Calls("sendMessage")) >= int(dying.sent.Load()) }); err != nil {
		t.Fatal(err)
	}

	restarted := h.newService(h.replicaStore(t)) // same Instance: the same host came back
	runCtx, stop := context.WithCancel(h.ctx)
	restarted.Poll = time.Millisecond
	done := make(chan struct{})
	go func() { _ = restarted.Run(runCtx); close(done) }()
	err := h.tg.WaitUntil(h.ctx, func() bool { return distinctChats(h) >= n })
	stop()
	<-done
	if err != nil {
		t.Fatalf("after the restart %d of %d leaders got the step (clock unchanged: orphaned claims not taken back)", distinctChats(h), n)
	}
	if !h.clock.Now().Equal(at("2026-11-26 10:00")) {
		t.Fatal("the test moved the clock")
	}
	dups := len(h.tg.Calls("sendMessage")) - n
	if dups > workers {
		t.Errorf("%d duplicates, want at most %d (one per worker mid-send at the kill)", dups, workers)
	}
	list, err := h.store.Appointments(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Steps[0].Status != ganwei.StepSent {
			t.Errorf("%s: %s, want sent", a.Name, a.Steps[0].Status)
		}
	}
	t.Logf("killed after %d sends; %d duplicates after restart", dying.sent.Load(), dups)
}

func distinctChats(h *harness) int {
	seen := map[string]bool{}
	for _, c := range h.tg.Calls("sendMessage") {
		seen[c.Params["chat_id"]] = true
	}
	return len(seen)
}

// renewSpy reports each lease renewal.
type renewSpy struct {
	*redisstore.Store
	renewed chan time.Time // the clock reading each renewal was made at
}

func (r *renewSpy) RenewReminderJobs(ctx context.Context, jobs []ganwei.ReminderJob, now time.Time, lease time.Duration) (int, error) {
	n, err := r.Store.RenewReminderJobs(ctx, jobs, now, lease)
	if n == len(jobs) && err == nil {
		select {
		case r.renewed <- now:
		default:
		}
	}
	return n, err
}

// blockingMessenger holds every send until released.
type blockingMessenger struct {
	next    reminders.Messenger
	entered chan struct{}
	release chan struct{}
}

func (b *blockingMessenger) Send(ctx context.Context, chatID int64, text string, kb ganwei.Keyboard) (int, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.next.Send(ctx, chatID, text, kb)
}

// TestLeaseRenewedWhileBatchWorked: a send that takes longer than the (short) lease keeps its
// claim, because the worker renews it; another replica does not take the job and the leader
// gets one message.
func TestLeaseRenewedWhileBatchWorked(t *testing.T) {
	h := newHarness(t, harnessOpts{seqYAML: oneStep, start: at("2026-11-26 10:00"), noHandlers: true})
	h.appoint(leader.ID, "党委书记")
	spy := &renewSpy{Store: h.store, renewed: make(chan time.Time, 1)}
	slow := &blockingMessenger{next: h.bot.Front(nil), entered: make(chan struct{}, 1), release: make(chan struct{})}
	svc := h.newService(h.store)
	svc.Queue, svc.Messenger, svc.RenewEvery = spy, slow, time.Millisecond
	ticked := make(chan error, 1)
	go func() { _, err := svc.Tick(h.ctx); ticked <- err }()
	<-slow.entered

	// The send hangs past the lease; a renewal made after that moves the deadline on.
	later := h.clock.Now().Add(2 * reminders.DefaultLease)
	h.clock.Set(later)
	for renewedAt := (time.Time{}); !renewedAt.Equal(later); {
		select {
		case renewedAt = <-spy.renewed:
		case <-h.ctx.Done():
			t.Fatal("the lease was never renewed after the clock moved")
		}
	}
	other := h.newService(h.replicaStore(t))
	other.Instance = "replica-b"
	if n, err := other.Tick(h.ctx); n != 0 || err != nil {
		t.Fatalf("another replica took %d jobs (err %v) from a live worker", n, err)
	}
	close(slow.release)
	if err := <-ticked; err != nil {
		t.Fatal(err)
	}
	if n := len(h.tg.MessagesTo(leader.ID)); n != 1 {
		t.Errorf("leader got %d messages, want 1", n)
	}
	if st := h.only().Step("notice"); st.Status != ganwei.StepSent {
		t.Errorf("status %s, want sent", st.Status)
	}
}

// TestStopReleasesUnstartedJobs: a stop in the middle of a batch hands the jobs not yet started
// back at once, so another replica sends them without waiting for a lease.
func TestStopReleasesUnstartedJobs(t *testing.T) {
	const n = 20
	h := newHarness(t, harnessOpts{seqYAML: bulkStep, start: at("2026-11-26 10:00"), noHandlers: true})
	h.bulkAppoint(t, 7_000_000_000, n)
	slow := &blockingMessenger{next: h.bot.Front(nil), entered: make(chan struct{}, n), release: make(chan struct{})}
	svc := h.newService(h.replicaStore(t))
	svc.Messenger, svc.Workers = slow, 1
	ctx, stop := context.WithCancel(h.ctx)
	ticked := make(chan struct{})
	go func() { _, _ = svc.Tick(ctx); close(ticked) }()
	<-slow.entered
	stop()
	close(slow.release) // the one send under way completes and is recorded
	<-ticked

	other := h.newService(h.replicaStore(t))
	other.Instance = "replica-b"
	for i := 0; i < 3; i++ {
		if _, err := other.Tick(h.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := distinctChats(h); got != n || len(h.tg.Calls("sendMessage")) != n {
		t.Fatalf("%d messages to %d leaders, want %d to %d without any lease running out", len(h.tg.Calls("sendMessage")), got, n, n)
	}
}
