package people_test

import (
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestAttackAnInviteCannotBeALinkCodeToSomeoneElse: an invite names a profile; only LinkCode
// makes a code that binds an account to an existing person, and only to the actor. An HR
// officer (or a front end passing a whole struct through) asking Invite or InviteMany for an
// invite carrying the administrator's person id gets nothing that would bind a new account to
// the administrator.
func TestAttackAnInviteCannotBeALinkCodeToSomeoneElse(t *testing.T) {
	s, ctx := newService(t)
	store := s.Users.(*redisstore.Store)
	s.Audit = store
	hr := as(ctx, testkit.HRID)
	try := func(name string, code string, err error) {
		t.Helper()
		if err != nil {
			return // refused: fine
		}
		u, err := store.RedeemInvite(ctx, code, "wecom:intruder")
		if err == nil && u.ID == testkit.AdminID {
			t.Errorf("%s: a code from HR bound a new account to the administrator (role %s)", name, u.Role)
		}
	}
	code, err := s.Invite(hr, &ganwei.Invite{Name: "陈静", Unit: "区委组织部", Role: ganwei.RoleCadre, PersonID: testkit.AdminID})
	try("Invite", code, err)
	codes, err := s.InviteMany(hr, []*ganwei.Invite{{Name: "陈静", Unit: "区委组织部", Role: ganwei.RoleCadre, PersonID: testkit.AdminID}})
	if len(codes) > 0 {
		try("InviteMany", codes[0], err)
	}
	if admin, _ := store.User(ctx, testkit.AdminID); admin.HasAccount("wecom:intruder") {
		t.Error("the administrator gained the intruder's account")
	}
}
