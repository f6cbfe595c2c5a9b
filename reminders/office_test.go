package reminders_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/testkit"
)

// fakeReminders records what reached the service behind the Office.
type fakeReminders struct {
	calls []string
	by    int64
	all   []*ganwei.Appointment
}

func (f *fakeReminders) Appoint(_ context.Context, a *ganwei.Appointment) (*ganwei.Appointment, bool, error) {
	f.calls = append(f.calls, "appoint")
	return a, true, nil
}
func (f *fakeReminders) Preview(_ context.Context, a *ganwei.Appointment) (*ganwei.Appointment, error) {
	f.calls = append(f.calls, "preview")
	return a, nil
}
func (f *fakeReminders) Appointment(context.Context, string) (*ganwei.Appointment, error) {
	f.calls = append(f.calls, "appointment")
	return &ganwei.Appointment{}, nil
}
func (f *fakeReminders) Appointments(context.Context) ([]*ganwei.Appointment, error) {
	f.calls = append(f.calls, "appointments")
	return f.all, nil
}
func (f *fakeReminders) AppointmentsOf(_ context.Context, id int64) ([]*ganwei.Appointment, error) {
	f.calls = append(f.calls, "appointmentsof")
	var own []*ganwei.Appointment
	for _, a := range f.all {
		if a.PersonID == id {
			own = append(own, a)
		}
	}
	return own, nil
}
func (f *fakeReminders) Acknowledge(_ context.Context, _, _ string, by int64) (*ganwei.AckResult, error) {
	f.calls = append(f.calls, "ack")
	f.by = by
	return &ganwei.AckResult{}, nil
}
func (f *fakeReminders) SetAppointmentStatus(context.Context, string, ganwei.AppointmentStatus) error {
	f.calls = append(f.calls, "status")
	return nil
}

func (f *fakeReminders) RemindNow(context.Context, string, string) error {
	f.calls = append(f.calls, "remind")
	return nil
}

type users map[int64]ganwei.User

func (u users) Users(context.Context) ([]*ganwei.User, error) {
	var out []*ganwei.User
	for _, p := range u {
		out = append(out, &p)
	}
	return out, nil
}

func (u users) User(_ context.Context, id int64) (*ganwei.User, error) {
	if p, ok := u[id]; ok {
		return &p, nil
	}
	return nil, ganwei.Errorf(ganwei.ENOTFOUND, "no user")
}

// TestOfficeDecidesWhoMayManageReminders: only HR (by their role now) reaches the 四项清单
// administration; a leader acknowledges only as themselves.
func TestOfficeDecidesWhoMayManageReminders(t *testing.T) {
	f := &fakeReminders{}
	o := &reminders.Office{Reminders: f, Users: users(maps.Clone(testkit.People))}
	bg := context.Background()
	as := func(id int64) context.Context { return ganwei.NewContextWithActor(bg, ganwei.Actor{ID: id}) }
	hrOnly := func(ctx context.Context) []error {
		_, _, e1 := o.Appoint(ctx, &ganwei.Appointment{Name: "李强"})
		_, e2 := o.Preview(ctx, &ganwei.Appointment{})
		_, e3 := o.Appointment(ctx, "1")
		_, e4 := o.Appointments(ctx)
		e5 := o.SetStatus(ctx, "1", ganwei.AppointmentPaused)
		return []error{e1, e2, e3, e4, e5}
	}
	for _, ctx := range []context.Context{bg, as(testkit.GuestID), as(testkit.CadreID)} {
		for i, err := range hrOnly(ctx) {
			if ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
				t.Errorf("use case %d without HR role: %v, want EFORBIDDEN", i, err)
			}
		}
	}
	if len(f.calls) != 0 {
		t.Fatalf("refused calls reached the service: %v", f.calls)
	}
	for i, err := range hrOnly(as(testkit.HRID)) {
		if err != nil {
			t.Errorf("use case %d as HR: %v", i, err)
		}
	}
	a := &ganwei.Appointment{Name: "李强"}
	if _, _, err := o.Appoint(as(testkit.AdminID), a); err != nil || a.CreatedBy != testkit.AdminID {
		t.Errorf("admin appointing: %v, created by %d", err, a.CreatedBy)
	}
	if _, err := o.Acknowledge(bg, "1", "power"); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("acknowledging without an actor: %v", err)
	}
	if _, err := o.Acknowledge(as(testkit.LeaderID), "1", "power"); err != nil || f.by != testkit.LeaderID {
		t.Errorf("leader acknowledging: %v, recorded as %d", err, f.by)
	}
}

// TestOfficeMineIsTheNewestRunningAppointment: a leader's own appointment, for /help.
func TestOfficeMineIsTheNewestRunningAppointment(t *testing.T) {
	t0 := testkit.At("2026-11-02 09:00")
	f := &fakeReminders{all: []*ganwei.Appointment{
		{ID: "1", PersonID: testkit.LeaderID, CreatedAt: t0},
		{ID: "2", PersonID: testkit.LeaderID, CreatedAt: t0.Add(time.Hour), Status: ganwei.AppointmentCancelled},
		{ID: "3", PersonID: testkit.CadreID, CreatedAt: t0.Add(2 * time.Hour)},
	}}
	o := &reminders.Office{Reminders: f, Users: users(maps.Clone(testkit.People))}
	got, err := o.Mine(ganwei.NewContextWithActor(context.Background(), ganwei.Actor{ID: testkit.LeaderID}))
	if err != nil || got == nil || got.ID != "1" {
		t.Errorf("Mine = %+v, %v; want appointment 1", got, err)
	}
	if slices.Contains(f.calls, "appointments") {
		t.Errorf("Mine listed every appointment (%v); it reads only the person's own", f.calls)
	}
}

// TestOfficeShowsScopedHRTheirUnitsOnly: an HR officer covering 七都镇 sees, manages and registers
// only 七都镇's leaders; another unit's appointment is as if it did not exist.
func TestOfficeShowsScopedHRTheirUnitsOnly(t *testing.T) {
	people := users(maps.Clone(testkit.People))
	hr := people[testkit.HRID]
	hr.Scope = []string{"七都镇"}
	people[testkit.HRID] = hr
	f := &fakeReminders{all: []*ganwei.Appointment{{ID: "1", Unit: "七都镇"}, {ID: "2", Unit: "震泽镇"}}}
	o := &reminders.Office{Reminders: scoped{f}, Users: people}
	ctx := ganwei.NewContextWithActor(context.Background(), ganwei.Actor{ID: testkit.HRID})
	list, err := o.Appointments(ctx)
	if err != nil || len(list) != 1 || list[0].ID != "1" {
		t.Errorf("scoped list %+v, %v; want only 七都镇's", list, err)
	}
	if _, err := o.Appointment(ctx, "2"); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("another unit's appointment: %v, want ENOTFOUND", err)
	}
	if err := o.SetStatus(ctx, "2", ganwei.AppointmentPaused); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("pausing another unit's: %v, want ENOTFOUND", err)
	}
	if _, _, err := o.Appoint(ctx, &ganwei.Appointment{Unit: "震泽镇"}); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("registering in another unit: %v, want EFORBIDDEN", err)
	}
	admin := ganwei.NewContextWithActor(context.Background(), ganwei.Actor{ID: testkit.AdminID})
	if list, _ := o.Appointments(admin); len(list) != 2 {
		t.Errorf("admin sees %d appointments, want all 2", len(list))
	}
}

// scoped serves Appointment from the fake's list.
type scoped struct{ *fakeReminders }

func (s scoped) Appointment(_ context.Context, id string) (*ganwei.Appointment, error) {
	for _, a := range s.all {
		if a.ID == id {
			return a, nil
		}
	}
	return nil, ganwei.Errorf(ganwei.ENOTFOUND, "no appointment")
}

// TestHRNoticesFollowTheScope: the escalation and digest recipients for a unit are the HR
// officers covering it, unscoped HR and admins.
func TestHRNoticesFollowTheScope(t *testing.T) {
	people := users(maps.Clone(testkit.People))
	scopedHR := ganwei.User{ID: 9100, Name: "周洁", Role: ganwei.RoleHR, Scope: []string{"七都镇"}}
	people[scopedHR.ID] = scopedHR
	svc := &reminders.Service{Users: listUsers{people}}
	for unit, want := range map[string][]int64{"七都镇": {testkit.HRID, testkit.AdminID, 9100}, "震泽镇": {testkit.HRID, testkit.AdminID}} {
		got, err := svc.HR(context.Background(), unit)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("HR for %s: %v, want %v", unit, got, want)
		}
	}
}

// listUsers is a UserService with only the lookups the scheduler uses.
type listUsers struct{ users }

func (listUsers) UsersPage(context.Context, int, int) ([]*ganwei.User, int, error) {
	return nil, 0, nil
}
func (listUsers) SaveUser(context.Context, *ganwei.User) error                 { return nil }
func (listUsers) SetRole(context.Context, int64, ganwei.Role) error            { return nil }
func (listUsers) SetScope(context.Context, int64, []string) error              { return nil }
func (listUsers) DeleteUser(context.Context, int64) error                      { return nil }
func (listUsers) Forget(context.Context, int64) (*ganwei.Forgotten, error)     { return nil, nil }
func (listUsers) CreateInvite(context.Context, *ganwei.Invite) (string, error) { return "", nil }
func (listUsers) RedeemInvite(context.Context, string, ganwei.Account) (*ganwei.User, error) {
	return nil, nil
}
func (listUsers) PersonByAccount(context.Context, ganwei.Account) (int64, error) { return 0, nil }
func (listUsers) UserByAccount(context.Context, ganwei.Account) (*ganwei.User, error) {
	return nil, ganwei.Errorf(ganwei.ENOTFOUND, "none")
}
func (listUsers) PersonForAccount(context.Context, ganwei.Account, *ganwei.User) (int64, bool, error) {
	return 0, false, nil
}
func (listUsers) LinkAccount(context.Context, int64, ganwei.Account) error { return nil }
