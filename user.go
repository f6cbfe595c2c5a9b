package ganwei

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a person may do with the bot. The zero value is a guest: someone who has not bound
// an invite code and may only ask policy questions.
type Role string

// Roles, from least to most privileged.
const (
	RoleGuest Role = ""
	RoleCadre Role = "cadre" // 干部: check-ins, own data, policy answers
	RoleHR    Role = "hr"    // 组织部: registers people, reviews aggregates, follows up cases
	RoleAdmin Role = "admin" // everything HR can, plus roles and per-person data
)

// ParseRole returns the Role named by s ("cadre", "hr", "admin"), or EINVALID.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleCadre, RoleHR, RoleAdmin:
		return r, nil
	}
	return RoleGuest, Errorf(EINVALID, "未知角色 %q（可选 cadre、hr、admin）", s)
}

// rank orders roles so that At can compare them.
func (r Role) rank() int {
	switch r {
	case RoleCadre:
		return 1
	case RoleHR:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// AtLeast reports whether r grants everything min grants.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() }

// IsStaff reports whether r belongs to the organization department (HR or admin).
func (r Role) IsStaff() bool { return r.AtLeast(RoleHR) }

// Label is the role's name as users read it.
func (r Role) Label() string {
	switch r {
	case RoleCadre:
		return "干部"
	case RoleHR:
		return "组织部工作人员"
	case RoleAdmin:
		return "管理员"
	}
	return "访客"
}

// User is a person known to the bot, keyed by the person id.
type User struct {
	// ID is the person id: opaque, never a platform id (see PersonIDBase). A stranger, whose
	// account is bound to no one, is a guest with ID 0.
	ID       int64     `json:"id"`
	Accounts []Account `json:"accounts,omitempty"` // the front-end accounts bound to the person
	Name     string    `json:"name"`
	Unit     string    `json:"unit,omitempty"`     // 单位
	Position string    `json:"position,omitempty"` // 职务
	Role     Role      `json:"role"`
	// Scope is the units an HR officer covers; empty covers all (the district 组织部). Services
	// that list people, summaries, cases or appointments show an HR officer only these units.
	// Admins see everything whatever it says.
	Scope     []string  `json:"scope,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Profile limits keep stored values and Telegram messages small.
const (
	MaxNameLen     = 32
	MaxUnitLen     = 64
	MaxPositionLen = 64
)

// Validate returns EINVALID when a required field is missing or a field is too long.
func (u *User) Validate() error {
	if u.ID <= 0 {
		return Errorf(EINVALID, "人员编号必须是正整数")
	}
	return validateProfile(u.Name, u.Unit, u.Position)
}

func validateProfile(name, unit, position string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return Errorf(EINVALID, "姓名不能为空")
	case utf8.RuneCountInString(name) > MaxNameLen:
		return Errorf(EINVALID, "姓名不能超过 %d 个字", MaxNameLen)
	case utf8.RuneCountInString(unit) > MaxUnitLen:
		return Errorf(EINVALID, "单位名称不能超过 %d 个字", MaxUnitLen)
	case utf8.RuneCountInString(position) > MaxPositionLen:
		return Errorf(EINVALID, "职务不能超过 %d 个字", MaxPositionLen)
	}
	return nil
}

// Invite is a one-time, expiring code that binds an account (Telegram, 企业微信) to a prepared
// profile. With PersonID set it is a link code instead: it binds one more account to that
// existing person and leaves their profile and role as they are.
type Invite struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Unit      string    `json:"unit,omitempty"`
	Position  string    `json:"position,omitempty"`
	Role      Role      `json:"role"`
	CreatedBy int64     `json:"created_by"` // person id of the issuer; 0 from the command line
	ExpiresAt time.Time `json:"expires_at"`
	PersonID  int64     `json:"person_id,omitempty"` // a link code for this person's next account
}

// DefaultInviteTTL is how long an invite code stays valid when the issuer does not say.
const DefaultInviteTTL = 7 * 24 * time.Hour

// Validate returns EINVALID when the invite's profile or role is unusable.
func (inv *Invite) Validate() error {
	if inv.Role == RoleGuest {
		return Errorf(EINVALID, "邀请码必须指定角色")
	}
	return validateProfile(inv.Name, inv.Unit, inv.Position)
}

// Covers reports whether u may see unit's people and data: admins and unscoped HR see all units.
func (u *User) Covers(unit string) bool {
	if u.Role == RoleAdmin || len(u.Scope) == 0 {
		return true
	}
	for _, s := range u.Scope {
		if s == unit {
			return true
		}
	}
	return false
}

// Scoped reports whether u sees only some units.
func (u *User) Scoped() bool { return u.Role != RoleAdmin && len(u.Scope) > 0 }

// UserService stores people and their roles.
type UserService interface {
	AccountDirectory

	// User returns the user with the person id, or ENOTFOUND.
	User(ctx context.Context, id int64) (*User, error)
	// SaveUser creates or replaces a user.
	SaveUser(ctx context.Context, u *User) error
	// Users lists every user, ordered by id.
	Users(ctx context.Context) ([]*User, error)
	// UsersPage is up to limit users from offset in the same order, and how many there are in
	// all: a list page reads only its own rows.
	UsersPage(ctx context.Context, offset, limit int) ([]*User, int, error)
	// SetRole changes a user's role; RoleGuest revokes it. ENOTFOUND for an unknown user.
	SetRole(ctx context.Context, id int64, role Role) error
	// SetScope sets the units an HR officer covers (none: all). ENOTFOUND for an unknown user.
	SetScope(ctx context.Context, id int64, units []string) error
	// DeleteUser removes the user's profile. Deleting an unknown user is not an error.
	DeleteUser(ctx context.Context, id int64) error
	// Forget deletes or anonymizes everything that names or links to the person (/forgetme):
	// profile, check-in answers and free text, dialog, prompt claims and pauses, used invites,
	// appointments and their reminders; their follow-up cases are closed as 本人已删除 and keep
	// no identity. Aggregates keep their counts. The audit log keeps who viewed the person's data.
	Forget(ctx context.Context, id int64) (*Forgotten, error)

	// CreateInvite stores inv under a fresh random code, which it sets and returns.
	CreateInvite(ctx context.Context, inv *Invite) (string, error)
	// RedeemInvite binds the account to the invite's profile and consumes the code in one
	// atomic step: an account bound to no one becomes a new person (a fresh person id), an
	// account already bound updates its person's profile (same id, same history), and a link
	// code (Invite.PersonID) adds the account to that person. ENOTFOUND for an unknown code,
	// ECONFLICT for a used one (or an account bound to someone else), EEXPIRED for an expired one.
	RedeemInvite(ctx context.Context, code string, a Account) (*User, error)
	// PersonForAccount returns the person the account is bound to; when it is bound to no one it
	// makes a person with profile's name, unit and position and no role (a new leader registered
	// for the 四项清单, an operator from GANWEI_ADMIN_IDS) and reports created.
	PersonForAccount(ctx context.Context, a Account, profile *User) (id int64, created bool, err error)
	// LinkAccount binds one more account to an existing person (an administrator's mapping).
	// ECONFLICT when the account is bound to someone else, ENOTFOUND for an unknown person.
	LinkAccount(ctx context.Context, personID int64, a Account) error
}

// Forgotten says what Forget deleted, so that the person can be told precisely.
type Forgotten struct {
	Profile      bool // the bound profile (name, unit, position, role)
	Answers      int  // check-in answers
	Notes        int  // free-text lines among them
	Cases        int  // follow-up cases closed as 本人已删除
	Invites      int  // used invite codes
	Appointments int  // 四项清单 appointments and their reminders
}
