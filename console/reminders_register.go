package console

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

// registerForm is the form to register one newly appointed leader, with the plan the service
// would follow once it is submitted.
type registerForm struct {
	TelegramID, Name, Unit, Position, Date string
	Preview                                *ganwei.Appointment
	Error                                  string
	// Previewed is the fingerprint of the fields the shown preview was made from: 确认登记 registers
	// only what was previewed, so a field changed after 预览日期 is previewed again first.
	Previewed string
}

func (f *registerForm) fingerprint() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{strings.TrimSpace(f.TelegramID), strings.TrimSpace(f.Name),
		strings.TrimSpace(f.Unit), strings.TrimSpace(f.Position), strings.TrimSpace(f.Date)}, "\x00")))
	return hex.EncodeToString(sum[:8])
}

func (f *registerForm) appointment() (*ganwei.Appointment, error) {
	a := &ganwei.Appointment{Name: strings.TrimSpace(f.Name), Unit: strings.TrimSpace(f.Unit),
		Position: strings.TrimSpace(f.Position), Date: strings.TrimSpace(f.Date)}
	// A leader on 企业微信 is named by account, as /appoint takes it: registering finds the person
	// bound to it, or makes one.
	var err error
	if a.TelegramID, a.Account, err = ganwei.ParseLeader(f.TelegramID); err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// reminderForm shows the empty form.
func (s *Server) reminderForm(w http.ResponseWriter, r *http.Request) {
	if s.Office == nil {
		s.notFound(w, r)
		return
	}
	// Check the role now, so a page that could not be submitted is not offered.
	if _, err := s.Office.Appointments(r.Context()); err != nil {
		s.fail(w, r, "open register form", err)
		return
	}
	f := registerForm{Date: s.Now().In(s.Location).Format("2006-01-02")}
	s.render(w, r, http.StatusOK, "reminder_new", "登记新任职领导", "reminders", &f)
}

// reminderRegister previews (预览) or, when confirmed (确认登记), registers the leader. Nothing is
// stored or sent before the confirmation.
func (s *Server) reminderRegister(w http.ResponseWriter, r *http.Request) {
	if s.Office == nil {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	f := registerForm{TelegramID: r.PostFormValue("telegram_id"), Name: r.PostFormValue("name"),
		Unit: r.PostFormValue("unit"), Position: r.PostFormValue("position"), Date: r.PostFormValue("date")}
	a, err := f.appointment()
	if err == nil && r.PostFormValue("action") == "confirm" && r.PostFormValue("previewed") == f.fingerprint() {
		saved, created, err := s.Office.Appoint(ctx, a)
		if err == nil {
			if !created {
				s.renderMessage(w, r, http.StatusOK, "已登记过", fmt.Sprintf("%s（%s）此前已登记，四项清单提醒照常进行。", saved.Name, saved.Position))
				return
			}
			seeOther(w, r, "/console/reminders")
			return
		}
		if ganwei.ErrorCode(err) != ganwei.EINVALID {
			s.fail(w, r, "register appointment", err)
			return
		}
		f.Error = ganwei.ErrorMessage(err)
	} else if err == nil {
		f.Preview, err = s.Office.Preview(ctx, a)
		f.Previewed = f.fingerprint()
		if err != nil && ganwei.ErrorCode(err) != ganwei.EINVALID {
			s.fail(w, r, "preview appointment", err)
			return
		}
	}
	if err != nil {
		f.Preview, f.Error = nil, ganwei.ErrorMessage(err)
	}
	status := http.StatusOK
	if f.Error != "" {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "reminder_new", "登记新任职领导", "reminders", &f)
}
