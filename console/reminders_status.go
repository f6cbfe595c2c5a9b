package console

import (
	"net/http"

	"github.com/ganwei-bot/ganwei"
)

// reminderStatus pauses (暂停), resumes (恢复) or, after reminderCancelConfirm, cancels (取消) an
// appointment's reminders through reminders.Office.
func (s *Server) reminderStatus(w http.ResponseWriter, r *http.Request) {
	if s.Office == nil {
		s.notFound(w, r)
		return
	}
	status := ganwei.AppointmentStatus(r.PostFormValue("status"))
	switch status {
	case ganwei.AppointmentActive, ganwei.AppointmentPaused, ganwei.AppointmentCancelled:
	default:
		s.renderMessage(w, r, http.StatusBadRequest, "输入有误", "请选择暂停、恢复或取消。")
		return
	}
	if err := s.Office.SetStatus(r.Context(), r.PathValue("id"), status); err != nil {
		s.fail(w, r, "set appointment status", err)
		return
	}
	seeOther(w, r, "/console/reminders")
}

// reminderCancelConfirm asks before an appointment's remaining reminders are cancelled.
func (s *Server) reminderCancelConfirm(w http.ResponseWriter, r *http.Request) {
	if s.Office == nil {
		s.notFound(w, r)
		return
	}
	a, err := s.Office.Appointment(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, "appointment to cancel", err)
		return
	}
	s.render(w, r, http.StatusOK, "reminder_cancel", "确认取消提醒", "reminders", a)
}
