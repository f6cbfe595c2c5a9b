package console

import (
	"net/http"

	"github.com/ganwei-bot/ganwei"
)

// overviewData is the 总览: each figure links to its page.
type overviewData struct {
	Unit        unitChoice
	Period      ganwei.Period
	Current     *ganwei.Aggregate
	OpenCases   int
	Reminders   bool
	Overdue     int // steps HR was told were not acknowledged in time
	Failed      int // steps that could not be delivered
	Unanswered  int // unanswered questions in the queue
	UnitsPeriod string
	Units       []checkInRow
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	unit := unitParam(r)
	rep, err := s.Staff.Summary(ctx, unit.Unit, 3)
	if err != nil {
		s.fail(w, r, "overview summary", err)
		return
	}
	d := overviewData{Unit: unit, Period: rep.Period, Current: rep.Current, OpenCases: rep.OpenCases, Units: unitRows(rep.Units)}
	if len(rep.Periods) >= 2 {
		d.UnitsPeriod = rep.Periods[len(rep.Periods)-2].ID
	}
	if s.Office != nil {
		d.Reminders = true
		list, err := s.Office.Appointments(ctx)
		if err != nil {
			s.fail(w, r, "overview appointments", err)
			return
		}
		for _, a := range list {
			if a.Status == ganwei.AppointmentCancelled {
				continue
			}
			for _, st := range a.Steps {
				switch {
				case st.Status == ganwei.StepFailed:
					d.Failed++
				case st.Status == ganwei.StepSent && !st.Escalated.IsZero():
					d.Overdue++
				}
			}
		}
	}
	if s.Curation != nil {
		_, total, err := s.Curation.Unanswered(ctx, 1)
		if err != nil {
			s.fail(w, r, "overview unanswered", err)
			return
		}
		d.Unanswered = total
	}
	s.render(w, r, http.StatusOK, "overview", "总览", "overview", d)
}
