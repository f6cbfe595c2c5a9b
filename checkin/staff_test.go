package checkin_test

import (
	"context"
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
