package checkin_test

import (
	"context"
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
