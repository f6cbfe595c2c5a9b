package console

import (
	"context"
	"net/http"
	"sort"

	"github.com/ganwei-bot/ganwei"
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

// cases is the 跟进事项 list: active cases by status and unit. Listing names people, so the
// service audits it.
func (s *Server) cases(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list, err := s.Staff.Cases(ctx)
	if err != nil {
		s.fail(w, r, "list cases", err)
		return
	}
	q := r.URL.Query()
	d := casesData{Total: len(list), Status: q.Get("status"), Unit: q.Get("unit"), Statuses: activeStatuses}
	var matched []*ganwei.Case
	units := map[string]bool{}
	for _, c := range list {
		if c.Unit != "" && !units[c.Unit] {
			units[c.Unit] = true
			d.Units = append(d.Units, c.Unit)
		}
		if d.Status != "" && string(c.Status) != d.Status || d.Unit != "" && c.Unit != d.Unit {
			continue
		}
		matched = append(matched, c)
	}
	sort.Strings(d.Units)
	d.Matched = len(matched)
	d.Pager = pageOf(r, "/console/cases", len(matched))
	// Names are looked up for the rows shown only.
	for _, c := range matched[d.Pager.From:d.Pager.To] {
		row := caseRow{Case: c, Who: s.who(ctx, c.UserID)}
		if c.Assignee != 0 {
			row.Assignee = s.who(ctx, c.Assignee)
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, http.StatusOK, "cases", "跟进事项", "cases", d)
}
