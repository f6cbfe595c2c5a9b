package console

import (
	"net/http"

	"github.com/ganwei-bot/ganwei"
)

// boardCell is one step of one appointment on the board.
type boardCell struct {
	Step  *ganwei.StepState
	Class string // sent, acknowledged, overdue, failed, scheduled
	Label string
	// Remind offers 立即提醒: a sent step awaiting acknowledgement of a running appointment
	// (reminders.Office.RemindNow decides again).
	Remind bool
	// Stopped is a step that will not go out (its registration is cancelled or paused): no
	// due date is shown, since it is not the date it will be sent.
	Stopped       bool
	AppointmentID string
	Name          string
}

type boardRow struct {
	Appointment *ganwei.Appointment
	Cells       []boardCell
}

type boardData struct {
	Titles []string // step titles of the widest sequence, for the header
	Rows   []boardRow
}

// cellOf classifies a step as the board shows it: overdue is a sent step HR was already told had
// not been acknowledged in time (the scheduler's escalation decides; the page does not re-count).
func cellOf(a *ganwei.Appointment, st *ganwei.StepState) boardCell {
	c := boardCell{Step: st, Class: string(st.Status), Label: a.StepLabel(st), AppointmentID: a.ID, Name: a.Name,
		Remind: a.Status == ganwei.AppointmentActive && st.Status == ganwei.StepSent && st.NeedsAck}
	if st.Status == ganwei.StepScheduled && a.Status != ganwei.AppointmentActive {
		c.Class, c.Stopped = "stopped", true
	}
	if st.Status == ganwei.StepSent && !st.Escalated.IsZero() {
		c.Class, c.Label = "overdue", "逾期未阅知"
	}
	return c
}

// reminderBoard is the 四项清单 board: every appointment × step.
func (s *Server) reminderBoard(w http.ResponseWriter, r *http.Request) {
	if s.Office == nil {
		s.notFound(w, r)
		return
	}
	list, err := s.Office.Appointments(r.Context())
	if err != nil {
		s.fail(w, r, "list appointments", err)
		return
	}
	var d boardData
	for _, a := range list {
		row := boardRow{Appointment: a}
		for i, st := range a.Steps {
			row.Cells = append(row.Cells, cellOf(a, st))
			if i >= len(d.Titles) {
				title := st.Title
				if title == "" {
					title = st.ID
				}
				d.Titles = append(d.Titles, title)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, http.StatusOK, "reminders", "四项清单", "reminders", d)
}
