package bot

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
)

// workers take updates from the inbox and run them through the middleware and handlers: a fixed
// pool of Config.Workers goroutines fed by one reader. The reader keeps at most 2×Workers entries
// in hand (being handled or queued), so an update waits in Redis, not in memory, until a worker
// is nearly free; it reads again once the queue is half empty, so that under load one read
// fetches many entries.
type workers struct {
	b     *Bot
	queue chan ganwei.InboxEntry // read, not yet started
	room  chan struct{}          // a token per entry in hand; capacity 2×Workers
	// direct bounds the handlers running without the inbox (Redis down).
	direct chan struct{}

	// handlerCtx outlives the stop signal so that handlers in hand can finish their replies; it
	// is cancelled when the drain bound passes.
	handlerCtx   context.Context
	stopHandlers context.CancelFunc
	stopping     chan struct{} // closed at the stop signal: start nothing more from the queue
	stopOnce     sync.Once
	pool         sync.WaitGroup
	drained      chan struct{} // a worker took an entry off the queue

	stopRenewing  context.CancelFunc
	renewingEnded chan struct{}

	mu     sync.Mutex
	inHand map[string]int64 // entry ref -> update id, for renewal and release
	// unacked holds entries handled but not yet marked done because Redis failed: renewed so
	// that no worker takes them over (that would answer them twice), and marked done again at
	// each renewal and at the stop. Never released.
	unacked map[string]int64
}

func newWorkers(b *Bot) *workers {
	n := b.cfg.Workers
	w := &workers{b: b, queue: make(chan ganwei.InboxEntry, 2*n), room: make(chan struct{}, 2*n),
		direct: make(chan struct{}, n), stopping: make(chan struct{}), drained: make(chan struct{}, 1),
		inHand: map[string]int64{}, unacked: map[string]int64{}}
	w.handlerCtx, w.stopHandlers = context.WithCancel(context.Background())
	return w
}

// takeBlock bounds how long one read waits for new entries, and so how late a stop is noticed.
func (w *workers) takeBlock() time.Duration { return min(time.Second, w.b.cfg.ClaimIdle/3) }

// run starts the pool and reads entries until ctx ends: first whatever other workers left idle
// for ClaimIdle (a dead process), then new ones, looking for abandoned entries again every
// ClaimIdle/2.
func (w *workers) run(ctx context.Context) {
	renewCtx, stopRenew := context.WithCancel(context.Background())
	w.stopRenewing, w.renewingEnded = stopRenew, make(chan struct{})
	go w.renew(renewCtx)
	for range w.b.cfg.Workers {
		w.pool.Add(1)
		go w.work()
	}

	inbox, name := w.b.inbox, w.b.cfg.Worker
	claimEvery := max(w.b.cfg.ClaimIdle/2, 10*time.Millisecond)
	var lastClaim time.Time
	backoff := time.Duration(0)
	for {
		// Wait until the queue is at most half full (workers about to run dry) and there is
		// room to hold more.
		for len(w.queue) > w.b.cfg.Workers/2 {
			select {
			case <-w.drained:
			case <-ctx.Done():
				return
			}
		}
		select {
		case w.room <- struct{}{}:
		case <-ctx.Done():
			return
		}
		free := 1
	more:
		for free < cap(w.room) {
			select {
			case w.room <- struct{}{}:
				free++
			default:
				break more
			}
		}
		// The reads themselves are not cut short by the stop: entries Redis hands over are then
		// released at once instead of waiting ClaimIdle for another worker.
		readCtx := context.WithoutCancel(ctx)
		var entries []ganwei.InboxEntry
		var err error
		if time.Since(lastClaim) >= claimEvery {
			entries, err = inbox.ReclaimUpdates(readCtx, name, w.b.cfg.ClaimIdle, free)
			lastClaim = time.Now()
		}
		if err == nil && len(entries) == 0 {
			entries, err = inbox.TakeUpdates(readCtx, name, free, w.takeBlock())
		}
		for range free - len(entries) {
			<-w.room
		}
		for _, e := range entries {
			w.hold(e)
			w.queue <- e // never blocks: room was reserved
		}
		if err != nil {
			w.b.logger.Warn("read inbox", "err", err)
			backoff = nextBackoff(backoff)
			if SleepContext(ctx, backoff) != nil {
				return
			}
			continue
		}
		backoff = 0
	}
}

// work handles queued entries until the stop signal.
func (w *workers) work() {
	defer w.pool.Done()
	for {
		select {
		case <-w.stopping:
			return
		default:
		}
		select {
		case e := <-w.queue:
			select {
			case <-w.stopping: // both were ready and the queue won: give it back, do not start it
				w.drop(e.Ref)
				w.release([]string{e.Ref})
				return
			default:
			}
			select {
			case w.drained <- struct{}{}:
			default:
			}
			w.handle(e)
		case <-w.stopping:
			return
		}
	}
}

// stop tells the workers to start nothing more from the queue: at the stop signal, before the
// reader has returned from its blocking read.
func (w *workers) stop() { w.stopOnce.Do(func() { close(w.stopping) }) }

func (w *workers) hold(e ganwei.InboxEntry) {
	w.mu.Lock()
	w.inHand[e.Ref] = e.ID
	w.mu.Unlock()
}

func (w *workers) drop(ref string) {
	w.mu.Lock()
	delete(w.inHand, ref)
	w.mu.Unlock()
	<-w.room
}

// handle runs one update and marks it done, unless the drain bound cut it off: then it stays
// in hand for drain to release.
func (w *workers) handle(e ganwei.InboxEntry) {
	w.b.metrics.inFlight(1)
	defer w.b.metrics.inFlight(-1)
	if w.runUpdate(e.InboxUpdate) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
	defer cancel()
	if err := w.b.dones.do(ctx, e.Ref); err != nil {
		w.b.logger.Warn("inbox entry handled but not marked done; retrying at each renewal", "update_id", e.ID, "err", err)
		w.mu.Lock()
		w.unacked[e.Ref] = e.ID
		w.mu.Unlock()
	}
	w.drop(e.Ref)
	if e.Source == "" {
		w.b.handled.add(e.ID)
	}
}

// runUpdate decodes an update and runs it through the middleware and handlers. It reports
// whether the drain bound cut the handler off.
func (w *workers) runUpdate(u ganwei.InboxUpdate) (cut bool) {
	if u.Source != "" {
		h, ok := w.b.sources.Load(u.Source)
		if !ok {
			// Every replica runs the same channels, so nobody would take it: drop it, loudly.
			w.b.logger.Error("inbox entry of a source nobody handles; dropped", "source", u.Source, "bytes", len(u.Payload))
			return false
		}
		w.runSource(h.(SourceHandler), u)
		return w.handlerCtx.Err() != nil
	}
	var upd models.Update
	if err := json.Unmarshal(u.Payload, &upd); err != nil {
		w.b.logger.Error("stored update does not decode; dropped", "update_id", u.ID, "bytes", len(u.Payload), "err", err)
		return false
	}
	w.b.chain(w.handlerCtx, w.b.client, &upd)
	return w.handlerCtx.Err() != nil
}

// runSource runs another platform's handler; a panic is logged, as the middleware does for
// Telegram's.
func (w *workers) runSource(h SourceHandler, u ganwei.InboxUpdate) {
	defer func() {
		if v := recover(); v != nil {
			w.b.logger.Error("handler panic", "source", u.Source, "panic", v)
		}
	}()
	h(w.handlerCtx, u.Payload)
}

// handleNow runs updates in this process without the inbox, at most Workers at a time: the
// fallback while Redis cannot store them, so that answers that need no Redis (policy questions
// from the in-memory knowledge base) still go out. The caller acknowledges them to Telegram only
// after handleNow returned true, so a crash meanwhile loses nothing; without Redis a resend may
// be answered twice. It returns false, with some updates perhaps unhandled, when ctx ends first.
func (w *workers) handleNow(ctx context.Context, batch []ganwei.InboxUpdate) bool {
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, u := range batch {
		select {
		case w.direct <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-w.direct }()
			w.b.metrics.inFlight(1)
			defer w.b.metrics.inFlight(-1)
			if !w.runUpdate(u) {
				w.b.handled.add(u.ID)
			}
		}()
	}
	return true
}

// renew tells other workers every ClaimIdle/3 that the entries in hand are still being worked.
func (w *workers) renew(ctx context.Context) {
	defer close(w.renewingEnded)
	t := time.NewTicker(max(w.b.cfg.ClaimIdle/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		refs := w.refsInHand()
		if len(refs) == 0 {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, acceptTimeout)
		if err := w.b.inbox.RenewUpdates(rctx, w.b.cfg.Worker, refs); err != nil {
			w.b.logger.Warn("renew inbox entries", "count", len(refs), "err", err)
		}
		w.markUnackedDone(rctx)
		cancel()
	}
}

// refsInHand lists the entries to renew: those being worked and those handled but not yet
// marked done.
func (w *workers) refsInHand() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	refs := make([]string, 0, len(w.inHand)+len(w.unacked))
	for ref := range w.inHand {
		refs = append(refs, ref)
	}
	for ref := range w.unacked {
		refs = append(refs, ref)
	}
	return refs
}

// markUnackedDone tries again to mark done the entries whose marking failed.
func (w *workers) markUnackedDone(ctx context.Context) {
	w.mu.Lock()
	refs := make([]string, 0, len(w.unacked))
	ids := make([]int64, 0, len(w.unacked))
	for ref, id := range w.unacked {
		refs = append(refs, ref)
		ids = append(ids, id)
	}
	w.mu.Unlock()
	if len(refs) == 0 {
		return
	}
	if err := w.b.inbox.UpdateDone(ctx, refs...); err != nil {
		w.b.logger.Warn("inbox entries handled but still not marked done", "update_ids", ids, "err", err)
		return
	}
	w.mu.Lock()
	for _, ref := range refs {
		delete(w.unacked, ref)
	}
	w.mu.Unlock()
}

// drain runs after the reader stopped. Queued entries not started are released at once; the
// handlers running get up to timeout to finish. What is still running then is cut off and
// released too, and the log says which updates: a restart or another replica takes them at once.
// It never fails: a stop is a normal exit.
func (w *workers) drain(timeout time.Duration) error {
	defer func() {
		if w.stopRenewing != nil {
			w.stopRenewing()
			<-w.renewingEnded
		}
		ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
		defer cancel()
		w.markUnackedDone(ctx) // a last try: what still fails is taken over and answered again
	}()
	w.stop()
	var queued []ganwei.InboxEntry
	for len(w.queue) > 0 {
		queued = append(queued, <-w.queue)
	}
	if len(queued) > 0 {
		refs := make([]string, len(queued))
		for i, e := range queued {
			refs[i] = e.Ref
			w.drop(e.Ref)
		}
		w.release(refs)
	}
	finished := make(chan struct{})
	go func() {
		w.pool.Wait()
		for range cap(w.direct) { // every direct handler has given its token back
			w.direct <- struct{}{}
		}
		close(finished)
	}()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	select {
	case <-finished:
		w.stopHandlers()
		w.b.logger.Info("all handlers finished", "released_unstarted", len(queued))
		return nil
	case <-deadline.C:
	}
	w.stopHandlers()
	w.mu.Lock()
	refs := make([]string, 0, len(w.inHand))
	ids := make([]int64, 0, len(w.inHand))
	for ref, id := range w.inHand {
		refs = append(refs, ref)
		ids = append(ids, id)
	}
	w.mu.Unlock()
	w.release(refs)
	w.b.logger.Warn("drain bound passed: updates left pending in the inbox for the next start or another replica",
		"bound", timeout.String(), "count", len(ids), "update_ids", ids, "released_unstarted", len(queued))
	return nil
}

// release gives entries back to the inbox for any worker to take at once.
func (w *workers) release(refs []string) {
	if len(refs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
	defer cancel()
	if err := w.b.inbox.ReleaseUpdates(ctx, w.b.cfg.Worker, refs); err != nil {
		w.b.logger.Warn("release inbox entries; another worker takes them after the claim timeout", "count", len(refs), "err", err)
	}
}
