package ganwei

import (
	"context"
	"fmt"
	"strings"
)

// The actor travels in the context (as in benbjohnson/wtf's NewContextWithUser and
// UserFromContext): a front end puts who is acting into the context once, when it has resolved the
// person, and every service method reads it from there and decides, with the actor's current
// role, whether they may. Routing tables and menus only decide what is offered.

type actorKey struct{}

// NewContextWithActor returns a context carrying the actor.
func NewContextWithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor the context carries; ok is false when there is none.
func ActorFromContext(ctx context.Context) (a Actor, ok bool) {
	a, ok = ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// Refusals, as the person reads them.
const (
	MsgStaffOnly = "抱歉，这个功能仅对组织部工作人员开放。"
	MsgAdminOnly = "抱歉，这个功能仅对管理员开放。"
)

// UserLookup finds a person by id (UserService has it).
type UserLookup interface {
	User(ctx context.Context, id int64) (*User, error)
}

// Authorizer decides whether the actor may do what needs a role: it reads the actor's role from
// the store at every call, so a role revoked a second ago counts.
type Authorizer struct {
	Users UserLookup
	// AdminIDs are the Telegram user ids of operators who are administrators whatever the store
	// says (GANWEI_ADMIN_IDS); they are matched against the person's accounts (ConfiguredAdmin).
	AdminIDs map[int64]bool
}

// Authorize returns the context's actor as the store knows them now, or EFORBIDDEN when there is
// no actor or their current role is below min. A command-line operator holds REDIS_URL and so
// every right.
func (z Authorizer) Authorize(ctx context.Context, min Role) (*User, error) {
	a, ok := ActorFromContext(ctx)
	if !ok {
		return nil, Errorf(EFORBIDDEN, "%s", MsgStaffOnly)
	}
	return z.AuthorizeActor(ctx, a, min)
}

// AuthorizeActor is Authorize for an actor given explicitly.
func (z Authorizer) AuthorizeActor(ctx context.Context, a Actor, min Role) (*User, error) {
	if a.CommandLine() {
		return &User{Name: a.Operator, Role: RoleAdmin}, nil
	}
	var u *User
	var err error
	if a.ID != 0 {
		u, err = z.Users.User(ctx, a.ID)
	} else {
		err = Errorf(ENOTFOUND, "stranger") // no person behind the account
	}
	switch ErrorCode(err) {
	case "":
	case ENOTFOUND:
		u = &User{ID: a.ID}
		if a.Account != "" {
			u.Accounts = []Account{a.Account}
		}
	default:
		return nil, fmt.Errorf("authorize: %w", err)
	}
	if ConfiguredAdmin(z.AdminIDs, u, a.Account) {
		u.Role = RoleAdmin
	}
	if !u.Role.AtLeast(min) {
		if min == RoleAdmin {
			return nil, Errorf(EFORBIDDEN, "%s", MsgAdminOnly)
		}
		return nil, Errorf(EFORBIDDEN, "%s", MsgStaffOnly)
	}
	return u, nil
}

// ErrOutOfScope is the refusal for an HR officer reaching beyond their units (User.Scope).
func ErrOutOfScope(u *User) error {
	return Errorf(EFORBIDDEN, "您负责的单位是：%s；这项不在其中。", strings.Join(u.Scope, "、"))
}
