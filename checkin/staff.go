package checkin

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Staff is what HR and admins do with the check-ins: summaries, follow-up cases, exports, pauses
// and the audit log. It is the one place that decides who may do it and what is audited: every
// method takes the actor and reads the actor's current role from the store (a role revoked a
// second ago counts, whatever a dialog or a menu opened earlier assumed), and every front end (the
// bot, the command line, later the web console) goes through it.
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

// Messages of refusals, as the person reads them.
const (
	msgStaffOnly = "抱歉，这个功能仅对组织部工作人员开放。"
	msgAdminOnly = "抱歉，这个功能仅对管理员开放。"
)

// Authorize returns the actor as the store knows them now, or EFORBIDDEN when their current
// role is below min. A command-line operator holds REDIS_URL and so every right.
func (s *Staff) Authorize(ctx context.Context, actor ganwei.Actor, min ganwei.Role) (*ganwei.User, error) {
	if actor.CommandLine() {
		return &ganwei.User{Name: actor.Operator, Role: ganwei.RoleAdmin}, nil
	}
	u, err := s.Users.User(ctx, actor.ID)
	switch ganwei.ErrorCode(err) {
	case "":
	case ganwei.ENOTFOUND:
		u = &ganwei.User{ID: actor.ID}
	default:
		return nil, fmt.Errorf("authorize: %w", err)
	}
	if s.AdminIDs[actor.ID] {
		u.Role = ganwei.RoleAdmin
	}
	if !u.Role.AtLeast(min) {
		if min == ganwei.RoleAdmin {
			return nil, ganwei.Errorf(ganwei.EFORBIDDEN, msgAdminOnly)
		}
		return nil, ganwei.Errorf(ganwei.EFORBIDDEN, msgStaffOnly)
	}
	return u, nil
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
func (s *Staff) Summary(ctx context.Context, actor ganwei.Actor, unit string, n int) (*Report, error) {
	if _, err := s.Authorize(ctx, actor, ganwei.RoleHR); err != nil {
		return nil, err
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
func (s *Staff) Cases(ctx context.Context, actor ganwei.Actor) ([]*ganwei.Case, error) {
	if _, err := s.Authorize(ctx, actor, ganwei.RoleHR); err != nil {
		return nil, err
	}
	list, err := s.CheckIns.Cases(ctx, true)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		if err := s.audit(ctx, actor, ganwei.AuditEntry{Action: ganwei.AuditListCases, Detail: fmt.Sprintf("%d", len(list))}); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// CaseView is one case with the person's answer for its period (nil when deleted or expired).
type CaseView struct {
	Case   *ganwei.Case
	Answer *ganwei.CheckIn
}

// ViewCase shows one case with the person's answer, for HR; audited before it is returned.
func (s *Staff) ViewCase(ctx context.Context, actor ganwei.Actor, id string) (*CaseView, error) {
	if _, err := s.Authorize(ctx, actor, ganwei.RoleHR); err != nil {
		return nil, err
	}
	c, err := s.CheckIns.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, actor, c)
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
func (s *Staff) UpdateCase(ctx context.Context, actor ganwei.Actor, id string, status ganwei.CaseStatus, note string) (*CaseView, error) {
	if _, err := s.Authorize(ctx, actor, ganwei.RoleHR); err != nil {
		return nil, err
	}
	if status == "" {
		c, err := s.CheckIns.Case(ctx, id)
		if err != nil {
			return nil, err
		}
		status = c.Status
	}
	c, err := s.CheckIns.UpdateCase(ctx, id, status, actor.ID, note)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, actor, c)
}

// ReopenCase puts a closed case back to 待跟进, for HR, with a note naming who reopened it, and
// returns it as it now is (an audited view).
func (s *Staff) ReopenCase(ctx context.Context, actor ganwei.Actor, id string) (*CaseView, error) {
	u, err := s.Authorize(ctx, actor, ganwei.RoleHR)
	if err != nil {
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
func (s *Staff) Export(ctx context.Context, actor ganwei.Actor, w io.Writer, o ExportOptions) error {
	min := ganwei.RoleHR
	if o.Individual {
		min = ganwei.RoleAdmin
	}
	if _, err := s.Authorize(ctx, actor, min); err != nil {
		return err
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
func (s *Staff) SetPaused(ctx context.Context, actor ganwei.Actor, userID int64, unit string, paused bool) error {
	if _, err := s.Authorize(ctx, actor, ganwei.RoleHR); err != nil {
		return err
	}
	if paused {
		// A typo would otherwise pause nobody while HR believes the person is left alone.
		// Resuming is not checked, so that a pause of someone since deleted can be lifted.
		if err := s.checkPauseTarget(ctx, userID, unit); err != nil {
			return err
		}
	}
	return s.CheckIns.SetPaused(ctx, userID, unit, paused)
}

// checkPauseTarget returns ENOTFOUND unless a registered person has the id, or the unit.
func (s *Staff) checkPauseTarget(ctx context.Context, userID int64, unit string) error {
	if userID > 0 {
		_, err := s.Users.User(ctx, userID)
		if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
			return ganwei.Errorf(ganwei.ENOTFOUND, "没有找到 Telegram ID 为 %d 的已登记人员，请核对后再试。", userID)
		}
		return err
	}
	users, err := s.Users.Users(ctx)
	if err != nil {
		return err
	}
	var units []string
	for _, u := range users {
		if u.Unit == unit {
			return nil
		}
		if u.Unit != "" && !slices.Contains(units, u.Unit) {
			units = append(units, u.Unit)
		}
	}
	slices.Sort(units)
	return ganwei.Errorf(ganwei.ENOTFOUND, "没有找到单位「%s」。已登记的单位：%s。", unit, strings.Join(units, "、"))
}

// Paused lists the paused people and units, for HR.
func (s *Staff) Paused(ctx context.Context, actor ganwei.Actor) (map[int64]bool, map[string]bool, error) {
	if _, err := s.Authorize(ctx, actor, ganwei.RoleHR); err != nil {
		return nil, nil, err
	}
	return s.CheckIns.Paused(ctx)
}

// AuditLog returns the newest audit entries, for admins.
func (s *Staff) AuditLog(ctx context.Context, actor ganwei.Actor, limit int) ([]*ganwei.AuditEntry, error) {
	if _, err := s.Authorize(ctx, actor, ganwei.RoleAdmin); err != nil {
		return nil, err
	}
	return s.CheckIns.AuditLog(ctx, limit)
}
