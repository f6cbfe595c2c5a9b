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
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/knowledge/sequence"
	"github.com/ganwei-bot/ganwei/workdays"
)

// Messenger sends messages; bot.Sender implements it with the shared rate limit and retries.
type Messenger interface {
	Send(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup) (int, error)
}

// Defaults for Service fields left zero.
const (
	DefaultPoll    = time.Second
	DefaultLease   = 5 * time.Minute // well beyond a send with the Sender's retries, so a slow send is not taken over
	DefaultBatch   = 100
	DefaultWorkers = 8
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
func AckKeyboard(appointmentID, stepID string) *models.InlineKeyboardMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{
		{Text: "已阅知", CallbackData: AckData(appointmentID, stepID)},
	}}}
}

// Service implements ganwei.ReminderService and runs the scheduler loop. Fill the fields and
// call Run; several Services (replicas) may share one queue.
type Service struct {
	Queue     ganwei.ReminderQueue
	Users     ganwei.UserService // to find HR (role hr or admin) for escalations and the digest
	Messenger Messenger
	Sequence  *sequence.Source
	Calendar  *workdays.Calendar
	// AdminIDs also receive HR notices (GANWEI_ADMIN_IDS).
	AdminIDs map[int64]bool
	Logger   *slog.Logger
	// Now is the clock; the demo and tests inject one.
	Now func() time.Time

	Poll    time.Duration // how often to look for due steps
	Lease   time.Duration // how long a claimed step is ours before another replica may take it
	Batch   int           // steps claimed per round trip
	Workers int           // steps sent concurrently (the Sender paces them)

	once       sync.Once
	wake       chan struct{}
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

// Plan fills a's steps from the sequence: the first step is due at now, working-day steps at the
// sequence's send time on the right working day after the appointment date, duration steps that
// long after now. A due time already past (an appointment registered late) becomes now.
func Plan(a *ganwei.Appointment, seq *sequence.Sequence, cal *workdays.Calendar, now time.Time) error {
	date := now.In(cal.Location)
	if a.Date == "" {
		a.Date = date.Format(time.DateOnly)
	} else {
		d, err := time.ParseInLocation(time.DateOnly, a.Date, cal.Location)
		if err != nil {
			return ganwei.Errorf(ganwei.EINVALID, "任职日期格式应为 2026-03-02")
		}
		date = d
	}
	hour, minute := seq.SendTime()
	a.Steps = a.Steps[:0]
	for _, st := range seq.Steps {
		due := now
		switch {
		case st.Due.Workdays > 0:
			due = cal.AddWorkdays(date, st.Due.Workdays, hour, minute)
		case st.Due.Duration > 0:
			due = now.Add(st.Due.Duration)
		}
		if due.Before(now) {
			due = now
		}
		a.Steps = append(a.Steps, &ganwei.StepState{ID: st.ID, Title: st.Title, NeedsAck: st.NeedsAck, Status: ganwei.StepScheduled, DueAt: due})
	}
	return nil
}

// after is when a reminder interval that starts at t ends.
func (s *Service) after(t time.Time, span sequence.Span, seq *sequence.Sequence) time.Time {
	if span.Workdays > 0 {
		h, m := seq.SendTime()
		return s.Calendar.AddWorkdays(t, span.Workdays, h, m)
	}
	return t.Add(span.Duration)
}

// Appoint registers a and schedules its sequence; the first step goes out at once.
func (s *Service) Appoint(ctx context.Context, a *ganwei.Appointment) (*ganwei.Appointment, bool, error) {
	s.init()
	if err := a.Validate(); err != nil {
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

// Appointment returns one appointment, or ENOTFOUND.
func (s *Service) Appointment(ctx context.Context, id string) (*ganwei.Appointment, error) {
	return s.Queue.Appointment(ctx, id)
}

// Appointments lists every appointment, newest first.
func (s *Service) Appointments(ctx context.Context) ([]*ganwei.Appointment, error) {
	return s.Queue.Appointments(ctx)
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
		n, err := s.Tick(ctx)
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

// Tick claims one batch of due steps, processes it, and sends the daily digest when it is time.
// It returns how many steps it claimed. Tests call it directly with an injected clock.
func (s *Service) Tick(ctx context.Context) (int, error) {
	s.init()
	now := s.Now()
	jobs, err := s.Queue.ClaimReminderJobs(ctx, now, s.Lease, s.Batch)
	if err != nil {
		return 0, err
	}
	seq := s.Sequence.Current() // one look at the sequence file per round, not per step
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.Workers)
	for _, job := range jobs {
		sem <- struct{}{}
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
	if err := s.digest(ctx, now, seq); err != nil {
		s.Logger.Warn("reminder digest", "err", err)
	}
	return len(jobs), nil
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
	switch {
	case st.Status == ganwei.StepScheduled:
		return s.sendStep(ctx, job, a, st, def, seq, now)
	case st.Status == ganwei.StepSent && st.NeedsAck && st.Reminders < def.RemindTimes:
		return s.remind(ctx, job, a, st, def, seq, now)
	case st.Status == ganwei.StepSent && st.NeedsAck && def.Escalate && st.Escalated.IsZero():
		return s.escalate(ctx, job, a, st, now)
	}
	_, err = s.Queue.CompleteReminderJob(ctx, job, drop)
	return err
}

func (s *Service) sendStep(ctx context.Context, job ganwei.ReminderJob, a *ganwei.Appointment, st *ganwei.StepState, def *sequence.Step, seq *sequence.Sequence, now time.Time) error {
	var kb *models.InlineKeyboardMarkup
	if def.NeedsAck {
		kb = AckKeyboard(a.ID, st.ID)
	}
	msgID, err := s.Messenger.Send(ctx, a.TelegramID, def.Render(a.Name, a.Position, a.Unit), kb)
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
	text := fmt.Sprintf("【提醒】%s同志，《%s》于%s发给您，还没有收到您的确认。请抽空阅读，读完后点下方\"已阅知\"。\n\n%s",
		a.Name, def.Title, s.when(st.SentAt), def.Render(a.Name, a.Position, a.Unit))
	msgID, err := s.Messenger.Send(ctx, a.TelegramID, text, AckKeyboard(a.ID, st.ID))
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
	s.notifyHR(ctx, fmt.Sprintf("【四项清单·未确认】%s（%s）尚未确认《%s》：%s发出，已提醒 %d 次。请与本人联系了解情况。\n发送 /reminders 查看全部进度。",
		a.Name, strings.TrimSpace(a.Unit+a.Position), st.Title, s.when(st.SentAt), st.Reminders))
	return s.recordSent(ctx, job, ganwei.JobResult{Expect: ganwei.StepSent, EscalatedAt: now})
}

// sendFailed records a send that did not go through. A 403 marks the step undeliverable and tells
// HR at once; anything else (Telegram unreachable beyond the Sender's retries) tries again later.
func (s *Service) sendFailed(ctx context.Context, job ganwei.ReminderJob, a *ganwei.Appointment, st *ganwei.StepState, expect ganwei.StepStatus, now time.Time, sendErr error) error {
	if ctx.Err() != nil {
		return sendErr // shutting down: the lease expires and a replica takes the step again
	}
	if !errors.Is(sendErr, bot.ErrBlocked) {
		s.Logger.Warn("reminder send failed; will retry", "appointment", a.ID, "step", st.ID, "err", sendErr)
		_, err := s.Queue.CompleteReminderJob(ctx, job, ganwei.JobResult{KeepNext: true, Next: now.Add(retryAfterError)})
		return err
	}
	s.Logger.Warn("reminder undeliverable", "appointment", a.ID, "step", st.ID)
	ok, err := s.Queue.CompleteReminderJob(ctx, job, ganwei.JobResult{Expect: expect, Status: ganwei.StepFailed, Error: "blocked: the leader blocked the bot or never started it"})
	if err != nil || !ok {
		return err
	}
	s.notifyHR(ctx, fmt.Sprintf("【四项清单·无法送达】《%s》没能发给%s（%s，Telegram ID %d）：对方可能屏蔽了敢为助手，或还没有和它开始对话。\n请联系本人在 Telegram 中打开敢为助手并发送 /start，然后在 /reminders 中取消这条登记，再用 /appoint 重新登记。",
		st.Title, a.Name, strings.TrimSpace(a.Unit+a.Position), a.TelegramID))
	return nil
}

// when formats a time for messages, in the organization's zone.
func (s *Service) when(t time.Time) string {
	return t.In(s.Calendar.Location).Format("1月2日 15:04")
}

// HR returns the Telegram ids that receive HR notices: users with role hr or admin, and the
// configured administrators.
func (s *Service) HR(ctx context.Context) ([]int64, error) {
	users, err := s.Users.Users(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, u := range users {
		if u.Role.IsStaff() && !seen[u.ID] {
			seen[u.ID] = true
			ids = append(ids, u.ID)
		}
	}
	for id := range s.AdminIDs {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (s *Service) notifyHR(ctx context.Context, text string) {
	ids, err := s.HR(ctx)
	if err != nil {
		s.Logger.Error("find HR for a reminder notice", "err", err)
		return
	}
	if len(ids) == 0 {
		s.Logger.Warn("reminder notice for HR, but nobody has role hr or admin")
	}
	for _, id := range ids {
		if _, err := s.Messenger.Send(ctx, id, text, nil); err != nil {
			s.Logger.Warn("send HR notice", "chat_id", id, "err", err)
		}
	}
}

// digestTTL keeps the once-per-day mark past the day it is for.
const digestTTL = 48 * time.Hour

// digest sends HR the list of steps overdue for acknowledgement, once per working day at the
// sequence's send time, from whichever replica gets there first.
func (s *Service) digest(ctx context.Context, now time.Time, seq *sequence.Sequence) error {
	local := now.In(s.Calendar.Location)
	date := local.Format(time.DateOnly)
	h, m := seq.SendTime()
	if local.Before(time.Date(local.Year(), local.Month(), local.Day(), h, m, 0, 0, s.Calendar.Location)) || !s.Calendar.IsWorkday(local) {
		return nil
	}
	s.digestMu.Lock()
	done := s.digestDone == date
	s.digestMu.Unlock()
	if done {
		return nil
	}
	first, err := s.Queue.Once(ctx, "digest:"+date, digestTTL)
	if err != nil {
		return err // try again next round
	}
	s.digestMu.Lock()
	s.digestDone = date // this replica or another has it; stop asking Redis today
	s.digestMu.Unlock()
	if !first {
		return nil
	}
	text, err := s.DigestText(ctx, now)
	if err != nil || text == "" {
		return err
	}
	s.notifyHR(ctx, text)
	return nil
}

// Overdue reports whether a step waits for an acknowledgement longer than its first reminder
// interval: it has been reminded or escalated and is still unacknowledged.
func Overdue(a *ganwei.Appointment, st *ganwei.StepState) bool {
	return a.Status != ganwei.AppointmentCancelled && st.NeedsAck && st.Status == ganwei.StepSent &&
		(st.Reminders > 0 || !st.Escalated.IsZero())
}

// DigestText is the daily digest for HR, or "" when nothing is overdue.
func (s *Service) DigestText(ctx context.Context, now time.Time) (string, error) {
	s.init()
	list, err := s.Queue.Appointments(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	n := 0
	for _, a := range list {
		for _, st := range a.Steps {
			if !Overdue(a, st) && !(st.Status == ganwei.StepFailed && a.Status != ganwei.AppointmentCancelled) {
				continue
			}
			n++
			if st.Status == ganwei.StepFailed {
				fmt.Fprintf(&b, "%d. %s（%s）《%s》无法送达\n", n, a.Name, strings.TrimSpace(a.Unit+a.Position), st.Title)
				continue
			}
			days := int(now.Sub(st.SentAt).Hours() / 24)
			fmt.Fprintf(&b, "%d. %s（%s）《%s》%s发出，已 %d 天未确认，提醒 %d 次\n", n, a.Name, strings.TrimSpace(a.Unit+a.Position), st.Title, s.when(st.SentAt), days, st.Reminders)
		}
	}
	if n == 0 {
		return "", nil
	}
	return fmt.Sprintf("【四项清单·每日提醒】以下 %d 项尚未确认或无法送达：\n%s\n发送 /reminders 查看全部进度。", n, b.String()), nil
}
