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

import (
	"context"
	"errors"
	"fmt"
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

// AckPrefix is the callback prefix of the 已阅知 button: "ack:<appointment id>:<step id>".
const AckPrefix = "ack"

// AckData is the 已阅知 button's callback data (at most 3+1+10+1+16 = 31 bytes).
func AckData(appointmentID, stepID string) string {
	return AckPrefix + ":" + appointmentID + ":" + stepID
}

// AckKeyboard is the keyboard a step that needs acknowledgement carries.
func AckKeyboard(appointmentID, stepID string) ganwei.Keyboard {
	return ganwei.Buttons([]ganwei.Button{{Label: "已阅知", Action: AckData(appointmentID, stepID)}})
}

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

// Preview returns a copy of a with its steps planned as Appoint would plan them, storing and
// sending nothing: what HR confirms before registering.
func (s *Service) Preview(ctx context.Context, a *ganwei.Appointment) (*ganwei.Appointment, error) {
	s.init()
	c := *a
	if c.PersonID == 0 && s.Users != nil {
		if id, err := s.Users.PersonByAccount(ctx, leaderAccount(&c)); err == nil {
			c.PersonID = id
		}
	}
	c.Steps = nil
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := Plan(&c, s.Sequence.Current(), s.Calendar, s.Now()); err != nil {
		return nil, err
	}
	return &c, nil
}

// Appoint registers a and schedules its sequence; the first step goes out at once. A leader
// named by Telegram id (a.TelegramID) is the person that account is bound to; someone who has
// not bound an invite yet becomes a person with that account, the appointment's name and no
// role, so that their steps, their presses and a later invite all belong to one person.
func (s *Service) Appoint(ctx context.Context, a *ganwei.Appointment) (*ganwei.Appointment, bool, error) {
	s.init()
	if err := a.Validate(); err != nil {
		return nil, false, err
	}
	if a.PersonID == 0 {
		id, created, err := s.Users.PersonForAccount(ctx, leaderAccount(a),
			&ganwei.User{Name: a.Name, Unit: a.Unit, Position: a.Position})
		if err != nil {
			return nil, false, err
		}
		if created {
			s.Logger.Info("leader added as a person for the 四项清单", "person_id", id)
		}
		a.PersonID = id
	} else if _, err := s.Users.User(ctx, a.PersonID); err != nil {
		return nil, false, err
	}
	now := s.Now()
	a.CreatedAt = now
	a.Status = ganwei.AppointmentActive
	if err := Plan(a, s.Sequence.Current(), s.Calendar, now); err != nil {
		return nil, false, err
	}
	id, created, err := s.Queue.CreateAppointment(ctx, a)
	if err != nil {
		return nil, false, err
	}
	got, err := s.Queue.Appointment(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if created {
		s.Logger.Info("appointment registered", "appointment", id, "by", a.CreatedBy, "steps", len(got.Steps))
		s.Wake()
	}
	return got, created, nil
}

// leaderAccount is the account an appointment names its leader by when it names no person.
func leaderAccount(a *ganwei.Appointment) ganwei.Account {
	if a.Account != "" {
		return a.Account
	}
	return ganwei.TelegramAccount(a.TelegramID)
}

// Appointment returns one appointment, or ENOTFOUND.
func (s *Service) Appointment(ctx context.Context, id string) (*ganwei.Appointment, error) {
	return s.Queue.Appointment(ctx, id)
}

// Appointments lists every appointment, newest first.
func (s *Service) Appointments(ctx context.Context) ([]*ganwei.Appointment, error) {
	return s.Queue.Appointments(ctx)
}

// AppointmentsOf lists one person's appointments, newest first.
func (s *Service) AppointmentsOf(ctx context.Context, personID int64) ([]*ganwei.Appointment, error) {
	return s.Queue.AppointmentsOf(ctx, personID)
}

// Acknowledge records that by read the step.
func (s *Service) Acknowledge(ctx context.Context, appointmentID, stepID string, by int64) (*ganwei.AckResult, error) {
	s.init()
	return s.Queue.AcknowledgeStep(ctx, appointmentID, stepID, by, s.Now())
}

// SetAppointmentStatus pauses, resumes or cancels an appointment's reminders.
func (s *Service) SetAppointmentStatus(ctx context.Context, id string, status ganwei.AppointmentStatus) error {
	s.init()
	if err := s.Queue.SetAppointmentStatus(ctx, id, status); err != nil {
		return err
	}
	if status == ganwei.AppointmentActive {
		s.Wake() // steps that fell due during the pause go out now
	}
	return nil
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

// drop releases a job without touching the appointment (KeepNext: a paused appointment keeps its
// next time for resume).
var drop = ganwei.JobResult{KeepNext: true}

// process does what a claimed job calls for: send the step, remind, or escalate.
func (s *Service) process(ctx context.Context, job ganwei.ReminderJob, seq *sequence.Sequence) error {
	a, err := s.Queue.Appointment(ctx, job.AppointmentID)
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		_, err = s.Queue.CompleteReminderJob(ctx, job, drop)
		return err
	} else if err != nil {
		return err
	}
	st := a.Step(job.StepID)
	if st == nil || a.Status != ganwei.AppointmentActive {
		_, err = s.Queue.CompleteReminderJob(ctx, job, drop)
		return err
	}
	def := seq.Step(st.ID)
	now := s.Now()
	if def == nil {
		// The operator removed the step from the sequence file after this appointment started.
		_, err = s.Queue.CompleteReminderJob(ctx, job, ganwei.JobResult{Expect: st.Status, Status: ganwei.StepFailed, Error: "step removed from the sequence file"})
		return err
	}
	// A job that fell due while the bot was down waits for working hours on a working day.
	if planned := st.NextAt; !planned.IsZero() && now.Sub(planned) > lateGrace && !s.workingTime(now, seq) &&
		(st.Status == ganwei.StepScheduled || st.Status == ganwei.StepSent) {
		return s.postpone(ctx, job, st, s.nextWorkingTime(now, seq))
	}
	switch {
	case st.Status == ganwei.StepScheduled:
		if until, hold := s.holdBack(a, st, seq, now); hold {
			return s.postpone(ctx, job, st, until)
		}
		return s.sendStep(ctx, job, a, st, def, seq, now)
	case st.Status == ganwei.StepSent && st.NeedsAck && st.Reminders < def.RemindTimes:
		return s.remind(ctx, job, a, st, def, seq, now)
	case st.Status == ganwei.StepSent && st.NeedsAck && def.Escalate && st.Escalated.IsZero():
		return s.escalate(ctx, job, a, st, now)
	}
	_, err = s.Queue.CompleteReminderJob(ctx, job, drop)
	return err
}

// holdBack keeps the sequence's order: a step does not go out while the step before it waits to
// be sent, nor sooner than catch_up after it when that one went out late.
func (s *Service) holdBack(a *ganwei.Appointment, st *ganwei.StepState, seq *sequence.Sequence, now time.Time) (time.Time, bool) {
	var prev *ganwei.StepState
	for _, p := range a.Steps {
		if p.ID == st.ID {
			break
		}
		prev = p
	}
	switch {
	case prev == nil:
		return time.Time{}, false
	case prev.Status == ganwei.StepScheduled:
		start := prev.NextAt
		if start.Before(now) || start.IsZero() {
			start = now
		}
		return s.after(start, seq.CatchUp, seq), true
	case !prev.SentAt.IsZero() && st.DueAt.Before(prev.SentAt):
		// The step before went out late (after this one's own date): keep them apart.
		if until := s.after(prev.SentAt, seq.CatchUp, seq); until.After(now) {
			return until, true
		}
	}
	return time.Time{}, false
}

// postpone puts a job off until t without sending; a step not yet sent shows t as its new date.
func (s *Service) postpone(ctx context.Context, job ganwei.ReminderJob, st *ganwei.StepState, t time.Time) error {
	res := ganwei.JobResult{Expect: st.Status, Next: t}
	if st.Status == ganwei.StepScheduled {
		res.DueAt = t
	}
	_, err := s.Queue.CompleteReminderJob(ctx, job, res)
	return err
}

func (s *Service) sendStep(ctx context.Context, job ganwei.ReminderJob, a *ganwei.Appointment, st *ganwei.StepState, def *sequence.Step, seq *sequence.Sequence, now time.Time) error {
	var kb ganwei.Keyboard
	if def.NeedsAck {
		kb = AckKeyboard(a.ID, st.ID)
	}
	msgID, err := s.Messenger.Send(ganwei.ToPerson(ctx), a.PersonID, def.Render(a.Name, a.Position, a.Unit), kb)
	if err != nil {
		return s.sendFailed(ctx, job, a, st, ganwei.StepScheduled, now, err)
	}
	res := ganwei.JobResult{Expect: ganwei.StepScheduled, Status: ganwei.StepSent, SentAt: now, SetReminders: true, MessageID: msgID}
	if def.NeedsAck && (def.RemindTimes > 0 || def.Escalate) {
		res.Next = s.after(now, def.RemindEvery, seq)
	}
	return s.recordSent(ctx, job, res)
}

// recordSent completes a job whose message (a step, a reminder, an escalation to HR) Telegram has
// accepted. It outlives a stop signal: a
// message that went out but was never recorded would go out again once its lease ran out.
func (s *Service) recordSent(ctx context.Context, job ganwei.ReminderJob, res ganwei.JobResult) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err := s.Queue.CompleteReminderJob(ctx, job, res)
	return err
}

func (s *Service) remind(ctx context.Context, job ganwei.ReminderJob, a *ganwei.Appointment, st *ganwei.StepState, def *sequence.Step, seq *sequence.Sequence, now time.Time) error {
	n := st.Reminders + 1
	text := s.reminderText(a, st, def.Title, def.Render(a.Name, a.Position, a.Unit))
	msgID, err := s.Messenger.Send(ganwei.ToPerson(ctx), a.PersonID, text, AckKeyboard(a.ID, st.ID))
	if err != nil {
		return s.sendFailed(ctx, job, a, st, ganwei.StepSent, now, err)
	}
	res := ganwei.JobResult{Expect: ganwei.StepSent, SetReminders: true, Reminders: n, MessageID: msgID}
	if n < def.RemindTimes || def.Escalate {
		res.Next = s.after(now, def.RemindEvery, seq)
	}
	return s.recordSent(ctx, job, res)
}

func (s *Service) escalate(ctx context.Context, job ganwei.ReminderJob, a *ganwei.Appointment, st *ganwei.StepState, now time.Time) error {
	s.notifyHR(ctx, a.Unit, fmt.Sprintf("【四项清单·未确认】%s（%s）尚未确认《%s》：%s发出，已提醒 %d 次。请与本人联系了解情况。\n发送 /reminders 查看全部进度。",
		a.Name, strings.TrimSpace(a.Unit+a.Position), st.Title, s.when(st.SentAt), st.Reminders))
	return s.recordSent(ctx, job, ganwei.JobResult{Expect: ganwei.StepSent, EscalatedAt: now})
}

// Undeliverable reports whether a send failed because the person cannot be reached at all:
// the front end reports it blocked (Telegram: 403, they blocked the bot or never started it) or
// unknown (Telegram: 400 "chat not found", a wrong id, or someone who never opened the bot).
// Retrying will not help; HR must act.
func Undeliverable(err error) bool {
	return errors.Is(err, ganwei.ErrRecipientBlocked) || errors.Is(err, ganwei.ErrRecipientUnknown)
}

// sendFailed records a send that did not go through. An undeliverable send marks the step failed
// and tells HR, once per appointment; anything else (Telegram unreachable beyond the Sender's
// retries) tries again later.
func (s *Service) sendFailed(ctx context.Context, job ganwei.ReminderJob, a *ganwei.Appointment, st *ganwei.StepState, expect ganwei.StepStatus, now time.Time, sendErr error) error {
	if ctx.Err() != nil {
		// Stopping. The Sender never abandons a request under way, so nothing went out: hand the
		// job back for a replica or the next start.
		s.release(ctx, []ganwei.ReminderJob{job})
		return sendErr
	}
	if !Undeliverable(sendErr) {
		s.Logger.Warn("reminder send failed; will retry", "appointment", a.ID, "step", st.ID, "err", sendErr)
		_, err := s.Queue.CompleteReminderJob(ctx, job, ganwei.JobResult{KeepNext: true, Next: now.Add(retryAfterError)})
		return err
	}
	reason, told := errBlocked, false
	if errors.Is(sendErr, ganwei.ErrRecipientUnknown) {
		reason = errChatNotFound
	}
	for _, other := range a.Steps {
		if other.ID != st.ID && other.Status == ganwei.StepFailed && (other.Error == errBlocked || other.Error == errChatNotFound) {
			told = true // HR heard about this person already; the digest keeps listing it
		}
	}
	s.Logger.Warn("reminder undeliverable", "appointment", a.ID, "step", st.ID, "reason", reason)
	ok, err := s.Queue.CompleteReminderJob(ctx, job, ganwei.JobResult{Expect: expect, Status: ganwei.StepFailed, Error: reason})
	if err != nil || !ok || told {
		return err
	}
	channel := s.channelOf(ctx, a.PersonID)
	why := "对方可能屏蔽了敢为助手，或还没有和它开始对话"
	if reason == errChatNotFound {
		why = strings.TrimLeft(spaced(channel), " ") + "找不到这个对话：账号可能填错了，或对方还从未打开过敢为助手"
	}
	open := "打开敢为助手"
	if channel == ganwei.PlatformLabel(ganwei.PlatformTelegram) {
		open += "、发送 /start"
	}
	s.notifyHR(ctx, a.Unit, fmt.Sprintf("【四项清单·无法送达】《%s》没能通过%s发给%s（%s）：%s。\n请核对账号，并联系本人在%s中%s；然后在 /reminders 中取消这条登记，再用 /appoint 重新登记。",
		st.Title, spaced(channel), a.Name, strings.TrimSpace(a.Unit+a.Position), why, spaced(channel), open))
	return nil
}

// spaced puts spaces around a Latin name set in Chinese text (「通过 Telegram 发给」).
func spaced(name string) string {
	if name != "" && name[0] < 0x80 {
		return " " + name + " "
	}
	return name
}

// channelOf names, for HR, the channel a push to the person goes to: their preferred one when
// they have an account there, else their first account's (as channels.Router chooses).
func (s *Service) channelOf(ctx context.Context, personID int64) string {
	u, err := s.Users.User(ctx, personID)
	if err != nil || len(u.Accounts) == 0 {
		return "敢为助手"
	}
	if p, ok := s.Users.(interface {
		PreferredChannel(ctx context.Context, personID int64) (string, error)
	}); ok {
		if want, err := p.PreferredChannel(ctx, personID); err == nil && u.AccountOn(want) != "" {
			return ganwei.PlatformLabel(want)
		}
	}
	return ganwei.PlatformLabel(u.Accounts[0].Platform())
}

// Reasons recorded on a step that cannot be delivered (shown by `ganwei admin reminders`).
const (
	errBlocked      = "blocked: the leader blocked the bot or never started it"
	errChatNotFound = "chat not found: wrong Telegram id, or the leader never opened the bot"
)
