package reminders

// What a claimed job does: send the step, hold it back until its turn, or remind the leader; and the 已阅知 button.

import (
	"context"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge/sequence"
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
