package people_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/people"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
)

func newAuditedService(t *testing.T) (*people.Service, *redisstore.Store, context.Context) {
	t.Helper()
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	return &people.Service{Users: store, Now: store.Now, Audit: store}, store, ctx
}

// TestInviteManyChecksEveryRowFirst: one bad invite in a batch issues none (and says which);
// a good batch issues one code each, recorded as issued by the actor, in one audit entry.
func TestInviteManyChecksEveryRowFirst(t *testing.T) {
	s, store, ctx := newAuditedService(t)
	hr := as(ctx, testkit.HRID)
	batch := func() []*ganwei.Invite {
		return []*ganwei.Invite{{Name: "周杰", Unit: "七都镇", Role: ganwei.RoleCadre}, {Name: "吴芳", Unit: "震泽镇", Role: ganwei.RoleCadre}}
	}
	bad := append(batch(), &ganwei.Invite{Name: "郑强", Unit: "七都镇", Role: ganwei.RoleHR})
	codes, err := s.InviteMany(hr, bad)
	if ganwei.ErrorCode(err) != ganwei.EFORBIDDEN || !strings.Contains(ganwei.ErrorMessage(err), "第 3 位（郑强）") || len(codes) != 0 {
		t.Fatalf("batch with an HR invite by HR: %v %v", codes, err)
	}
	if log, _ := store.AuditLog(ctx, 5); len(log) != 0 {
		t.Fatalf("a refused batch was audited: %+v", log)
	}
	if _, err := s.InviteMany(as(ctx, testkit.CadreID), batch()); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("a cadre's batch: %v", err)
	}
	good := batch()
	codes, err = s.InviteMany(hr, good)
	if err != nil || len(codes) != 2 || codes[0] == codes[1] {
		t.Fatalf("good batch: %v %v", codes, err)
	}
	for _, inv := range good {
		if inv.CreatedBy != testkit.HRID || inv.ExpiresAt.IsZero() {
			t.Errorf("invite %+v", inv)
		}
	}
	u, err := store.RedeemInvite(ctx, codes[1], ganwei.TelegramAccount(55501))
	if err != nil || u.Name != "吴芳" || u.Unit != "震泽镇" || u.Role != ganwei.RoleCadre {
		t.Errorf("redeem the second code: %+v %v", u, err)
	}
	if err := s.ExportInvites(hr, 2); err != nil {
		t.Fatal(err)
	}
	log, _ := store.AuditLog(ctx, 5)
	if len(log) != 2 || log[1].Action != ganwei.AuditInviteMany || log[1].Detail != "2" || log[0].Action != ganwei.AuditExportInvites || log[0].Actor != testkit.HRID {
		t.Errorf("audit log %+v", log)
	}
	if _, err := s.InviteMany(hr, nil); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("an empty batch: %v", err)
	}
}

// TestSetScopeIsForHRAndAudited, and ParseScope reads the lists officers type.
func TestSetScopeIsForHRAndAudited(t *testing.T) {
	s, store, ctx := newAuditedService(t)
	units, err := people.ParseScope(" 七都镇、震泽镇，七都镇;松陵街道 ")
	if err != nil || strings.Join(units, "|") != "七都镇|震泽镇|松陵街道" {
		t.Fatalf("ParseScope: %v %v", units, err)
	}
	if _, err := people.ParseScope(strings.Repeat("镇", ganwei.MaxUnitLen+1)); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("too long a unit: %v", err)
	}
	admin := as(ctx, testkit.AdminID)
	if _, err := s.SetScope(as(ctx, testkit.HRID), testkit.HRID, units); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("HR sets a scope: %v", err)
	}
	if _, err := s.SetScope(admin, testkit.CadreID, units); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("a scope for a cadre: %v", err)
	}
	u, err := s.SetScope(admin, testkit.HRID, units)
	if err != nil || len(u.Scope) != 3 {
		t.Fatalf("set scope: %+v %v", u, err)
	}
	log, _ := store.AuditLog(ctx, 5)
	if len(log) != 1 || log[0].Action != ganwei.AuditSetScope || log[0].Subject != testkit.HRID || log[0].Detail != "七都镇、震泽镇、松陵街道" {
		t.Errorf("audit log %+v", log)
	}
}
