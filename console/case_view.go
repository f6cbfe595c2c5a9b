package console

import (
	"net/http"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
)

type caseNoteRow struct {
	Note ganwei.CaseNote
	By   string
}

type caseData struct {
	View  *checkin.CaseView
	Who   string
	Notes []caseNoteRow
	Mine  bool
}

// caseView opens one case with the person's answers; the service writes the audit entry first.
func (s *Server) caseView(w http.ResponseWriter, r *http.Request) {
	v, err := s.Staff.ViewCase(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, "view case", err)
		return
	}
	s.renderCase(w, r, v)
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, v *checkin.CaseView) {
	ctx := r.Context()
	d := caseData{View: v, Who: s.who(ctx, v.Case.UserID), Mine: v.Case.Assignee == viewerOf(ctx).User.ID}
	for i := len(v.Case.Notes) - 1; i >= 0; i-- {
		n := v.Case.Notes[i]
		by := "系统"
		if n.By != 0 {
			by = s.who(ctx, n.By)
		}
		d.Notes = append(d.Notes, caseNoteRow{Note: n, By: by})
	}
	s.render(w, r, http.StatusOK, "case", "跟进事项 · "+d.Who, "cases", d)
}
