package reminders

// Reminding a leader at HR's request, and the reminder's wording shared with the schedule.

import (
	"context"
	"fmt"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// RemindNowGap is how soon after one reminder sent at HR's request another may follow: a second
// press (or a second officer) within it is told it was just sent, and the leader is not pestered.
const RemindNowGap = 15 * time.Minute

// reminderText is the reminder of a sent step, the same words whether the schedule or HR sends it.
func (s *Service) reminderText(a *ganwei.Appointment, st *ganwei.StepState, title, body string) string {
	return fmt.Sprintf("【提醒】%s，《%s》于%s发给您，还没有收到您的确认。请抽空阅读，读完后点下方「已阅知」。\n\n%s",
		ganwei.Address(a.Name), title, s.when(st.SentAt), body)
}

// RemindNow sends the reminder of a sent, not yet acknowledged step at once (HR asked for it),
// leaving the automatic reminders' schedule as it was. It refuses (ECONFLICT, in words HR reads)
// a step already acknowledged, undeliverable, not sent yet or not needing acknowledgement, an
// appointment paused or cancelled, and a second request within RemindNowGap; ENOTFOUND for an
// unknown appointment or step.
func (s *Service) RemindNow(ctx context.Context, appointmentID, stepID string) error {
	s.init()
	a, err := s.Queue.Appointment(ctx, appointmentID)
	if err != nil {
		return err
	}
	st := a.Step(stepID)
	if st == nil {
		return ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这一项清单。")
	}
	title := st.Title
	switch {
	case a.Status == ganwei.AppointmentCancelled:
		return ganwei.Errorf(ganwei.ECONFLICT, "这项登记已取消，不再提醒。")
	case a.Status == ganwei.AppointmentPaused:
		return ganwei.Errorf(ganwei.ECONFLICT, "这项登记的提醒已暂停，请先恢复再提醒。")
	case st.Status == ganwei.StepAcknowledged:
		return ganwei.Errorf(ganwei.ECONFLICT, "%s已于%s阅知《%s》，无需再提醒。", a.Name, s.when(st.AckedAt), title)
	case st.Status == ganwei.StepFailed:
		return ganwei.Errorf(ganwei.ECONFLICT, "《%s》无法送达%s，再提醒也收不到。请核对账号，并联系本人打开敢为助手；然后取消这条登记，再重新登记。", title, a.Name)
	case st.Status == ganwei.StepScheduled:
		return ganwei.Errorf(ganwei.ECONFLICT, "《%s》尚未发出（计划 %s），发出后才能提醒。", title, s.when(st.DueAt))
	case !st.NeedsAck:
		return ganwei.Errorf(ganwei.ECONFLICT, "《%s》无需确认阅知，不用提醒。", title)
	}
	def := s.Sequence.Current().Step(st.ID)
	if def == nil {
		return ganwei.Errorf(ganwei.ECONFLICT, "《%s》已不在四项清单的内容里，无法提醒。", title)
	}
	first, err := s.Queue.Once(ctx, "remindnow:"+a.ID+":"+st.ID, RemindNowGap)
	if err != nil {
		return err
	}
	if !first {
		return ganwei.Errorf(ganwei.ECONFLICT, "刚刚已提醒过%s，请过一会儿再试。", a.Name)
	}
	_, err = s.Messenger.Send(ganwei.ToPerson(ctx), a.PersonID, s.reminderText(a, st, def.Title, def.Render(a.Name, a.Position, a.Unit)), AckKeyboard(a.ID, st.ID))
	if Undeliverable(err) {
		return ganwei.Errorf(ganwei.ECONFLICT, "没能发给%s：对方可能屏蔽了敢为助手，或账号有误。", a.Name)
	} else if err != nil {
		return fmt.Errorf("send reminder now: %w", err)
	}
	s.Logger.Info("reminder sent at HR's request", "appointment", a.ID, "step", st.ID)
	return nil
}
