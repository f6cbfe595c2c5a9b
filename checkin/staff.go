package checkin

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Staff is what HR and admins do with the check-ins: summaries, follow-up cases, exports, pauses
// and the audit log. It is the one place that decides who may do it and what is audited: every
// method takes the actor from the context (ganwei.ActorFromContext) and reads their current role
// from the store (a role revoked a second ago counts, whatever a dialog or a menu opened earlier
// assumed), and every front end (the bot, the command line, later the web console) goes through
// it.
type Staff struct {
	Users    ganwei.UserService
	CheckIns ganwei.CheckInService
	Periods  ganwei.PeriodCalendar
	// AdminIDs are administrators whatever the store says (GANWEI_ADMIN_IDS).
	AdminIDs map[int64]bool
	// Now is the clock.
	Now func() time.Time
	// Location is the time zone of times in exports (GANWEI_TIMEZONE).
	Location *time.Location
}

// FollowUpWorkingDays is the promise made to a cadre who asked to talk: HR contacts them within
// this many working days. HR's case list counts against the same figure.
const FollowUpWorkingDays = 3

// Authorize returns the context's actor as the store knows them now, or EFORBIDDEN when there
// is none or their current role is below min. A command-line operator holds REDIS_URL and so
// every right.
func (s *Staff) Authorize(ctx context.Context, min ganwei.Role) (*ganwei.User, error) {
	return ganwei.Authorizer{Users: s.Users, AdminIDs: s.AdminIDs}.Authorize(ctx, min)
}

// actorOf is the context's actor; the methods call it after Authorize has found one.
func actorOf(ctx context.Context) ganwei.Actor {
	a, _ := ganwei.ActorFromContext(ctx)
	return a
}

func (s *Staff) audit(ctx context.Context, actor ganwei.Actor, e ganwei.AuditEntry) error {
	e.Actor, e.Operator = actor.ID, actor.Operator
	if err := s.CheckIns.Audit(ctx, &e); err != nil {
		return fmt.Errorf("write audit log (nothing shown): %w", err)
	}
	return nil
}

// Summary is the report for unit ("" = everyone) over the n most recent periods, for HR. The view
// is written to the audit log (who, which unit, which periods) before it is returned.
func (s *Staff) Summary(ctx context.Context, unit string, n int) (*Report, error) {
	actor := actorOf(ctx)
	u, err := s.Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return nil, err
	}
	if unit == "" && u.Scoped() {
		// Everyone's figures span units beyond the officer's: they see their unit's instead.
		if len(u.Scope) > 1 {
			return nil, ganwei.Errorf(ganwei.EINVALID, "请指定单位，例如 /summary %s（您负责：%s）。", u.Scope[0], strings.Join(u.Scope, "、"))
		}
		unit = u.Scope[0]
	}
	if !u.Covers(unit) {
		return nil, ganwei.ErrOutOfScope(u)
	}
	if unit != "" && !actor.CommandLine() {
		// A typo would otherwise show an empty summary as if nobody there had answered. A
		// script (the command line) may ask about a unit nobody is registered in yet.
		if err := s.checkUnit(ctx, u, unit); err != nil {
			return nil, err
		}
	}
	rep, err := Summarize(ctx, s.CheckIns, s.Periods, s.Now(), unit, n)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, actor, ganwei.AuditEntry{Action: ganwei.AuditViewSummary, Unit: unit, Periods: IDs(rep.Periods)}); err != nil {
		return nil, err
	}
	return rep, nil
}

// Cases lists the active follow-up cases, for HR; the listing names people, so it is audited.
func (s *Staff) Cases(ctx context.Context) ([]*ganwei.Case, error) {
	actor := actorOf(ctx)
	u, err := s.Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return nil, err
	}
	all, err := s.CheckIns.Cases(ctx, true)
	if err != nil {
		return nil, err
	}
	var list []*ganwei.Case
	for _, c := range all {
		if u.Covers(c.Unit) {
			list = append(list, c)
		}
	}
	if len(list) > 0 {
		if err := s.audit(ctx, actor, ganwei.AuditEntry{Action: ganwei.AuditListCases, Detail: fmt.Sprintf("%d", len(list))}); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// CaseFilter narrows a case list: "" matches any status or unit.
type CaseFilter struct {
	Status ganwei.CaseStatus
	Unit   string
}

// CasePage is one page of the active cases the officer covers.
type CasePage struct {
	Cases   []*ganwei.Case // the page, in Cases' order
	Total   int            // active cases the officer covers
	Matched int            // of those, how many the filter matches
	Units   []string       // units with an active case the officer covers, sorted
}

// CasesPage is one page of the active cases the officer covers that match f, for HR: the same
// rule and audit entry as Cases, reading in full only the cases on the page.
func (s *Staff) CasesPage(ctx context.Context, f CaseFilter, offset, limit int) (*CasePage, error) {
	actor := actorOf(ctx)
	u, err := s.Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return nil, err
	}
	heads, err := s.CheckIns.ActiveCaseHeads(ctx)
	if err != nil {
		return nil, err
	}
	page := &CasePage{}
	units := map[string]bool{}
	var ids []string
	for _, h := range heads {
		if !u.Covers(h.Unit) {
			continue
		}
		page.Total++
		if h.Unit != "" && !units[h.Unit] {
			units[h.Unit] = true
			page.Units = append(page.Units, h.Unit)
		}
		if f.Status != "" && h.Status != f.Status || f.Unit != "" && h.Unit != f.Unit {
			continue
		}
		ids = append(ids, h.ID)
	}
	sort.Strings(page.Units)
	page.Matched = len(ids)
	from := min(max(offset, 0), len(ids))
	if page.Cases, err = s.CheckIns.CasesByID(ctx, ids[from:min(from+max(limit, 0), len(ids))]); err != nil {
		return nil, err
	}
	if page.Total > 0 {
		if err := s.audit(ctx, actor, ganwei.AuditEntry{Action: ganwei.AuditListCases, Detail: fmt.Sprintf("%d", page.Total)}); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// CaseView is one case with the person's answer for its period (nil when deleted or expired).
type CaseView struct {
	Case   *ganwei.Case
	Answer *ganwei.CheckIn
}

// ViewCase shows one case with the person's answer, for HR; audited before it is returned.
func (s *Staff) ViewCase(ctx context.Context, id string) (*CaseView, error) {
	actor := actorOf(ctx)
	u, err := s.Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return nil, err
	}
	c, err := s.caseInScope(ctx, u, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, actor, c)
}

// caseInScope reads a case the officer covers; another unit's case is as if there were none.
func (s *Staff) caseInScope(ctx context.Context, u *ganwei.User, id string) (*ganwei.Case, error) {
	c, err := s.CheckIns.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if !u.Covers(c.Unit) {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这项跟进事项")
	}
	return c, nil
}

func (s *Staff) view(ctx context.Context, actor ganwei.Actor, c *ganwei.Case) (*CaseView, error) {
	if err := s.audit(ctx, actor, ganwei.AuditEntry{Action: ganwei.AuditViewCase, Subject: c.UserID, Periods: []string{c.Period}, Detail: c.ID}); err != nil {
		return nil, err
	}
	v := &CaseView{Case: c}
	if c.UserID != 0 {
		if ans, err := s.CheckIns.CheckIn(ctx, c.UserID, c.Period); err == nil {
			v.Answer = ans
		} else if ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
			return nil, err
		}
	}
	return v, nil
}

// UpdateCase moves a case to status with an optional note ("" status keeps it, to add a note),
// for HR, and returns the case as it now is (an audited view).
func (s *Staff) UpdateCase(ctx context.Context, id string, status ganwei.CaseStatus, note string) (*CaseView, error) {
	actor := actorOf(ctx)
	u, err := s.Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return nil, err
	}
	cur, err := s.caseInScope(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if status == "" {
		status = cur.Status
	}
	c, err := s.CheckIns.UpdateCase(ctx, id, status, actor.ID, note)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, actor, c)
}

// ReopenCase puts a closed case back to 待跟进, for HR, with a note naming who reopened it, and
// returns it as it now is (an audited view).
func (s *Staff) ReopenCase(ctx context.Context, id string) (*CaseView, error) {
	actor := actorOf(ctx)
	u, err := s.Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return nil, err
	}
	if _, err := s.caseInScope(ctx, u, id); err != nil {
		return nil, err
	}
	c, err := s.CheckIns.ReopenCase(ctx, id, actor.ID, "由"+u.Name+"重新打开")
	if err != nil {
		return nil, err
	}
	return s.view(ctx, actor, c)
}

// Export writes check-in data to w, for HR; one row per answer (o.Individual) for admins only.
// The export is written to the audit log first.
func (s *Staff) Export(ctx context.Context, w io.Writer, o ExportOptions) error {
	actor := actorOf(ctx)
	min := ganwei.RoleHR
	if o.Individual {
		min = ganwei.RoleAdmin
	}
	u, err := s.Authorize(ctx, min)
	if err != nil {
		return err
	}
	if u.Scoped() {
		// The workbook holds every unit's figures; a per-unit export is not built yet.
		return ganwei.Errorf(ganwei.EFORBIDDEN, "导出包含全区各单位的数据，只对负责全区的组织部工作人员开放。")
	}
	action := ganwei.AuditExportAggregates
	if o.Individual {
		action = ganwei.AuditExportIndividual
	}
	if err := s.audit(ctx, actor, ganwei.AuditEntry{Action: action, Periods: IDs(o.Periods), Detail: o.Format}); err != nil {
		return err
	}
	o.Service, o.Users, o.Now = s.CheckIns, s.Users, s.Now()
	if o.Location == nil {
		o.Location = s.Location
	}
	return Export(ctx, w, o)
}

// SetPaused pauses (or resumes) prompts for a person (userID) or a unit, for HR.
func (s *Staff) SetPaused(ctx context.Context, userID int64, unit string, paused bool) error {
	officer, err := s.Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return err
	}
	if userID > 0 {
		// A typo would otherwise pause nobody while HR believes the person is left alone; a
		// person since deleted may still be resumed, so that their pause can be lifted.
		p, err := s.Users.User(ctx, userID)
		switch {
		case ganwei.ErrorCode(err) == ganwei.ENOTFOUND && !paused:
			return s.CheckIns.SetPaused(ctx, userID, unit, paused)
		case ganwei.ErrorCode(err) == ganwei.ENOTFOUND:
			return ganwei.Errorf(ganwei.ENOTFOUND, "没有找到编号为 %d 的已登记人员，请核对后再试。", userID)
		case err != nil:
			return err
		case !officer.Covers(p.Unit):
			return ganwei.ErrOutOfScope(officer)
		}
		return s.CheckIns.SetPaused(ctx, userID, unit, paused)
	}
	if !officer.Covers(unit) {
		return ganwei.ErrOutOfScope(officer)
	}
	if paused {
		if err := s.checkUnit(ctx, officer, unit); err != nil {
			return err
		}
	}
	return s.CheckIns.SetPaused(ctx, userID, unit, paused)
}

// checkUnit returns ENOTFOUND unless a registered person belongs to unit. The refusal lists the
// units the officer may name, so that they can correct a typo; only those, since the list of
// other units is none of a unit-scoped officer's business.
func (s *Staff) checkUnit(ctx context.Context, officer *ganwei.User, unit string) error {
	users, err := s.Users.Users(ctx)
	if err != nil {
		return err
	}
	var units []string
	for _, u := range users {
		if u.Unit == unit {
			return nil
		}
		if u.Unit != "" && officer.Covers(u.Unit) && !slices.Contains(units, u.Unit) {
			units = append(units, u.Unit)
		}
	}
	slices.Sort(units)
	return ganwei.Errorf(ganwei.ENOTFOUND, "没有找到单位「%s」。已登记的单位：%s。", unit, strings.Join(units, "、"))
}

// Paused lists the paused people and units, for HR.
func (s *Staff) Paused(ctx context.Context) (map[int64]bool, map[string]bool, error) {
	if _, err := s.Authorize(ctx, ganwei.RoleHR); err != nil {
		return nil, nil, err
	}
	return s.CheckIns.Paused(ctx)
}

// AuditLogPage returns limit audit entries from offset (0 = the newest) and how many there are,
// for admins.
func (s *Staff) AuditLogPage(ctx context.Context, offset, limit int) ([]*ganwei.AuditEntry, int, error) {
	if _, err := s.Authorize(ctx, ganwei.RoleAdmin); err != nil {
		return nil, 0, err
	}
	return s.CheckIns.AuditLogPage(ctx, offset, limit)
}

// AuditLog returns the newest audit entries, for admins.
func (s *Staff) AuditLog(ctx context.Context, limit int) ([]*ganwei.AuditEntry, error) {
	if _, err := s.Authorize(ctx, ganwei.RoleAdmin); err != nil {
		return nil, err
	}
	return s.CheckIns.AuditLog(ctx, limit)
}
