package console

import (
	"context"
	"net/http"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
)

type caseRow struct {
	Case     *ganwei.Case
	Who      string
	Assignee string
}

type casesData struct {
	Rows     []caseRow
	Total    int
	Status   string
	Unit     string
	Units    []string
	Statuses []ganwei.CaseStatus
	Matched  int
	Pager    pager
}

// activeStatuses are the states of a case still to follow, in the order of the filter.
var activeStatuses = []ganwei.CaseStatus{ganwei.CaseOpen, ganwei.CaseAssigned, ganwei.CaseContacted}

// who names a case's person, or says their data was deleted (as the bot does).
func (s *Server) who(ctx context.Context, id int64) string {
	if id == 0 {
		return "（本人已删除资料）"
	}
	if u, err := s.Names.User(ctx, id); err == nil {
		return u.Name
	}
	return "（未知人员）"
}

// cases is the 跟进事项 list: active cases by status and unit, one page read at a time. Listing
// names people, so the service audits it.
func (s *Server) cases(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	d := casesData{Status: q.Get("status"), Unit: q.Get("unit"), Statuses: activeStatuses}
	f := checkin.CaseFilter{Status: ganwei.CaseStatus(d.Status), Unit: d.Unit}
	page := requestedPage(r)
	res, err := s.Staff.CasesPage(ctx, f, (page-1)*pageSize, pageSize)
	if err != nil {
		s.fail(w, r, "list cases", err)
		return
	}
	d.Pager = pageOf(r, "/console/cases", res.Matched)
	if d.Pager.Page != page { // asked past the end: show the last page
		if res, err = s.Staff.CasesPage(ctx, f, d.Pager.From, pageSize); err != nil {
			s.fail(w, r, "list cases", err)
			return
		}
	}
	d.Total, d.Units, d.Matched = res.Total, res.Units, res.Matched
	// Names are looked up for the rows shown only.
	for _, c := range res.Cases {
		row := caseRow{Case: c, Who: s.who(ctx, c.UserID)}
		if c.Assignee != 0 {
			row.Assignee = s.who(ctx, c.Assignee)
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, http.StatusOK, "cases", "跟进事项", "cases", d)
}
