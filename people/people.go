// Package people holds the use cases of who is who: issuing invite codes, listing the bound
// people and changing roles. Each method takes the actor from the context
// (ganwei.ActorFromContext), decides with the actor's current role whether they may, and returns
// a ganwei error code (EFORBIDDEN, ENOTFOUND, EINVALID…) whose message a front end shows as it
// is. The Telegram bot, the command line and later the web console all go through it.
package people

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Service implements the use cases on a UserService.
type Service struct {
	Users ganwei.UserService
	// AdminIDs are administrators whatever the store says (GANWEI_ADMIN_IDS).
	AdminIDs map[int64]bool
	// Now is the clock.
	Now func() time.Time
	// Audit records invites issued in bulk, their download and scope changes; required for those.
	Audit ganwei.AuditTrail
}

// Refusals and answers, as the person reads them.
const (
	msgStaffInviteAdminOnly = "只有管理员可以发放组织部或管理员权限的邀请码。"
	msgOwnRole              = "不能调整自己的角色，请由另一位管理员操作。"
	msgNoSuchUser           = "没有找到 ID 为 %d 的用户。发送 /users 查看已绑定的人。"
)

func (s *Service) authorizer() ganwei.Authorizer {
	return ganwei.Authorizer{Users: s.Users, AdminIDs: s.AdminIDs}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Invite issues a one-time code for inv's profile, valid for ganwei.DefaultInviteTTL unless
// inv.ExpiresAt is set. HR may invite cadres, into the units they cover; only admins may hand out
// HR or admin rights. The issuer is recorded from the actor.
func (s *Service) Invite(ctx context.Context, inv *ganwei.Invite) (string, error) {
	u, err := s.authorizer().Authorize(ctx, ganwei.RoleHR)
	if err != nil {
		return "", err
	}
	if err := checkInvite(u, inv); err != nil {
		return "", err
	}
	inv.CreatedBy = u.ID
	if inv.ExpiresAt.IsZero() {
		inv.ExpiresAt = s.now().Add(ganwei.DefaultInviteTTL)
	}
	code, err := s.Users.CreateInvite(ctx, inv)
	if err != nil {
		return "", fmt.Errorf("create invite: %w", err)
	}
	return code, nil
}

// LinkCodeTTL is how long a link code (LinkCode) stays valid.
const LinkCodeTTL = 24 * time.Hour

// LinkCode issues the acting person a one-time code that binds one more account (another
// channel) to them: sent from the other channel as an invite code, it adds that account to the
// same person, whose profile, role and history stay as they are. Only a bound person has
// anything to link; a stranger gets ENOTFOUND.
func (s *Service) LinkCode(ctx context.Context) (string, time.Time, error) {
	a, ok := ganwei.ActorFromContext(ctx)
	if !ok || a.ID == 0 {
		return "", time.Time{}, ganwei.Errorf(ganwei.ENOTFOUND, "您还没有绑定身份，请先用组织部给您的邀请码绑定。")
	}
	u, err := s.Users.User(ctx, a.ID)
	if err != nil {
		return "", time.Time{}, err
	}
	role := u.Role
	if role == ganwei.RoleGuest {
		role = ganwei.RoleCadre // unused by a link code; an invite must name one
	}
	inv := &ganwei.Invite{Name: u.Name, Unit: u.Unit, Position: u.Position, Role: role, PersonID: u.ID,
		CreatedBy: u.ID, ExpiresAt: s.now().Add(LinkCodeTTL)}
	code, err := s.Users.CreateInvite(ctx, inv)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("create link code: %w", err)
	}
	return code, inv.ExpiresAt, nil
}

// List returns everyone who has bound an account, for admins.
func (s *Service) List(ctx context.Context) ([]*ganwei.User, error) {
	if _, err := s.authorizer().Authorize(ctx, ganwei.RoleAdmin); err != nil {
		return nil, err
	}
	list, err := s.Users.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return list, nil
}

// Page is one page of the people whose name or unit contains search ("" = everyone), ordered by
// id, and how many match, for admins. Without a search only the page's rows are read.
func (s *Service) Page(ctx context.Context, search string, offset, limit int) ([]*ganwei.User, int, error) {
	if _, err := s.authorizer().Authorize(ctx, ganwei.RoleAdmin); err != nil {
		return nil, 0, err
	}
	if search == "" {
		list, total, err := s.Users.UsersPage(ctx, offset, limit)
		if err != nil {
			return nil, 0, fmt.Errorf("list users: %w", err)
		}
		return list, total, nil
	}
	all, err := s.Users.Users(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	var matched []*ganwei.User
	for _, u := range all {
		if strings.Contains(u.Name, search) || strings.Contains(u.Unit, search) {
			matched = append(matched, u)
		}
	}
	from := min(offset, len(matched))
	return matched[from:min(from+limit, len(matched))], len(matched), nil
}

// SetRole changes or (RoleGuest) revokes a person's role, for admins, and returns them as they
// are now. Nobody changes their own role: another admin must.
func (s *Service) SetRole(ctx context.Context, id int64, role ganwei.Role) (*ganwei.User, error) {
	u, err := s.authorizer().Authorize(ctx, ganwei.RoleAdmin)
	if err != nil {
		return nil, err
	}
	if id == u.ID && id != 0 {
		return nil, ganwei.Errorf(ganwei.ECONFLICT, "%s", msgOwnRole)
	}
	if err := s.Users.SetRole(ctx, id, role); ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, msgNoSuchUser, id)
	} else if err != nil {
		return nil, fmt.Errorf("set role: %w", err)
	}
	changed, err := s.Users.User(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read changed user: %w", err)
	}
	if ganwei.ConfiguredAdmin(s.AdminIDs, changed, "") {
		changed.Role = ganwei.RoleAdmin
	}
	return changed, nil
}

// SetScope sets the units an HR officer covers (none: all the district), for admins, and returns
// them as they are now.
func (s *Service) SetScope(ctx context.Context, id int64, units []string) (*ganwei.User, error) {
	if _, err := s.authorizer().Authorize(ctx, ganwei.RoleAdmin); err != nil {
		return nil, err
	}
	target, err := s.Users.User(ctx, id)
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, msgNoSuchUser, id)
	} else if err != nil {
		return nil, fmt.Errorf("read user: %w", err)
	}
	if len(units) > 0 && target.Role != ganwei.RoleHR {
		return nil, ganwei.Errorf(ganwei.EINVALID, "负责单位只对组织部工作人员有意义；%s 是%s。", target.Name, target.Role.Label())
	}
	if s.Audit != nil && !slices.Equal(target.Scope, units) && (len(target.Scope) > 0 || len(units) > 0) {
		if err := s.audit(ctx, ganwei.AuditEntry{Action: ganwei.AuditSetScope, Subject: id, Detail: strings.Join(units, "、")}); err != nil {
			return nil, err
		}
	}
	if err := s.Users.SetScope(ctx, id, units); ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, msgNoSuchUser, id)
	} else if err != nil {
		return nil, fmt.Errorf("set scope: %w", err)
	}
	u, err := s.Users.User(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read changed user: %w", err)
	}
	return u, nil
}
