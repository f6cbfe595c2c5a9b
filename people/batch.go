package people

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ganwei-bot/ganwei"
)

// MaxBatch is the most invites one InviteMany issues (a 花名册 sheet of a district's unit).
const MaxBatch = 500

// CheckInvite answers whether Invite would accept inv from the actor, creating nothing: the
// preview of a 花名册 sheet shows each row's answer before anything is issued.
func (s *Service) CheckInvite(ctx context.Context, inv *ganwei.Invite) error {
	u, err := s.authorizer().Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return err
	}
	return checkInvite(u, inv)
}

func checkInvite(u *ganwei.User, inv *ganwei.Invite) error {
	if inv.PersonID != 0 {
		// A code naming an existing person binds whoever redeems it to that person: only
		// LinkCode makes one, for the actor themselves.
		return ganwei.Errorf(ganwei.EINVALID, "邀请码只能为新绑定的人员生成；绑定另一个渠道的账号请本人发送 /link。")
	}
	if err := inv.Validate(); err != nil {
		return err
	}
	if inv.Role.IsStaff() && u.Role != ganwei.RoleAdmin {
		return ganwei.Errorf(ganwei.EFORBIDDEN, "%s", msgStaffInviteAdminOnly)
	}
	if !u.Covers(inv.Unit) {
		return ganwei.ErrOutOfScope(u)
	}
	return nil
}

// InviteMany issues one code per invite, under the same rules as Invite, and returns them in
// order. Every invite is checked before the first code is issued (EINVALID naming the first bad
// one, by its position from 1), and the batch is written to the audit log as one entry. On a
// storage error part-way it returns the codes issued so far with the error.
func (s *Service) InviteMany(ctx context.Context, invs []*ganwei.Invite) ([]string, error) {
	u, err := s.authorizer().Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return nil, err
	}
	if len(invs) == 0 || len(invs) > MaxBatch {
		return nil, ganwei.Errorf(ganwei.EINVALID, "一次可以邀请 1 到 %d 人。", MaxBatch)
	}
	for i, inv := range invs {
		if err := checkInvite(u, inv); err != nil {
			return nil, ganwei.Errorf(ganwei.ErrorCode(err), "第 %d 位（%s）：%s", i+1, inv.Name, ganwei.ErrorMessage(err))
		}
	}
	if err := s.audit(ctx, ganwei.AuditEntry{Action: ganwei.AuditInviteMany, Detail: strconv.Itoa(len(invs))}); err != nil {
		return nil, err
	}
	codes := make([]string, 0, len(invs))
	for _, inv := range invs {
		inv.CreatedBy = u.ID
		if inv.ExpiresAt.IsZero() {
			inv.ExpiresAt = s.now().Add(ganwei.DefaultInviteTTL)
		}
		code, err := s.Users.CreateInvite(ctx, inv)
		if err != nil {
			return codes, fmt.Errorf("create invite %d of %d: %w", len(codes)+1, len(invs), err)
		}
		codes = append(codes, code)
	}
	return codes, nil
}

// ExportInvites records that the actor is downloading n invite codes they issued: the front end
// calls it before it hands out the file, and hands nothing out when it fails.
func (s *Service) ExportInvites(ctx context.Context, n int) error {
	if _, err := s.authorizer().Authorize(ctx, ganwei.RoleHR); err != nil {
		return err
	}
	return s.audit(ctx, ganwei.AuditEntry{Action: ganwei.AuditExportInvites, Detail: strconv.Itoa(n)})
}

func (s *Service) audit(ctx context.Context, e ganwei.AuditEntry) error {
	if s.Audit == nil {
		return fmt.Errorf("people: no audit log configured")
	}
	a, _ := ganwei.ActorFromContext(ctx)
	e.Actor, e.Operator = a.ID, a.Operator
	if err := s.Audit.Audit(ctx, &e); err != nil {
		return fmt.Errorf("write audit log (nothing done): %w", err)
	}
	return nil
}

// MaxScopeUnits is how many units one HR officer's scope may list.
const MaxScopeUnits = 30

// ParseScope reads the units of a scope typed as a list ("七都镇、震泽镇", commas, spaces or
// lines between): trimmed, without repeats, each a unit name of a valid length.
func ParseScope(text string) ([]string, error) {
	fields := strings.FieldsFunc(text, func(r rune) bool {
		return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == '\n' || r == '\r' || r == ' ' || r == '\t' || r == '　'
	})
	var units []string
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f] {
			continue
		}
		if utf8.RuneCountInString(f) > ganwei.MaxUnitLen {
			return nil, ganwei.Errorf(ganwei.EINVALID, "单位名称不能超过 %d 个字：%s", ganwei.MaxUnitLen, f)
		}
		seen[f] = true
		units = append(units, f)
	}
	if len(units) > MaxScopeUnits {
		return nil, ganwei.Errorf(ganwei.EINVALID, "负责单位最多 %d 个。", MaxScopeUnits)
	}
	return units, nil
}
