package reminders

// What HR hears: escalations and the daily digest, sent to those who look after the unit.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge/sequence"
)

// when formats a time for messages, in the organization's zone.
func (s *Service) when(t time.Time) string {
	return t.In(s.Calendar.Location).Format("1月2日 15:04")
}

// HR returns the person ids that receive HR notices about unit: people with role hr or admin
// who look after it (LooksAfter), and the configured administrators (by their accounts).
func (s *Service) HR(ctx context.Context, unit string) ([]int64, error) {
	recipients, err := s.hrUsers(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range recipients {
		if r.looksAfter(unit) {
			ids = append(ids, r.id)
		}
	}
	return ids, nil
}

// hrRecipient is someone who receives HR notices, with the units they look after.
type hrRecipient struct {
	id         int64
	looksAfter func(unit string) bool
}

func (s *Service) hrUsers(ctx context.Context) ([]hrRecipient, error) {
	users, err := s.Users.Users(ctx)
	if err != nil {
		return nil, err
	}
	all := func(string) bool { return true }
	seen := map[int64]bool{}
	var out []hrRecipient
	admins, err := ganwei.AdminPersons(ctx, s.Users, s.AdminIDs, users)
	if err != nil {
		return nil, err
	}
	for _, id := range admins {
		if !seen[id] {
			seen[id] = true
			out = append(out, hrRecipient{id: id, looksAfter: all})
		}
	}
	for _, u := range users {
		if !u.Role.IsStaff() || seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		r := hrRecipient{id: u.ID, looksAfter: u.Covers}
		if s.LooksAfter != nil {
			r.looksAfter = func(unit string) bool { return s.LooksAfter(u, unit) }
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) notifyHR(ctx context.Context, unit, text string) {
	ids, err := s.HR(ctx, unit)
	if err != nil {
		s.Logger.Error("find HR for a reminder notice", "err", err)
		return
	}
	if len(ids) == 0 {
		s.Logger.Warn("reminder notice for HR, but nobody with role hr or admin looks after the unit")
	}
	for _, id := range ids {
		if _, err := s.Messenger.Send(ganwei.ToPerson(ctx), id, text, nil); err != nil {
			s.Logger.Warn("send HR notice", "person_id", id, "err", err)
		}
	}
}

func (s *Service) escalate(ctx context.Context, job ganwei.ReminderJob, a *ganwei.Appointment, st *ganwei.StepState, now time.Time) error {
	s.notifyHR(ctx, a.Unit, fmt.Sprintf("【四项清单·未确认】%s（%s）尚未确认《%s》：%s发出%s。请与本人联系了解情况。\n发送 /reminders 查看全部进度。",
		a.Name, strings.TrimSpace(a.Unit+a.Position), st.Title, s.when(st.SentAt), reminded(st.Reminders)))
	return s.recordSent(ctx, job, ganwei.JobResult{Expect: ganwei.StepSent, EscalatedAt: now})
}

// digestTTL keeps the once-per-day mark past the day it is for.
const digestTTL = 48 * time.Hour

// digest sends HR the list of steps overdue for acknowledgement, once per working day in working
// hours (from the sequence's send time), from whichever replica gets there first.
func (s *Service) digest(ctx context.Context, now time.Time, seq *sequence.Sequence) error {
	local := now.In(s.Calendar.Location)
	date := local.Format(time.DateOnly)
	if !s.workingTime(local, seq) {
		return nil // a bot back in the evening leaves the digest to the next working morning
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
	list, err := s.Queue.Appointments(ctx)
	if err != nil {
		return err
	}
	recipients, err := s.hrUsers(ctx)
	if err != nil {
		return err
	}
	// Each HR user gets the lines of the units they look after, in one message.
	for _, r := range recipients {
		text := s.digestText(list, now, r.looksAfter)
		if text == "" {
			continue
		}
		if _, err := s.Messenger.Send(ganwei.ToPerson(ctx), r.id, text, nil); err != nil {
			s.Logger.Warn("send reminder digest", "person_id", r.id, "err", err)
		}
	}
	return nil
}

// Overdue reports whether a step waits for an acknowledgement longer than its first reminder
// interval: it has been reminded or escalated and is still unacknowledged.
func Overdue(a *ganwei.Appointment, st *ganwei.StepState) bool {
	return a.Status != ganwei.AppointmentCancelled && st.NeedsAck && st.Status == ganwei.StepSent &&
		(st.Reminders > 0 || !st.Escalated.IsZero())
}

// DigestText is the daily digest for someone who looks after every unit, or "" when nothing is
// overdue.
func (s *Service) DigestText(ctx context.Context, now time.Time) (string, error) {
	s.init()
	list, err := s.Queue.Appointments(ctx)
	if err != nil {
		return "", err
	}
	return s.digestText(list, now, func(string) bool { return true }), nil
}

// digestText lists the overdue and undeliverable steps of the units looksAfter accepts.
func (s *Service) digestText(list []*ganwei.Appointment, now time.Time, looksAfter func(unit string) bool) string {
	var b strings.Builder
	n := 0
	for _, a := range list {
		if !looksAfter(a.Unit) {
			continue
		}
		for _, st := range a.Steps {
			if !Overdue(a, st) && !(st.Status == ganwei.StepFailed && a.Status != ganwei.AppointmentCancelled) {
				continue
			}
			n++
			if st.Status == ganwei.StepFailed {
				fmt.Fprintf(&b, "%d. %s（%s）《%s》无法送达\n", n, a.Name, strings.TrimSpace(a.Unit+a.Position), st.Title)
				continue
			}
			waited := "至今"
			if days := int(now.Sub(st.SentAt).Hours() / 24); days > 0 {
				waited = fmt.Sprintf("已 %d 天", days)
			}
			fmt.Fprintf(&b, "%d. %s（%s）《%s》：%s发出，%s未确认%s\n", n, a.Name, strings.TrimSpace(a.Unit+a.Position), st.Title, s.when(st.SentAt), waited, reminded(st.Reminders))
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("【四项清单·每日提醒】以下 %d 项尚未确认或无法送达：\n%s\n发送 /reminders 查看全部进度。", n, b.String())
}

// reminded is 「，已提醒 n 次」 for a step reminded n times, and nothing for one that was not (a
// step escalated without reminders).
func reminded(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("，已提醒 %d 次", n)
}
