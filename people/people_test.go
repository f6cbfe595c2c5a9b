package people_test

import (
	"context"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/people"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func newService(t *testing.T) (*people.Service, context.Context) {
	t.Helper()
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	return &people.Service{Users: store, AdminIDs: map[int64]bool{77: true, 78: true}, Now: store.Now}, ctx
}

func as(ctx context.Context, id int64) context.Context {
	return ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: id})
}

// TestWhoMayInviteWhom: the rule lives in the service, whatever front end calls it.
func TestWhoMayInviteWhom(t *testing.T) {
	s, ctx := newService(t)
	cli := ganwei.NewContextWithActor(ctx, ganwei.Actor{Operator: "ops"})
	// 78 is a person id that happens to equal a configured Telegram id: it grants nothing.
	if err := s.Users.SaveUser(ctx, &ganwei.User{ID: 78, Name: "周洁", Accounts: []ganwei.Account{"wecom:zhoujie"}, Role: ganwei.RoleCadre}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		ctx  context.Context
		role ganwei.Role
		want string
	}{
		{"no actor", ctx, ganwei.RoleCadre, ganwei.EFORBIDDEN},
		{"guest", as(ctx, testkit.GuestID), ganwei.RoleCadre, ganwei.EFORBIDDEN},
		{"cadre", as(ctx, testkit.CadreID), ganwei.RoleCadre, ganwei.EFORBIDDEN},
		{"HR invites a cadre", as(ctx, testkit.HRID), ganwei.RoleCadre, ""},
		{"HR invites HR", as(ctx, testkit.HRID), ganwei.RoleHR, ganwei.EFORBIDDEN},
		{"HR invites an admin", as(ctx, testkit.HRID), ganwei.RoleAdmin, ganwei.EFORBIDDEN},
		{"admin invites HR", as(ctx, testkit.AdminID), ganwei.RoleHR, ""},
		{"configured admin", as(ctx, configuredAdmin(t, s)), ganwei.RoleAdmin, ""},
		{"configured admin not bound yet", ganwei.NewContextWithActor(ctx, ganwei.Actor{Account: ganwei.TelegramAccount(77)}), ganwei.RoleAdmin, ""},
		{"a person whose id is the configured Telegram id", as(ctx, 78), ganwei.RoleAdmin, ganwei.EFORBIDDEN},
		{"command line", cli, ganwei.RoleAdmin, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv := &ganwei.Invite{Name: "赵敏", Unit: "松陵街道", Role: tt.role}
			code, err := s.Invite(tt.ctx, inv)
			if got := ganwei.ErrorCode(err); got != tt.want {
				t.Fatalf("error code %q (%v), want %q", got, err, tt.want)
			}
			if tt.want == "" && (code == "" || inv.ExpiresAt.IsZero()) {
				t.Errorf("code %q expires %v; want a code with an expiry", code, inv.ExpiresAt)
			}
			if a, _ := ganwei.ActorFromContext(tt.ctx); tt.want == "" && inv.CreatedBy != a.ID {
				t.Errorf("issuer recorded as %d, want %d", inv.CreatedBy, a.ID)
			}
		})
	}
}

// TestRolesAreChangedByAnotherAdminOnly: only admins list people and change roles, never their
// own; a revocation takes effect at the next call of the revoked person.
func TestRolesAreChangedByAnotherAdminOnly(t *testing.T) {
	s, ctx := newService(t)
	if _, err := s.List(as(ctx, testkit.HRID)); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("HR listing people: %v, want EFORBIDDEN", err)
	}
	if list, err := s.List(as(ctx, testkit.AdminID)); err != nil || len(list) != 4 {
		t.Errorf("admin listing people: %d, %v; want the 4 seeded", len(list), err)
	}
	if _, err := s.SetRole(as(ctx, testkit.AdminID), testkit.AdminID, ganwei.RoleGuest); ganwei.ErrorCode(err) != ganwei.ECONFLICT {
		t.Errorf("revoking oneself: %v, want ECONFLICT", err)
	}
	if _, err := s.SetRole(as(ctx, testkit.AdminID), 123456, ganwei.RoleHR); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("unknown person: %v, want ENOTFOUND", err)
	}
	if _, err := s.SetRole(as(ctx, testkit.HRID), testkit.CadreID, ganwei.RoleHR); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("HR promoting a cadre: %v, want EFORBIDDEN", err)
	}
	u, err := s.SetRole(as(ctx, testkit.AdminID), testkit.HRID, ganwei.RoleGuest)
	if err != nil || u.Role != ganwei.RoleGuest {
		t.Fatalf("revoking HR: %+v, %v", u, err)
	}
	if _, err := s.Invite(as(ctx, testkit.HRID), &ganwei.Invite{Name: "赵敏", Unit: "松陵街道", Role: ganwei.RoleCadre}); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("revoked HR inviting: %v, want EFORBIDDEN", err)
	}
}

// TestScopedHRInvitesIntoTheirUnitsOnly: an HR officer covering 七都镇 invites there and nowhere
// else; only admins set a scope.
func TestScopedHRInvitesIntoTheirUnitsOnly(t *testing.T) {
	s, ctx := newService(t)
	if _, err := s.SetScope(as(ctx, testkit.HRID), testkit.HRID, []string{"七都镇"}); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("HR setting a scope: %v, want EFORBIDDEN", err)
	}
	u, err := s.SetScope(as(ctx, testkit.AdminID), testkit.HRID, []string{"七都镇"})
	if err != nil || !u.Scoped() || !u.Covers("七都镇") || u.Covers("松陵街道") {
		t.Fatalf("scope set to %+v, %v", u, err)
	}
	if _, err := s.Invite(as(ctx, testkit.HRID), &ganwei.Invite{Name: "赵敏", Unit: "松陵街道", Role: ganwei.RoleCadre}); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("inviting outside the scope: %v, want EFORBIDDEN", err)
	}
	if _, err := s.Invite(as(ctx, testkit.HRID), &ganwei.Invite{Name: "赵敏", Unit: "七都镇", Role: ganwei.RoleCadre}); err != nil {
		t.Errorf("inviting inside the scope: %v", err)
	}
}

// TestPageIsForAdminsAndSearchesNameOrUnit: one page of people with the number matching; HR is
// refused, as for List.
func TestPageIsForAdminsAndSearchesNameOrUnit(t *testing.T) {
	svc, ctx := newService(t)
	if _, _, err := svc.Page(as(ctx, testkit.HRID), "", 0, 10); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("HR listing people: %v, want EFORBIDDEN", err)
	}
	all, total, err := svc.Page(as(ctx, testkit.AdminID), "", 1, 2)
	if err != nil || total != 4 || len(all) != 2 || all[0].ID != testkit.LeaderID {
		t.Fatalf("second and third of four: %d %v %v", total, all, err)
	}
	found, total, err := svc.Page(as(ctx, testkit.AdminID), "组织部", 0, 1)
	if err != nil || total != 2 || len(found) != 1 || found[0].ID != testkit.HRID {
		t.Errorf("search by unit: %d %v %v", total, found, err)
	}
	if found, total, _ := svc.Page(as(ctx, testkit.AdminID), "李强", 5, 10); total != 1 || len(found) != 0 {
		t.Errorf("past the end of a search: %d %v", total, found)
	}
}

// configuredAdmin is the person of the operator whose Telegram id 77 is in GANWEI_ADMIN_IDS (as
// start-up makes them), with a person id of their own.
func configuredAdmin(t *testing.T, s *people.Service) int64 {
	t.Helper()
	id, _, err := s.Users.PersonForAccount(context.Background(), ganwei.TelegramAccount(77), &ganwei.User{Name: "管理员"})
	if err != nil || id == 77 {
		t.Fatalf("person of the configured admin: %d, %v", id, err)
	}
	return id
}
