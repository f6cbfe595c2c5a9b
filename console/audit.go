package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
)

// auditLimit is how many of the newest entries the page reads before filtering.
const auditLimit = 500

// auditActions are the actions as the page says them (谁 在何时 查看了 谁 的什么).
var auditActions = []struct{ Key, Label string }{
	{ganwei.AuditViewCase, "查看了跟进事项及本人答卷"},
	{ganwei.AuditListCases, "查看了跟进事项名单"},
	{ganwei.AuditViewSummary, "查看了汇总统计"},
	{ganwei.AuditExportAggregates, "导出了汇总统计"},
	{ganwei.AuditExportIndividual, "导出了个人明细"},
	{curation.AuditKBAdd, "新增了知识库条目"},
	{curation.AuditKBEdit, "修改了知识库条目"},
	{curation.AuditKBRetire, "停用了知识库条目"},
	{curation.AuditKBRollback, "回滚了知识库"},
	{curation.AuditKBResolve, "处理了一个未答问题"},
}

func auditLabel(action string) string {
	for _, a := range auditActions {
		if a.Key == action {
			return a.Label
		}
	}
	return action
}

type auditRow struct {
	Entry   *ganwei.AuditEntry
	Who     string
	What    string
	Subject string
	Scope   string
	Periods string
}

type auditData struct {
	Rows    []auditRow
	Actions []struct{ Key, Label string }
	Action  string
	Person  string
	Date    string
}

// auditLog is the 审计 page, for admins (the service refuses others): readable sentences,
// filtered by person, action and date.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	d, err := s.auditRows(r)
	if err != nil {
		s.fail(w, r, "audit log", err)
		return
	}
	s.render(w, r, http.StatusOK, "audit", "审计", "audit", d)
}

// auditRows reads the newest entries through Staff.AuditLog and keeps those the filters match.
func (s *Server) auditRows(r *http.Request) (*auditData, error) {
	ctx := r.Context()
	list, err := s.Staff.AuditLog(ctx, auditLimit)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	d := auditData{Actions: auditActions, Action: q.Get("action"), Person: strings.TrimSpace(q.Get("person")), Date: q.Get("date")}
	for _, e := range list {
		if d.Action != "" && e.Action != d.Action {
			continue
		}
		if d.Date != "" && e.At.In(s.Location).Format("2006-01-02") != d.Date {
			continue
		}
		row := auditRow{Entry: e, What: auditLabel(e.Action), Periods: strings.Join(e.Periods, "、")}
		if e.Actor == 0 {
			row.Who = "命令行（" + e.Operator + "）"
		} else {
			row.Who = s.who(ctx, e.Actor)
		}
		if d.Person != "" && !strings.Contains(row.Who, d.Person) && strconv.FormatInt(e.Actor, 10) != d.Person {
			continue
		}
		if e.Subject != 0 {
			row.Subject = s.who(ctx, e.Subject)
		} else if strings.HasPrefix(e.Action, "kb_") {
			row.Subject = e.Detail // the entry and version changed
		}
		switch {
		case e.Action == ganwei.AuditViewSummary || e.Action == ganwei.AuditExportAggregates:
			row.Scope = "全体"
			if e.Unit != "" {
				row.Scope = e.Unit
			}
		}
		d.Rows = append(d.Rows, row)
	}
	return &d, nil
}
