// Package reminders runs the 四项清单 reminder sequences for newly appointed principal leaders:
// it plans each appointment's steps on the Chinese working-day calendar, and its scheduler loop
// claims due steps from shared storage, sends them through the shared paced Telegram sender,
// reminds when no acknowledgement comes, and keeps the organization department informed.
//
// Why not a task queue library such as github.com/hibiken/asynq: its keys are fixed under
// "asynq:" (our deployment promises every key under one configurable prefix), its due times come
// from its own wall clock (the demo's :advance and the tests need an injected one), and its
// state lives apart from the appointment, so "sent" could not be recorded atomically with
// finishing the task. The scheduler here is a Redis sorted set of due jobs plus an in-flight set
// with leases, driven by two short Lua scripts in package redisstore.
package reminders

// The scheduler loop: the Service, claiming due jobs under leases, renewing and releasing them.

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge/sequence"
	"github.com/ganwei-bot/ganwei/workdays"
)

// Messenger sends messages: the part of ganwei.Messenger the scheduler needs (bot.Front for
// Telegram, with the shared rate limit and retries).
type Messenger interface {
	Send(ctx context.Context, chatID int64, text string, kb ganwei.Keyboard) (int, error)
}

// Defaults for Service fields left zero.
const (
	DefaultPoll = time.Second
	// DefaultLease is short so that the claims of a replica that died and does not come back are
	// taken over within half a minute; a live worker renews its leases every Lease/3.
	DefaultLease   = 30 * time.Second
	DefaultBatch   = 100
	DefaultWorkers = 8
	// lateGrace is how long past its time a job counts as on time. Beyond it (the bot was down)
	// a job goes out only in working hours on a working day; within it (a long fan-out) at once.
	lateGrace = 30 * time.Minute
	// retryAfterError is when a step whose send failed for a passing reason (Telegram down
	// beyond the Sender's own retries) is tried again.
	retryAfterError = time.Minute
	maxLoopBackoff  = 30 * time.Second
)

// Service implements ganwei.ReminderService and runs the scheduler loop. Fill the fields and
// call Run; several Services (replicas) may share one queue.
type Service struct {
	Queue     ganwei.ReminderQueue
	Users     ganwei.UserService // to find HR (role hr or admin) for escalations and the digest
	Messenger Messenger
	Sequence  *sequence.Source
	Calendar  *workdays.Calendar
	// AdminIDs also receive HR notices (GANWEI_ADMIN_IDS: Telegram user ids, matched against
	// people's accounts).
	AdminIDs map[int64]bool
	Logger   *slog.Logger
	// Now is the clock; the demo and tests inject one.
	Now func() time.Time

	// Instance names this process among the replicas (GANWEI_INSTANCE_ID, default the host
	// name). It must stay the same across a restart and differ between replicas running at
	// once: on start the Service takes back at once the claims its previous life left behind.
	Instance string
	// LooksAfter reports whether an HR user looks after unit and so receives its notices and
	// digest lines. Nil means the user's scope decides (ganwei.User.Covers: HR covering some
	// units hear of those, unscoped HR and admins of all); GANWEI_ADMIN_IDS always receive
	// everything.
	LooksAfter func(hr *ganwei.User, unit string) bool

	Poll       time.Duration // how often to look for due steps
	Lease      time.Duration // how long a claimed step is ours before another replica may take it
	RenewEvery time.Duration // how often leases of the batch in hand are renewed (default Lease/3)
	Batch      int           // steps claimed per round trip
	Workers    int           // steps sent concurrently (the Sender paces them)

	once       sync.Once
	wake       chan struct{}
	reclaimed  bool // this process has taken back its previous life's claims
	digestMu   sync.Mutex
	digestDone string // date of the last digest this process handled
}

var _ ganwei.ReminderService = (*Service)(nil)

func (s *Service) init() {
	s.once.Do(func() {
		s.wake = make(chan struct{}, 1)
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Logger == nil {
			s.Logger = slog.Default()
		}
		if s.Calendar == nil {
			s.Calendar = workdays.New(nil)
		}
		if s.Sequence == nil {
			s.Sequence, _ = sequence.NewSource("")
		}
		if s.Poll <= 0 {
			s.Poll = DefaultPoll
		}
		if s.Lease <= 0 {
			s.Lease = DefaultLease
		}
		if s.RenewEvery <= 0 {
			s.RenewEvery = s.Lease / 3
		}
		if s.Instance == "" {
			s.Instance = DefaultInstance()
		}
		if s.Batch <= 0 {
			s.Batch = DefaultBatch
		}
		if s.Workers <= 0 {
			s.Workers = DefaultWorkers
		}
	})
}

// Wake makes the loop look for due steps now instead of at the next poll (after a registration,
// or when the demo moves its clock).
func (s *Service) Wake() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run claims and sends due steps until ctx ends, backing off while storage fails.
func (s *Service) Run(ctx context.Context) error {
	s.init()
	var backoff time.Duration
	for {
		err := s.reclaim(ctx)
		n := 0
		if err == nil {
			n, err = s.Tick(ctx)
		}
		wait := s.Poll
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			backoff = min(max(2*backoff, s.Poll), maxLoopBackoff)
			wait = backoff
			s.Logger.Error("reminder scheduler", "err", err, "retry_in", backoff)
		case n >= s.Batch:
			backoff, wait = 0, 0 // more are waiting
		default:
			backoff = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// reclaim takes back, once per process, the claims this instance's previous life held when it
// died: they are due again at once instead of when their leases run out.
func (s *Service) reclaim(ctx context.Context) error {
	if s.reclaimed {
		return nil
	}
	n, err := s.Queue.ReclaimReminderJobs(ctx, s.Instance)
	if err != nil {
		return err
	}
	s.reclaimed = true
	if n > 0 {
		s.Logger.Warn("took back reminder jobs left in flight by this instance's previous run", "instance", s.Instance, "jobs", n)
	}
	return nil
}

// DefaultInstance is the host name (stable across a container's restarts, distinct between
// replicas), or "ganwei" when there is none.
func DefaultInstance() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "ganwei"
	}
	var b strings.Builder
	for _, r := range h {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "ganwei"
	}
	return b.String()[:min(b.Len(), 64)]
}

// Tick claims one batch of due steps, processes it, and sends the daily digest when it is time.
// It returns how many steps it claimed. Tests call it directly with an injected clock.
//
// While the batch is worked its leases are renewed every RenewEvery, so a slow batch is never
// taken over by another replica; a stop releases the jobs not yet started at once.
func (s *Service) Tick(ctx context.Context) (int, error) {
	s.init()
	now := s.Now()
	jobs, err := s.Queue.ClaimReminderJobs(ctx, s.Instance, now, s.Lease, s.Batch)
	if err != nil {
		return 0, err
	}
	stopRenew := s.renew(ctx, jobs)
	seq := s.Sequence.Current() // one look at the sequence file per round, not per step
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.Workers)
	for i, job := range jobs {
		if ctx.Err() == nil {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			s.release(ctx, jobs[i:])
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.process(ctx, job, seq); err != nil && ctx.Err() == nil {
				// The lease runs out and another round takes the job again.
				s.Logger.Error("reminder step", "appointment", job.AppointmentID, "step", job.StepID, "err", err)
			}
		}()
	}
	wg.Wait()
	stopRenew()
	if ctx.Err() != nil {
		return len(jobs), nil
	}
	if err := s.digest(ctx, now, seq); err != nil {
		s.Logger.Warn("reminder digest", "err", err)
	}
	return len(jobs), nil
}

// renew keeps the leases of jobs alive until the returned stop is called.
func (s *Service) renew(ctx context.Context, jobs []ganwei.ReminderJob) (stop func()) {
	if len(jobs) == 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(s.RenewEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				// Completed jobs are no longer held and are skipped by the store.
				if _, err := s.Queue.RenewReminderJobs(ctx, jobs, s.Now(), s.Lease); err != nil && ctx.Err() == nil {
					s.Logger.Warn("renew reminder leases", "err", err)
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// release hands back jobs claimed but not started (the process is stopping), due at once, so
// that a replica or the next start takes them without waiting for their leases.
func (s *Service) release(ctx context.Context, jobs []ganwei.ReminderJob) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now := s.Now()
	for _, job := range jobs {
		if _, err := s.Queue.CompleteReminderJob(ctx, job, ganwei.JobResult{KeepNext: true, Next: now}); err != nil {
			s.Logger.Warn("release reminder job", "appointment", job.AppointmentID, "step", job.StepID, "err", err)
			return // Redis is gone: the leases end soon, or the next start takes them back
		}
	}
}
