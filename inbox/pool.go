// Package inbox runs the workers behind the durable inbox (ganwei.Inbox, a Redis Stream read
// with a consumer group), for every messenger alike: the Telegram front end (bot/) and the
// 企业微信 callback (wecom/) store what they receive with Accept and register a Handler for
// their source; one Pool per process takes the entries, hands each to its source's handler and
// marks it done.
//
// What a Pool promises:
//   - at most Workers handlers in flight, and at most 2×Workers entries in hand: the backlog
//     waits in Redis, not in memory;
//   - entries a dead (or hung) process took are taken over after ClaimIdle (XAUTOCLAIM);
//   - each handler gets HandlerTimeout. Past it, its context is cancelled and the entry is left
//     for a retry (on this or another replica, within ClaimIdle/2). An entry delivered more than
//     MaxDeliveries times (its handler kept timing out, or its process kept dying) is not run
//     again: it is moved to the dead letters ({prefix}:inbox:dead), counted and logged without
//     its content;
//   - a stop takes nothing more, releases what was not started, and gives the handlers running
//     the drain bound; what still runs then is released for a restart or another replica;
//   - workers of processes that are gone leave the consumer group once they have nothing
//     pending (PruneIdle).
package inbox

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Defaults for Config fields left zero.
const (
	DefaultWorkers        = 64               // handlers in flight per process
	DefaultLimit          = 5000             // backlog at which Accept answers EFULL
	DefaultClaimIdle      = 15 * time.Second // a crashed replica's updates go out within 15 s + 7.5 s
	DefaultHandlerTimeout = 60 * time.Second // one update's handler; then cancelled and retried
	DefaultMaxDeliveries  = 5                // deliveries before an entry is moved to the dead letters
	DefaultPruneIdle      = time.Hour        // a worker silent this long with nothing pending is gone
)

// acceptTimeout bounds one Redis call of the pool (storing, marking done, releasing).
const acceptTimeout = 5 * time.Second

// abandonGrace is how long a worker waits, after cancelling a handler at its deadline, for it to
// return before moving on without it.
var abandonGrace = 2 * time.Second

// ErrClosed is Accept's answer while the pool does not take updates (before Start, after the
// stop signal): the platform should resend later.
var ErrClosed = errors.New("inbox: not taking updates")

// Config sets a pool's bounds.
type Config struct {
	// Worker names this process in the consumer group; empty for host-pid-random.
	Worker string
	// Workers bounds the handlers in flight.
	Workers int
	// Limit is the backlog (accepted and not yet handled, across replicas) at which Accept
	// answers EFULL.
	Limit int
	// ClaimIdle is how long an entry may go without a sign of life from the worker that took it
	// before another worker takes it over. Live workers renew theirs every ClaimIdle/3.
	ClaimIdle time.Duration
	// HandlerTimeout bounds one handler; see the package comment for what happens past it.
	HandlerTimeout time.Duration
	// MaxDeliveries is how often an entry is handed to a worker before it is dead-lettered.
	MaxDeliveries int
	// PruneIdle is how long a worker with nothing pending may go without reading before it is
	// removed from the consumer group (it belonged to a process that is gone).
	PruneIdle time.Duration
}

func (c *Config) setDefaults() {
	if c.Worker == "" {
		c.Worker = InstanceName()
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Limit <= 0 {
		c.Limit = DefaultLimit
	}
	if c.ClaimIdle <= 0 {
		c.ClaimIdle = DefaultClaimIdle
	}
	if c.HandlerTimeout <= 0 {
		c.HandlerTimeout = DefaultHandlerTimeout
	}
	if c.MaxDeliveries <= 0 {
		c.MaxDeliveries = DefaultMaxDeliveries
	}
	if c.PruneIdle <= 0 {
		c.PruneIdle = DefaultPruneIdle
	}
}

// InstanceName is a consumer name unique to this process: host, pid and a random suffix (a
// restarted container may reuse the pid).
func InstanceName() string {
	host, _ := os.Hostname()
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), r)
}

// Handler handles one entry of its source. It should return when ctx ends (the handler
// deadline or the drain bound); the entry is marked done when it returns in time.
type Handler func(ctx context.Context, u ganwei.InboxUpdate)

// Pool takes entries from the inbox and runs them, a fixed pool of Workers goroutines fed by one
// reader. The reader keeps at most 2×Workers entries in hand (being handled or queued); it reads
// again once the queue is half empty, so that under load one read fetches many entries.
type Pool struct {
	store   ganwei.Inbox
	cfg     Config
	logger  *slog.Logger
	metrics *Metrics

	handlers sync.Map // source -> Handler
	onDone   atomic.Pointer[func(ganwei.InboxUpdate)]

	accepting   atomic.Bool
	startOnce   sync.Once
	stopOnce    sync.Once
	accepts     *committer[ganwei.InboxUpdate]
	stopCommits context.CancelFunc
	// acks carries handled entries to the one goroutine that marks them done, a batch per Redis
	// round trip, so that a worker takes its next entry without waiting for Redis. Its capacity
	// is the entries a pool may hold, so a send never blocks.
	acks       chan ganwei.InboxEntry
	stopAcks   chan struct{}
	acksEnded  chan struct{}
	stopReader context.CancelFunc
	readerDone chan struct{}

	queue chan ganwei.InboxEntry // read, not yet started
	room  chan struct{}          // a token per entry in hand; capacity 2×Workers
	// direct bounds the handlers running without the inbox (Redis down).
	direct chan struct{}

	// handlerCtx outlives the stop signal so that handlers in hand can finish; it is cancelled
	// when the drain bound passes.
	handlerCtx    context.Context
	stopHandlers  context.CancelFunc
	stopping      chan struct{} // closed at the stop signal: start nothing more from the queue
	stopTaking    sync.Once
	pool          sync.WaitGroup
	drained       chan struct{} // a worker took an entry off the queue
	stopRenewing  context.CancelFunc
	renewingEnded chan struct{}

	mu     sync.Mutex
	inHand map[string]int64 // entry ref -> update id, for renewal and release
	// acking holds entries handled and waiting in acks to be marked done: renewed like those in
	// hand, never released (they were answered).
	acking    map[string]int64
	ackClosed bool // acks is no longer read: mark done directly
	// unacked holds entries handled but not yet marked done because Redis failed: renewed so
	// that no worker takes them over (that would answer them twice), and marked done again at
	// each renewal and at the stop. Never released.
	unacked map[string]int64
}

// New builds a pool on store; metrics may be nil.
func New(store ganwei.Inbox, cfg Config, metrics *Metrics, logger *slog.Logger) *Pool {
	cfg.setDefaults()
	if logger == nil {
		logger = slog.Default()
	}
	n := cfg.Workers
	p := &Pool{store: store, cfg: cfg, logger: logger, metrics: metrics,
		queue: make(chan ganwei.InboxEntry, 2*n), room: make(chan struct{}, 2*n),
		direct: make(chan struct{}, n), stopping: make(chan struct{}), drained: make(chan struct{}, 1),
		acks: make(chan ganwei.InboxEntry, 2*n), stopAcks: make(chan struct{}), acksEnded: make(chan struct{}),
		inHand: map[string]int64{}, acking: map[string]int64{}, unacked: map[string]int64{}}
	p.handlerCtx, p.stopHandlers = context.WithCancel(context.Background())
	metrics.Watch(store, logger)
	return p
}

// Config returns the pool's settings, defaults filled in.
func (p *Pool) Config() Config { return p.cfg }

// Handle makes the workers hand the entries of source ("" for Telegram, ganwei.SourceWeCom) to
// h. Call it before Start.
func (p *Pool) Handle(source string, h Handler) { p.handlers.Store(source, h) }

// OnDone sets a function called after an entry (or an update handled without the inbox) was
// handled in time (the demo waits on it).
func (p *Pool) OnDone(f func(ganwei.InboxUpdate)) { p.onDone.Store(&f) }

// Start opens intake and starts the workers: first they take over whatever other workers left
// idle for ClaimIdle (a dead process), then new entries, looking for abandoned ones again every
// ClaimIdle/2. It returns at once; Stop ends it.
func (p *Pool) Start() {
	p.startOnce.Do(func() {
		commitCtx, stopCommits := context.WithCancel(context.Background())
		p.stopCommits = stopCommits
		p.accepts = startCommitter(commitCtx, 2, func(ctx context.Context, batch []ganwei.InboxUpdate) (int, error) {
			ctx, cancel := context.WithTimeout(ctx, acceptTimeout)
			defer cancel()
			return p.store.AcceptUpdates(ctx, batch, p.cfg.Limit)
		})
		go p.ackLoop()
		renewCtx, stopRenew := context.WithCancel(context.Background())
		p.stopRenewing, p.renewingEnded = stopRenew, make(chan struct{})
		go p.renew(renewCtx)
		for range p.cfg.Workers {
			p.pool.Add(1)
			go p.work()
		}
		readCtx, stopReader := context.WithCancel(context.Background())
		p.stopReader, p.readerDone = stopReader, make(chan struct{})
		go func() { defer close(p.readerDone); p.read(readCtx) }()
		p.accepting.Store(true)
	})
}

// Accepting reports whether Accept takes updates.
func (p *Pool) Accepting() bool { return p.accepting.Load() }

// Accept stores one update in the inbox, grouped with the ones other requests submit at the same
// moment into one Redis call. Errors: ErrClosed while the pool does not take updates, EFULL at the
// backlog limit, EUNAVAILABLE when Redis cannot be reached (the update may have been stored all
// the same: see the bot's webhook).
func (p *Pool) Accept(ctx context.Context, u ganwei.InboxUpdate) error {
	if !p.accepting.Load() {
		return ErrClosed
	}
	return p.accepts.do(ctx, u)
}

// CloseIntake makes Accept answer ErrClosed and the workers start nothing more from their queue;
// handlers running go on. Stop does it too; call it first to stop intake early.
func (p *Pool) CloseIntake() {
	p.accepting.Store(false)
	p.stopTaking.Do(func() { close(p.stopping) })
}

// Stop closes intake, stops reading, releases what was read and not started, gives the
// handlers running up to drain to finish, then releases what still runs (logged with the update
// ids) for a restart or another replica. It never fails: a stop is a normal exit.
func (p *Pool) Stop(drain time.Duration) {
	p.stopOnce.Do(func() {
		p.CloseIntake()
		if p.stopReader == nil { // never started
			return
		}
		p.stopReader()
		<-p.readerDone
		p.drain(drain)
		p.stopCommits()
		p.accepts.wait()
	})
}

// takeBlock bounds how long one read waits for new entries, and so how late a stop is noticed.
func (p *Pool) takeBlock() time.Duration { return min(time.Second, p.cfg.ClaimIdle/3) }

// read fills the queue until ctx ends.
func (p *Pool) read(ctx context.Context) {
	name := p.cfg.Worker
	claimEvery := max(p.cfg.ClaimIdle/2, 10*time.Millisecond)
	pruneEvery := max(p.cfg.PruneIdle/2, 10*time.Millisecond)
	var lastClaim, lastPrune time.Time
	backoff := time.Duration(0)
	for {
		// Wait until the queue is at most half full (workers about to run dry) and there is
		// room to hold more.
		for len(p.queue) > p.cfg.Workers/2 {
			select {
			case <-p.drained:
			case <-ctx.Done():
				return
			}
		}
		select {
		case p.room <- struct{}{}:
		case <-ctx.Done():
			return
		}
		free := 1
	more:
		for free < cap(p.room) {
			select {
			case p.room <- struct{}{}:
				free++
			default:
				break more
			}
		}
		// The reads themselves are not cut short by the stop: entries Redis hands over are then
		// released at once instead of waiting ClaimIdle for another worker.
		readCtx := context.WithoutCancel(ctx)
		if time.Since(lastPrune) >= pruneEvery {
			lastPrune = time.Now()
			p.prune(readCtx)
		}
		var entries []ganwei.InboxEntry
		var err error
		if time.Since(lastClaim) >= claimEvery {
			entries, err = p.store.ReclaimUpdates(readCtx, name, p.cfg.ClaimIdle, free)
			lastClaim = time.Now()
		}
		if err == nil && len(entries) == 0 {
			entries, err = p.store.TakeUpdates(readCtx, name, free, p.takeBlock())
		}
		for range free - len(entries) {
			<-p.room
		}
		for _, e := range entries {
			p.hold(e)
			p.queue <- e // never blocks: room was reserved
		}
		if err != nil {
			p.logger.Warn("read inbox", "err", err)
			backoff = nextBackoff(backoff)
			if sleep(ctx, backoff) != nil {
				return
			}
			continue
		}
		backoff = 0
	}
}

// prune removes the workers of processes that are gone from the consumer group.
func (p *Pool) prune(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, acceptTimeout)
	defer cancel()
	gone, err := p.store.PruneWorkers(ctx, p.cfg.Worker, p.cfg.PruneIdle)
	if err != nil {
		p.logger.Warn("prune inbox workers", "err", err)
		return
	}
	if len(gone) > 0 {
		p.metrics.prunedN(len(gone))
		p.logger.Info("inbox workers of stopped processes removed", "workers", gone)
	}
}

// work handles queued entries until the stop signal, or until its handler was abandoned (a
// replacement worker took its place).
func (p *Pool) work() {
	defer p.pool.Done()
	for {
		select {
		case <-p.stopping:
			return
		default:
		}
		select {
		case e := <-p.queue:
			select {
			case <-p.stopping: // both were ready and the queue won: give it back, do not start it
				p.drop(e.Ref)
				p.giveBack([]ganwei.InboxEntry{e})
				return
			default:
			}
			select {
			case p.drained <- struct{}{}:
			default:
			}
			if p.handle(e) == abandoned {
				return
			}
		case <-p.stopping:
			return
		}
	}
}

func (p *Pool) hold(e ganwei.InboxEntry) {
	p.mu.Lock()
	p.inHand[e.Ref] = e.ID
	p.mu.Unlock()
}

func (p *Pool) drop(ref string) {
	p.mu.Lock()
	delete(p.inHand, ref)
	p.mu.Unlock()
	<-p.room
}

// handle runs one entry and marks it done, unless the drain bound cut it off (then it stays in
// hand for drain to release) or it ran past its deadline (then it is released for a retry).
func (p *Pool) handle(e ganwei.InboxEntry) result {
	p.metrics.inFlight(1)
	defer p.metrics.inFlight(-1)
	if e.Deliveries > p.cfg.MaxDeliveries {
		p.deadLetter(e)
		return done
	}
	start := time.Now()
	res := p.run(e.InboxUpdate, func() {
		// The handler did not return when cancelled: this worker stays with it; another takes
		// its place, and the entry is dealt with now.
		if p.handlerCtx.Err() != nil {
			return // drain releases what is in hand
		}
		p.timedOut(e, start)
		p.pool.Add(1)
		go p.work()
	})
	switch res {
	case cut, abandoned:
		return res
	case timedOut:
		p.timedOut(e, start)
		return res
	case dropped:
		p.metrics.finished(e.Source, "dropped", 0)
		e.Source = dropSource // no OnDone for it
	default:
		p.metrics.finished(e.Source, "done", time.Since(start))
	}
	p.ack(e)
	return res
}

// dropSource marks an acked entry whose handler never ran.
const dropSource = "\x00dropped"

// ack hands a handled entry to ackLoop; after the stop, it marks it done at once.
func (p *Pool) ack(e ganwei.InboxEntry) {
	p.mu.Lock()
	if p.ackClosed {
		p.mu.Unlock()
		p.markDone([]ganwei.InboxEntry{e})
		return
	}
	delete(p.inHand, e.Ref)
	p.acking[e.Ref] = e.ID
	p.acks <- e // never blocks: at most cap(room) entries are in hand or acking
	p.mu.Unlock()
}

// ackLoop marks handled entries done, all those waiting in one round trip, until the stop; then
// it marks what is left and ends.
func (p *Pool) ackLoop() {
	defer close(p.acksEnded)
	batch := make([]ganwei.InboxEntry, 0, cap(p.acks))
	for {
		batch = batch[:0]
		select {
		case e := <-p.acks:
			batch = append(batch, e)
		case <-p.stopAcks:
			p.mu.Lock()
			p.ackClosed = true
			p.mu.Unlock()
			for len(p.acks) > 0 {
				batch = append(batch, <-p.acks)
			}
			p.markDone(batch)
			return
		}
	more:
		for len(batch) < cap(batch) {
			select {
			case e := <-p.acks:
				batch = append(batch, e)
			default:
				break more
			}
		}
		p.markDone(batch)
	}
}

// markDone acknowledges and deletes handled entries. When Redis fails they stay with this
// worker (renewed, so that nobody takes them over and answers them twice) and are marked again
// at each renewal and at the stop.
func (p *Pool) markDone(batch []ganwei.InboxEntry) {
	if len(batch) == 0 {
		return
	}
	refs := make([]string, len(batch))
	for i, e := range batch {
		refs[i] = e.Ref
	}
	ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
	err := p.store.UpdateDone(ctx, refs...)
	cancel()
	if err != nil {
		ids := make([]int64, len(batch))
		for i, e := range batch {
			ids[i] = e.ID
		}
		p.logger.Warn("inbox entries handled but not marked done; retrying at each renewal", "update_ids", ids, "err", err)
	}
	p.mu.Lock()
	for _, e := range batch {
		delete(p.acking, e.Ref)
		delete(p.inHand, e.Ref)
		if err != nil {
			p.unacked[e.Ref] = e.ID
		}
	}
	p.mu.Unlock()
	for range batch {
		<-p.room
	}
	for _, e := range batch {
		if e.Source != dropSource {
			p.done(e.InboxUpdate)
		}
	}
}

// timedOut gives an entry whose handler ran past its deadline back for a retry.
func (p *Pool) timedOut(e ganwei.InboxEntry, start time.Time) {
	p.metrics.finished(e.Source, "timeout", time.Since(start))
	p.logger.Warn("handler ran past its deadline; entry left for a retry", "source", sourceLabel(e.Source),
		"update_id", e.ID, "ref", e.Ref, "deliveries", e.Deliveries, "max_deliveries", p.cfg.MaxDeliveries,
		"timeout", p.cfg.HandlerTimeout.String())
	p.drop(e.Ref)
	p.release([]string{e.Ref})
}

func (p *Pool) done(u ganwei.InboxUpdate) {
	if f := p.onDone.Load(); f != nil {
		(*f)(u)
	}
}

// deadLetter moves an entry delivered too often aside.
func (p *Pool) deadLetter(e ganwei.InboxEntry) {
	ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
	defer cancel()
	reason := fmt.Sprintf("delivered %d times (limit %d) without finishing", e.Deliveries, p.cfg.MaxDeliveries)
	if err := p.store.DeadLetterUpdates(ctx, []string{e.Ref}, reason); err != nil {
		p.logger.Warn("move inbox entry to the dead letters; trying again at the next reclaim", "ref", e.Ref, "err", err)
		p.drop(e.Ref)
		p.release([]string{e.Ref})
		return
	}
	p.drop(e.Ref)
	p.metrics.finished(e.Source, "dead_letter", 0)
	p.logger.Error("inbox entry moved to the dead letters: its handler kept failing or its process kept dying",
		"source", sourceLabel(e.Source), "update_id", e.ID, "ref", e.Ref, "deliveries", e.Deliveries, "bytes", len(e.Payload))
}

type result int

const (
	done      result = iota
	timedOut         // past the handler deadline
	cut              // the drain bound passed
	dropped          // nobody handles its source
	abandoned        // the handler did not return when cancelled; onAbandon dealt with the entry
)

// run hands u to its source's handler, in the calling goroutine (a worker's stack is already
// grown to what handlers need; a goroutine per update would grow a fresh one each time), with
// the handler deadline. A handler still running abandonGrace after its context ended is
// abandoned: onAbandon runs (from a timer), ganwei_inbox_handlers_abandoned counts it, and when
// it returns at last, run reports abandoned and its caller lets it go.
func (p *Pool) run(u ganwei.InboxUpdate, onAbandon func()) result {
	v, ok := p.handlers.Load(u.Source)
	if !ok {
		// Every replica runs the same channels, so nobody would take it: drop it, loudly.
		p.logger.Error("inbox entry of a source nobody handles; dropped", "source", sourceLabel(u.Source), "bytes", len(u.Payload))
		return dropped
	}
	h := v.(Handler)
	ctx, cancel := context.WithTimeout(p.handlerCtx, p.cfg.HandlerTimeout)
	defer cancel()
	const running, returned, left = 0, 1, 2
	var state atomic.Int32
	// One timer watches for a handler still running abandonGrace past its deadline. (One cut
	// off by the drain bound is not watched: the drain releases it and does not wait.)
	watch := time.AfterFunc(p.cfg.HandlerTimeout+abandonGrace, func() {
		if !state.CompareAndSwap(running, left) {
			return
		}
		p.metrics.abandon(1)
		p.logger.Error("handler did not return when cancelled; its worker moves on without it",
			"source", sourceLabel(u.Source), "update_id", u.ID)
		if onAbandon != nil {
			onAbandon()
		}
	})
	p.call(ctx, h, u)
	watch.Stop()
	if !state.CompareAndSwap(running, returned) {
		p.metrics.abandon(-1)
		return abandoned
	}
	switch {
	case p.handlerCtx.Err() != nil:
		return cut
	case ctx.Err() != nil:
		return timedOut
	}
	return done
}

// call runs one handler; a panic is logged with its stack, as the Telegram middleware does.
func (p *Pool) call(ctx context.Context, h Handler, u ganwei.InboxUpdate) {
	defer func() {
		if v := recover(); v != nil {
			p.logger.Error("handler panic", "source", sourceLabel(u.Source), "update_id", u.ID, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	h(ctx, u)
}

// HandleNow runs updates in this process without the inbox, at most Workers at a time: the
// fallback while Redis cannot store them, so that answers that need no Redis (policy questions
// from the in-memory knowledge base) still go out. The caller acknowledges them to the platform
// only after HandleNow returned true, so a crash meanwhile loses nothing; without Redis a resend
// may be answered twice. It returns false, with some updates perhaps unhandled, when ctx ends
// first.
func (p *Pool) HandleNow(ctx context.Context, batch []ganwei.InboxUpdate) bool {
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, u := range batch {
		select {
		case p.direct <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-p.direct }()
			p.metrics.inFlight(1)
			defer p.metrics.inFlight(-1)
			if p.run(u, nil) == done {
				p.done(u)
			}
		}()
	}
	return true
}

// renew tells other workers every ClaimIdle/3 that the entries in hand are still being worked.
func (p *Pool) renew(ctx context.Context) {
	defer close(p.renewingEnded)
	t := time.NewTicker(max(p.cfg.ClaimIdle/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		refs := p.refsInHand()
		if len(refs) == 0 {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, acceptTimeout)
		if err := p.store.RenewUpdates(rctx, p.cfg.Worker, refs); err != nil {
			p.logger.Warn("renew inbox entries", "count", len(refs), "err", err)
		}
		p.markUnackedDone(rctx)
		cancel()
	}
}

// refsInHand lists the entries to renew: those being worked and those handled but not yet
// marked done.
func (p *Pool) refsInHand() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	refs := make([]string, 0, len(p.inHand)+len(p.acking)+len(p.unacked))
	for ref := range p.inHand {
		refs = append(refs, ref)
	}
	for ref := range p.acking {
		refs = append(refs, ref)
	}
	for ref := range p.unacked {
		refs = append(refs, ref)
	}
	return refs
}

// markUnackedDone tries again to mark done the entries whose marking failed.
func (p *Pool) markUnackedDone(ctx context.Context) {
	p.mu.Lock()
	refs := make([]string, 0, len(p.unacked))
	ids := make([]int64, 0, len(p.unacked))
	for ref, id := range p.unacked {
		refs = append(refs, ref)
		ids = append(ids, id)
	}
	p.mu.Unlock()
	if len(refs) == 0 {
		return
	}
	if err := p.store.UpdateDone(ctx, refs...); err != nil {
		p.logger.Warn("inbox entries handled but still not marked done", "update_ids", ids, "err", err)
		return
	}
	p.mu.Lock()
	for _, ref := range refs {
		delete(p.unacked, ref)
	}
	p.mu.Unlock()
}

// drain runs after the reader stopped. Queued entries not started are released at once; the
// handlers running get up to timeout to finish. What is still running then is cut off and
// released too, and the log says which updates.
func (p *Pool) drain(timeout time.Duration) {
	defer func() {
		close(p.stopAcks) // what was handled is marked done before the renewals stop
		<-p.acksEnded
		p.stopRenewing()
		<-p.renewingEnded
		ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
		defer cancel()
		p.markUnackedDone(ctx) // a last try: what still fails is taken over and answered again
	}()
	var queued []ganwei.InboxEntry
	for len(p.queue) > 0 {
		queued = append(queued, <-p.queue)
	}
	for _, e := range queued {
		p.drop(e.Ref)
	}
	p.giveBack(queued)
	finished := make(chan struct{})
	go func() {
		p.pool.Wait()
		for range cap(p.direct) { // every direct handler has given its token back
			p.direct <- struct{}{}
		}
		close(finished)
	}()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	select {
	case <-finished:
		p.stopHandlers()
		p.logger.Info("all handlers finished", "released_unstarted", len(queued))
		return
	case <-deadline.C:
	}
	p.stopHandlers()
	p.mu.Lock()
	refs := make([]string, 0, len(p.inHand))
	ids := make([]int64, 0, len(p.inHand))
	for ref, id := range p.inHand {
		refs = append(refs, ref)
		ids = append(ids, id)
	}
	p.mu.Unlock()
	p.release(refs)
	p.logger.Warn("drain bound passed: updates left pending in the inbox for the next start or another replica",
		"bound", timeout.String(), "count", len(ids), "update_ids", ids, "released_unstarted", len(queued))
}

// giveBack returns entries read and never started to the inbox, uncounted, for any worker to
// take at once.
func (p *Pool) giveBack(entries []ganwei.InboxEntry) {
	if len(entries) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
	defer cancel()
	if err := p.store.ReturnUpdates(ctx, p.cfg.Worker, entries); err != nil {
		p.logger.Warn("return unstarted inbox entries; another worker takes them after the claim timeout", "count", len(entries), "err", err)
	}
}

// release gives entries back to the inbox for any worker to take at once.
func (p *Pool) release(refs []string) {
	if len(refs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), acceptTimeout)
	defer cancel()
	if err := p.store.ReleaseUpdates(ctx, p.cfg.Worker, refs); err != nil {
		p.logger.Warn("release inbox entries; another worker takes them after the claim timeout", "count", len(refs), "err", err)
	}
}

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return 100 * time.Millisecond
	}
	return min(2*d, 5*time.Second)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
