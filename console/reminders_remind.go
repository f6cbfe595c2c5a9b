package console

import (
	"fmt"
	"net/http"

	"github.com/ganwei-bot/ganwei"
)

// reminderRemindNow has the leader reminded of one sent, unacknowledged step at once, through
// reminders.Office.RemindNow (HR in scope; refusals for steps where a reminder makes no sense;
// audited).
func (s *Server) reminderRemindNow(w http.ResponseWriter, r *http.Request) {
	if s.Office == nil {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	id, step := r.PathValue("id"), r.PathValue("step")
	err := s.Office.RemindNow(ctx, id, step)
	switch ganwei.ErrorCode(err) {
	case "":
	case ganwei.ECONFLICT:
		s.render(w, r, http.StatusConflict, "message", "没有提醒", "reminders", message{"没有提醒", ganwei.ErrorMessage(err)})
		return
	default:
		s.fail(w, r, "remind now", err)
		return
	}
	text := "已请敢为助手立即提醒对方阅读并确认。"
	if a, err := s.Office.Appointment(ctx, id); err == nil {
		if st := a.Step(step); st != nil {
			text = fmt.Sprintf("已请敢为助手立即提醒%s阅读《%s》并点“已阅知”。", a.Name, st.Title)
		}
	}
	s.render(w, r, http.StatusOK, "message", "已提醒", "reminders", message{"已提醒", text})
}
