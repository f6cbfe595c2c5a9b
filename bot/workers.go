package bot

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
)

// workers take updates from the inbox and run them through the middleware and handlers, at most
// Config.Workers at a time. They take only as many entries as they have free slots, so an update
// waits in Redis, not in memory, until a worker is free.
type workers struct {
	b     *Bot
	slots chan struct{} // a token per handler in flight
	wg    sync.WaitGroup

	// handlerCtx outlives the stop signal so that handlers in hand can finish their replies; it
	// is cancelled when the drain bound passes.
	handlerCtx    context.Context
	stopHandlers  context.CancelFunc
	stopRenewing  context.CancelFunc
	renewingEnded chan struct{}

	mu     sync.Mutex
	inHand map[string]int64 // entry ref -> update id, for renewal and release
}

func newWorkers(b *Bot) *workers {
	w := &workers{b: b, slots: make(chan struct{}, b.cfg.Workers), inHand: map[string]int64{}}
	w.handlerCtx, w.stopHandlers = context.WithCancel(context.Background())
	return w
}

// takeBlock bounds how long one read waits for new entries, and so how late a stop is noticed.
func (w *workers) takeBlock() time.Duration { return min(time.Second, w.b.cfg.ClaimIdle/3) }

// run takes entries until ctx ends: first whatever other workers left idle for ClaimIdle (a
// dead process), then new ones, looking for abandoned entries again every ClaimIdle/2.
func (w *workers) run(ctx context.Context) {
	renewCtx, stopRenew := context.WithCancel(context.Background())
	w.stopRenewing, w.renewingEnded = stopRenew, make(chan struct{})
	go w.renew(renewCtx)

	inbox, name := w.b.inbox, w.b.cfg.Worker
	claimEvery := max(w.b.cfg.ClaimIdle/2, 10*time.Millisecond)
	var lastClaim time.Time
	backoff := time.Duration(0)
	for {
		select {
		case w.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		free := 1
		for free < cap(w.slots) {
			select {
			case w.slots <- struct{}{}:
				free++
				continue
			default:
			}
			break
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
			<-w.slots
		}
		if err != nil {
			w.b.logger.Warn("read inbox", "err", err)
			backoff = nextBackoff(backoff)
			if SleepContext(ctx, backoff) != nil {
				w.release(entries, len(entries))
				return
			}
			continue
		}
		backoff = 0
		if ctx.Err() != nil {
			w.release(entries, len(entries))
			return
		}
		for _, e := range entries {
			w.hold(e)
			w.wg.Add(1)
			go w.handle(e)
		}
	}
}

// release gives back entries read but not started, and their slots.
func (w *workers) release(entries []ganwei.InboxEntry, slots int) {
	refs := make([]string, len(entries))
	for i, e := range entries {
		refs[i] = e.Ref
	}
	for range slots {
		<-w.slots
	}
	ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
	defer cancel()
	if err := w.b.inbox.ReleaseUpdates(ctx, w.b.cfg.Worker, refs); err != nil {
		w.b.logger.Warn("release inbox entries; another worker takes them after the claim timeout", "count", len(refs), "err", err)
	}
}

func (w *workers) hold(e ganwei.InboxEntry) {
	w.mu.Lock()
	w.inHand[e.Ref] = e.ID
	n := len(w.inHand)
	w.mu.Unlock()
	w.b.metrics.inFlight(n)
}

func (w *workers) drop(ref string) {
	w.mu.Lock()
	delete(w.inHand, ref)
	n := len(w.inHand)
	w.mu.Unlock()
	w.b.metrics.inFlight(n)
}

// handle runs one update and marks it done, unless the drain bound cut it off: then it stays
// pending for a restart or another replica.
func (w *workers) handle(e ganwei.InboxEntry) {
	defer w.wg.Done()
	defer func() { <-w.slots }()
	if w.runUpdate(e.InboxUpdate) {
		return // left in hand: drain releases it
	}
	ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
	defer cancel()
	if err := w.b.inbox.UpdateDone(ctx, e.Ref); err != nil {
		w.b.logger.Warn("inbox entry handled but not marked done; it may be handled again", "update_id", e.ID, "err", err)
	}
	w.drop(e.Ref)
	w.b.handled.add(e.ID)
}

// runUpdate decodes an update and runs it through the middleware and handlers. It reports
// whether the drain bound cut the handler off.
func (w *workers) runUpdate(u ganwei.InboxUpdate) (cut bool) {
	var upd models.Update
	if err := json.Unmarshal(u.Payload, &upd); err != nil {
		w.b.logger.Error("stored update does not decode; dropped", "update_id", u.ID, "bytes", len(u.Payload), "err", err)
		return false
	}
	w.b.chain(w.handlerCtx, w.b.client, &upd)
	return w.handlerCtx.Err() != nil
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
		case w.slots <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		wg.Add(1)
		w.wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.wg.Done()
			defer func() { <-w.slots }()
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
		w.mu.Lock()
		refs := make([]string, 0, len(w.inHand))
		for ref := range w.inHand {
			refs = append(refs, ref)
		}
		w.mu.Unlock()
		if len(refs) == 0 {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, acceptTimeout)
		if err := w.b.inbox.RenewUpdates(rctx, w.b.cfg.Worker, refs); err != nil {
			w.b.logger.Warn("renew inbox entries", "count", len(refs), "err", err)
		}
		cancel()
	}
}

// drain waits up to timeout for the handlers in hand. What is still running then is cut off
// and released to the inbox, where a restart or another replica takes it at once; the log says
// which updates. It never fails: a stop is a normal exit.
func (w *workers) drain(timeout time.Duration) error {
	defer func() {
		if w.stopRenewing != nil {
			w.stopRenewing()
			<-w.renewingEnded
		}
	}()
	finished := make(chan struct{})
	go func() { w.wg.Wait(); close(finished) }()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	select {
	case <-finished:
		w.stopHandlers()
		w.b.logger.Info("all handlers finished; nothing left pending")
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
	ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
	defer cancel()
	if err := w.b.inbox.ReleaseUpdates(ctx, w.b.cfg.Worker, refs); err != nil {
		w.b.logger.Warn("release unfinished updates; they are taken over after the claim timeout", "err", err)
	}
	w.b.logger.Warn("drain bound passed: updates left pending in the inbox for the next start or another replica",
		"bound", timeout.String(), "count", len(ids), "update_ids", ids)
	return nil
}
