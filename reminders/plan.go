package reminders

// Planning: when each step of a sequence falls due, on working days and in working hours.

import (
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge/sequence"
	"github.com/ganwei-bot/ganwei/workdays"
)

// Plan fills a's steps from the sequence: the first step is due at now, working-day steps at the
// sequence's send time on the right working day after the appointment date, duration steps that
// long after now. Steps whose date has already passed (a backdated appointment) do not all go
// out at once: they follow the first step in sequence order, the sequence's catch_up apart (one
// working day unless the file says otherwise), and a later step never overtakes them.
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
	var prev time.Time
	catchingUp := false
	for i, st := range seq.Steps {
		due := now
		switch {
		case st.Due.Workdays > 0:
			due = cal.AddWorkdays(date, st.Due.Workdays, hour, minute)
		case st.Due.Duration > 0:
			due = now.Add(st.Due.Duration)
		}
		if i > 0 {
			paced := spanAfter(cal, prev, seq.CatchUp, seq)
			if due.Before(now) || (catchingUp && due.Before(paced)) {
				due, catchingUp = paced, true
			}
		}
		if due.Before(now) {
			due = now
		}
		prev = due
		a.Steps = append(a.Steps, &ganwei.StepState{ID: st.ID, Title: st.Title, NeedsAck: st.NeedsAck, Status: ganwei.StepScheduled, DueAt: due})
	}
	return nil
}

// spanAfter is when a span that starts at t ends: working days land at the send time.
func spanAfter(cal *workdays.Calendar, t time.Time, span sequence.Span, seq *sequence.Sequence) time.Time {
	if span.Workdays > 0 {
		h, m := seq.SendTime()
		return cal.AddWorkdays(t, span.Workdays, h, m)
	}
	return t.Add(span.Duration)
}

// workingTime reports whether t is within the sequence's working hours on a working day.
func (s *Service) workingTime(t time.Time, seq *sequence.Sequence) bool {
	local := t.In(s.Calendar.Location)
	if !s.Calendar.IsWorkday(local) {
		return false
	}
	h, m := seq.SendTime()
	uh, um := seq.SendUntilTime()
	clock := local.Hour()*60 + local.Minute()
	return clock >= h*60+m && clock < uh*60+um
}

// nextWorkingTime is t when it is in working hours, else the next working day's send time (or
// today's, early in the morning of a working day).
func (s *Service) nextWorkingTime(t time.Time, seq *sequence.Sequence) time.Time {
	if s.workingTime(t, seq) {
		return t
	}
	local := t.In(s.Calendar.Location)
	h, m := seq.SendTime()
	if s.Calendar.IsWorkday(local) && local.Hour()*60+local.Minute() < h*60+m {
		return time.Date(local.Year(), local.Month(), local.Day(), h, m, 0, 0, s.Calendar.Location)
	}
	return s.Calendar.AddWorkdays(local, 1, h, m)
}

// after is when a reminder interval that starts at t ends.
func (s *Service) after(t time.Time, span sequence.Span, seq *sequence.Sequence) time.Time {
	return spanAfter(s.Calendar, t, span, seq)
}
