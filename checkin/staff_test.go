package checkin_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestStaffTakesTheActorFromTheContext: HR's check-in use cases refuse a context without an
// actor and anyone below HR, and audit under the actor the context carries (a person or a
// command-line operator).
func TestStaffTakesTheActorFromTheContext(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	cal, _ := checkin.NewCalendar(checkin.DefaultSchedule, testkit.Shanghai)
	staff := &checkin.Staff{Users: store, CheckIns: store, Periods: cal, Now: store.Now, Location: testkit.Shanghai}
	as := func(id int64) context.Context { return ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: id}) }
	for _, c := range []context.Context{ctx, as(testkit.GuestID), as(testkit.CadreID)} {
		if _, err := staff.Summary(c, "", 3); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
			t.Errorf("summary below HR: %v, want EFORBIDDEN", err)
		}
		if _, err := staff.Cases(c); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
			t.Errorf("cases below HR: %v, want EFORBIDDEN", err)
		}
	}
	if _, err := staff.AuditLog(as(testkit.HRID), 10); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("HR reading the audit log: %v, want EFORBIDDEN (admins only)", err)
	}
	if _, err := staff.Summary(as(testkit.HRID), "", 3); err != nil {
		t.Fatalf("HR summary: %v", err)
	}
	if _, err := staff.Summary(ganwei.NewContextWithActor(ctx, ganwei.Actor{Operator: "ops"}), "松陵街道", 3); err != nil {
		t.Fatalf("operator summary: %v", err)
	}
	log, err := staff.AuditLog(as(testkit.AdminID), 10)
	if err != nil || len(log) != 2 {
		t.Fatalf("audit log: %d entries, %v; want the 2 summaries", len(log), err)
	}
	if log[0].Operator != "ops" || log[0].Unit != "松陵街道" || log[1].Actor != testkit.HRID {
		t.Errorf("audit entries %+v %+v; want the operator's then HR's view", *log[0], *log[1])
	}
}

// TestStaffShowsScopedHRTheirUnitsOnly: an HR officer covering 震泽镇 sees that unit's summary and
// cases; another unit's case is as if it did not exist; the all-units export is refused.
func TestStaffShowsScopedHRTheirUnitsOnly(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	if err := store.SetScope(ctx, testkit.HRID, []string{"震泽镇"}); err != nil {
		t.Fatal(err)
	}
	cal, _ := checkin.NewCalendar(checkin.DefaultSchedule, testkit.Shanghai)
	period := cal.PeriodAt(store.Now()).ID
	var caseOf = map[string]string{}
	for _, id := range []int64{testkit.CadreID, testkit.LeaderID} {
		p := testkit.People[id]
		res, err := store.SubmitCheckIn(ctx, &ganwei.CheckIn{UserID: id, Unit: p.Unit, Period: period, Wellbeing: 1, Stress: 5,
			Support: ganwei.SupportLacking, Benefits: ganwei.BenefitsPending, Talk: true, TalkAnswered: true, SubmittedAt: store.Now()})
		if err != nil || res.CaseID == "" {
			t.Fatalf("submit: %+v, %v", res, err)
		}
		caseOf[p.Unit] = res.CaseID
	}
	staff := &checkin.Staff{Users: store, CheckIns: store, Periods: cal, Now: store.Now, Location: testkit.Shanghai}
	hr := ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: testkit.HRID})
	cases, err := staff.Cases(hr)
	if err != nil || len(cases) != 1 || cases[0].Unit != "震泽镇" {
		t.Errorf("scoped cases %+v, %v; want 震泽镇's only", cases, err)
	}
	if _, err := staff.ViewCase(hr, caseOf["松陵街道"]); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("another unit's case: %v, want ENOTFOUND", err)
	}
	if _, err := staff.UpdateCase(hr, caseOf["松陵街道"], ganwei.CaseClosed, ""); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("closing another unit's case: %v, want ENOTFOUND", err)
	}
	if v, err := staff.ViewCase(hr, caseOf["震泽镇"]); err != nil || v.Case.UserID != testkit.LeaderID {
		t.Errorf("own unit's case: %+v, %v", v, err)
	}
	if rep, err := staff.Summary(hr, "", 3); err != nil || rep.Unit != "震泽镇" {
		t.Errorf("scoped summary of everyone: %+v, %v; want 震泽镇's", rep, err)
	}
	if _, err := staff.Summary(hr, "松陵街道", 3); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("another unit's summary: %v, want EFORBIDDEN", err)
	}
	if err := staff.Export(hr, io.Discard, checkin.ExportOptions{Format: "csv", Periods: cal.Recent(store.Now(), 3)}); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("scoped export: %v, want EFORBIDDEN", err)
	}
	admin := ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: testkit.AdminID})
	if all, _ := staff.Cases(admin); len(all) != 2 {
		t.Errorf("admin sees %d cases, want 2", len(all))
	}
}

// TestCasesPageFiltersScopesAndPagesLikeCases: a page of CasesPage is the matching slice of what
// Cases lists (same order, same scope), with the officer's totals and units; below HR is refused.
func TestCasesPageFiltersScopesAndPagesLikeCases(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	cal, _ := checkin.NewCalendar(checkin.DefaultSchedule, testkit.Shanghai)
	period := cal.PeriodAt(store.Now()).ID
	units := []string{"震泽镇", "松陵街道", "震泽镇", "七都镇", "震泽镇"}
	for i, unit := range units {
		id := int64(60000 + i)
		if err := store.SaveUser(ctx, &ganwei.User{ID: id, Name: "干部", Unit: unit, Role: ganwei.RoleCadre}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.SubmitCheckIn(ctx, &ganwei.CheckIn{UserID: id, Unit: unit, Period: period, Wellbeing: 1, Stress: 5,
			Support: ganwei.SupportLacking, Benefits: ganwei.BenefitsPending, Talk: true, TalkAnswered: true, SubmittedAt: store.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	staff := &checkin.Staff{Users: store, CheckIns: store, Periods: cal, Now: store.Now, Location: testkit.Shanghai}
	admin := ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: testkit.AdminID})
	all, err := staff.Cases(admin)
	if err != nil || len(all) != len(units) {
		t.Fatalf("cases: %d, %v", len(all), err)
	}
	if _, err := staff.UpdateCase(admin, all[0].ID, ganwei.CaseContacted, ""); err != nil {
		t.Fatal(err)
	}
	all, _ = staff.Cases(admin)
	contacted := all[0].ID // the order is by creation, not by status
	for _, c := range all {
		if c.Status == ganwei.CaseContacted {
			contacted = c.ID
		}
	}
	ids := func(cs []*ganwei.Case) (out []string) {
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	var inScope, songling []string // in Cases' order
	for _, c := range all {
		if c.Unit == "松陵街道" {
			songling = append(songling, c.ID)
		} else {
			inScope = append(inScope, c.ID)
		}
	}
	scoped := testkit.People[testkit.HRID]
	scoped.ID, scoped.Scope = 9200, []string{"震泽镇", "七都镇"}
	if err := store.SaveUser(ctx, &scoped); err != nil {
		t.Fatal(err)
	}
	hr := ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: scoped.ID})
	for _, tc := range []struct {
		name          string
		ctx           context.Context
		f             checkin.CaseFilter
		offset, limit int
		want          []string
		total         int
		units         string
	}{
		{"everything", admin, checkin.CaseFilter{}, 0, 10, ids(all), 5, "[七都镇 松陵街道 震泽镇]"},
		{"second page", admin, checkin.CaseFilter{}, 2, 2, ids(all[2:4]), 5, "[七都镇 松陵街道 震泽镇]"},
		{"past the end", admin, checkin.CaseFilter{}, 9, 2, nil, 5, "[七都镇 松陵街道 震泽镇]"},
		{"one unit", admin, checkin.CaseFilter{Unit: "松陵街道"}, 0, 10, songling, 5, "[七都镇 松陵街道 震泽镇]"},
		{"one status", admin, checkin.CaseFilter{Status: ganwei.CaseContacted}, 0, 10, []string{contacted}, 5, "[七都镇 松陵街道 震泽镇]"},
		{"scoped", hr, checkin.CaseFilter{}, 0, 10, inScope, 4, "[七都镇 震泽镇]"},
		{"scoped, another unit", hr, checkin.CaseFilter{Unit: "松陵街道"}, 0, 10, nil, 4, "[七都镇 震泽镇]"},
	} {
		page, err := staff.CasesPage(tc.ctx, tc.f, tc.offset, tc.limit)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := ids(page.Cases); fmt.Sprint(got) != fmt.Sprint(tc.want) || page.Total != tc.total || fmt.Sprint(page.Units) != tc.units {
			t.Errorf("%s: %v total %d units %v; want %v total %d units %s", tc.name, got, page.Total, page.Units, tc.want, tc.total, tc.units)
		}
	}
	if _, err := staff.CasesPage(ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: testkit.CadreID}), checkin.CaseFilter{}, 0, 10); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("a cadre: %v, want EFORBIDDEN", err)
	}
}
