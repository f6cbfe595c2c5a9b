package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
)

// auditLimit is how many of the newest entries a filter (person, action, date) and the export
// search; without a filter the page reads just its 50 entries, anywhere in the log.
const auditLimit = 500

// auditActions are the actions as the page says them (谁 在何时 查看了 谁 的什么).
var auditActions = []struct{ Key, Label string }{
	{ganwei.AuditViewCase, "查看了跟进事项及本人答卷"},
	{ganwei.AuditListCases, "查看了跟进事项名单"},
	{ganwei.AuditViewSummary, "查看了汇总统计"},
	{ganwei.AuditExportAggregates, "导出了汇总统计"},
	{ganwei.AuditExportIndividual, "导出了个人明细"},
	{ganwei.AuditRemindNow, "请敢为助手立即提醒"},
	{ganwei.AuditInviteMany, "按花名册批量生成了邀请码"},
	{ganwei.AuditExportInvites, "下载了本人生成的邀请码"},
	{ganwei.AuditSetScope, "调整了负责单位"},
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
	Detail  string // what else the entry says, readably (how many, which step, which units)
	Repeat  string // "共 3 次，最后 10:02" for coalesced views
}

type auditData struct {
	Rows    []auditRow
	Actions []struct{ Key, Label string }
	Action  string
	Person  string
	Date    string
	Pager   pager
}

// auditLog is the 审计 page, for admins (the service refuses others): readable sentences,
// filtered by person, action and date.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	d, err := s.auditRows(r, true)
	if err != nil {
		s.fail(w, r, "audit log", err)
		return
	}
	s.render(w, r, http.StatusOK, "audit", "审计", "audit", d)
}

// auditRows reads the newest entries through Staff.AuditLog and keeps those the filters match.
// The people it names are looked up together, once each (namesOf).
//
// paged keeps one page of pageSize rows (the page; the export takes all): without a person to
// look for, only that page's entries are named and rendered.
func (s *Server) auditRows(r *http.Request, paged bool) (*auditData, error) {
	ctx := r.Context()
	q := r.URL.Query()
	d := auditData{Actions: auditActions, Action: q.Get("action"), Person: strings.TrimSpace(q.Get("person")), Date: q.Get("date")}
	if paged && d.Action == "" && d.Person == "" && d.Date == "" {
		// Unfiltered: read only the page asked for, anywhere in the log.
		from := (requestedPage(r) - 1) * pageSize
		list, total, err := s.Staff.AuditLogPage(ctx, from, pageSize)
		if err != nil {
			return nil, err
		}
		if d.Pager = pageOf(r, "/console/audit", total); d.Pager.From != from { // past the end: the last page
			if list, _, err = s.Staff.AuditLogPage(ctx, d.Pager.From, pageSize); err != nil {
				return nil, err
			}
		}
		d.Rows = s.auditLines(ctx, list)
		return &d, nil
	}
	list, err := s.Staff.AuditLog(ctx, auditLimit)
	if err != nil {
		return nil, err
	}
	var kept []*ganwei.AuditEntry
	for _, e := range list {
		if d.Action != "" && e.Action != d.Action {
			continue
		}
		if d.Date != "" && e.At.In(s.Location).Format("2006-01-02") != d.Date {
			continue
		}
		kept = append(kept, e)
	}
	if paged && d.Person == "" {
		d.Pager = pageOf(r, "/console/audit", len(kept))
		kept = kept[d.Pager.From:d.Pager.To]
	}
	for _, row := range s.auditLines(ctx, kept) {
		if d.Person != "" && !strings.Contains(row.Who, d.Person) && strconv.FormatInt(row.Entry.Actor, 10) != d.Person {
			continue
		}
		d.Rows = append(d.Rows, row)
	}
	if paged && d.Person != "" {
		d.Pager = pageOf(r, "/console/audit", len(d.Rows))
		d.Rows = d.Rows[d.Pager.From:d.Pager.To]
	}
	return &d, nil
}

// auditLines turns entries into readable rows, naming everyone they mention (namesOf).
func (s *Server) auditLines(ctx context.Context, entries []*ganwei.AuditEntry) []auditRow {
	rows := make([]auditRow, 0, len(entries))
	names := s.namesOf(ctx, entries)
	who := func(id int64) string {
		n, ok := names[id]
		if !ok {
			n = s.who(ctx, id)
			names[id] = n
		}
		return n
	}
	for _, e := range entries {
		row := auditRow{Entry: e, What: auditLabel(e.Action), Periods: strings.Join(e.Periods, "、")}
		if e.Actor == 0 {
			row.Who = "命令行（" + e.Operator + "）"
		} else {
			row.Who = who(e.Actor)
		}
		if e.Subject != 0 && e.Action != ganwei.AuditRemindNow { // a reminded leader is named in Detail
			row.Subject = who(e.Subject)
		}
		if e.Subject == 0 && strings.HasPrefix(e.Action, "kb_") {
			row.Subject = e.Detail // the entry and version changed
		}
		switch e.Action {
		case ganwei.AuditViewSummary, ganwei.AuditExportAggregates:
			row.Scope = "全体"
			if e.Unit != "" {
				row.Scope = e.Unit
			}
		case ganwei.AuditRemindNow:
			row.Detail = e.Detail
		case ganwei.AuditInviteMany, ganwei.AuditExportInvites:
			row.Detail = "共 " + e.Detail + " 人"
		case ganwei.AuditSetScope:
			row.Detail = "负责单位：" + e.Detail
			if e.Detail == "" {
				row.Detail = "负责单位：全部"
			}
		}
		if e.Count > 1 {
			row.Repeat = fmt.Sprintf("%d 分钟内共 %d 次，最后一次 %s", int(ganwei.CoalesceWindow.Minutes()), e.Count, e.LastAt.In(s.Location).Format("15:04"))
		}
		rows = append(rows, row)
	}

	return rows
}

// usersByID is a store that reads many people in one round trip (redisstore.Store).
type usersByID interface {
	UsersByID(ctx context.Context, ids []int64) ([]*ganwei.User, error)
}

// namesOf looks up at once everyone the entries name (actors and subjects), when the store can;
// who is asked for anyone missing (deleted people, another store).
func (s *Server) namesOf(ctx context.Context, entries []*ganwei.AuditEntry) map[int64]string {
	names := map[int64]string{}
	batch, ok := s.Names.(usersByID)
	if !ok {
		return names
	}
	var ids []int64
	seen := map[int64]bool{0: true}
	for _, e := range entries {
		for _, id := range []int64{e.Actor, e.Subject} {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	users, err := batch.UsersByID(ctx, ids)
	if err != nil {
		s.Logger.Warn("console: look up names for the audit log", "err", err)
		return names
	}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	return names
}
