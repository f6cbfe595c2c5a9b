package reminders_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge/sequence"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/workdays"
)

// remindNowSetup is the Office over a real Redis and a recording front end, with 李强 (震泽镇)
// registered by HR and the first step (告知) sent.
func remindNowSetup(t *testing.T) (*reminders.Office, *reminders.Service, *redisstore.Store, *testkit.Front, *ganwei.Appointment) {
	t.Helper()
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	clock := testkit.NewClock(at("2026-11-25 10:00"))
	store.Now = clock.Now
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	front := &testkit.Front{}
	svc := &reminders.Service{Queue: store, Users: store, Messenger: front, Sequence: sequence.Fixed(sequence.Default()),
		Calendar: workdays.New(shanghai), Now: clock.Now, Instance: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	office := &reminders.Office{Reminders: svc, Users: store, Audit: store}
	a, _, err := office.Appoint(asActor(testkit.HRID), &ganwei.Appointment{TelegramID: testkit.LeaderID, Name: "李强", Unit: "震泽镇", Position: "镇长", Date: "2026-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	return office, svc, store, front, a
}

func asActor(id int64) context.Context {
	return ganwei.NewContextWithActor(context.Background(), ganwei.Actor{ID: id})
}

// TestRemindNowSendsOnceAndAudits: HR has a sent, unacknowledged step reminded at once; the
// leader gets the reminder with the 已阅知 button, the audit log says who had whom reminded, and
// a second press straight after is refused rather than pestering the leader.
func TestRemindNowSendsOnceAndAudits(t *testing.T) {
	office, _, store, front, a := remindNowSetup(t)
	before := len(front.Messages(testkit.LeaderID))
	if before != 1 {
		t.Fatalf("leader has %d messages after the first tick, want 1 (告知)", before)
	}
	if err := office.RemindNow(asActor(testkit.HRID), a.ID, "notice"); err != nil {
		t.Fatalf("remind now: %v", err)
	}
	msgs := front.Messages(testkit.LeaderID)
	if len(msgs) != 2 || !strings.HasPrefix(msgs[1].Text, "【提醒】") || len(msgs[1].Buttons) == 0 {
		t.Fatalf("leader's messages after remind now: %+v", msgs)
	}
	log, err := store.AuditLog(context.Background(), 5)
	if err != nil || len(log) != 1 || log[0].Action != ganwei.AuditRemindNow || log[0].Actor != testkit.HRID || log[0].Subject != testkit.LeaderID {
		t.Fatalf("audit log %+v, %v; want one remind_now by HR about the leader", log, err)
	}
	err = office.RemindNow(asActor(testkit.AdminID), a.ID, "notice")
	if ganwei.ErrorCode(err) != ganwei.ECONFLICT || !strings.Contains(ganwei.ErrorMessage(err), "刚刚已提醒过") {
		t.Errorf("second remind within the gap: %v, want ECONFLICT 刚刚已提醒过", err)
	}
	if n := len(front.Messages(testkit.LeaderID)); n != 2 {
		t.Errorf("leader has %d messages, want 2: the second press sent again", n)
	}
}

// TestRemindNowRefusesSensibly: nobody below HR, nobody outside the unit, and no reminder for a
// step not yet sent, already acknowledged, undeliverable, or a paused or cancelled appointment;
// refusals send nothing and write nothing to the audit log.
func TestRemindNowRefusesSensibly(t *testing.T) {
	office, svc, store, front, a := remindNowSetup(t)
	ctx := context.Background()
	hr := asActor(testkit.HRID)
	check := func(name string, err error, code, words string) {
		t.Helper()
		if ganwei.ErrorCode(err) != code || !strings.Contains(ganwei.ErrorMessage(err), words) {
			t.Errorf("%s: %v, want %s with %q", name, err, code, words)
		}
	}
	check("cadre", office.RemindNow(asActor(testkit.CadreID), a.ID, "notice"), ganwei.EFORBIDDEN, "")
	scoped := testkit.People[testkit.HRID]
	scoped.Scope = []string{"七都镇"}
	if err := store.SaveUser(ctx, &scoped); err != nil {
		t.Fatal(err)
	}
	check("another unit's HR", office.RemindNow(hr, a.ID, "notice"), ganwei.ENOTFOUND, "没有找到")
	scoped.Scope = nil
	if err := store.SaveUser(ctx, &scoped); err != nil {
		t.Fatal(err)
	}
	check("not sent yet", office.RemindNow(hr, a.ID, "power"), ganwei.ECONFLICT, "尚未发出")
	check("unknown step", office.RemindNow(hr, a.ID, "nope"), ganwei.ENOTFOUND, "")
	if err := svc.SetAppointmentStatus(ctx, a.ID, ganwei.AppointmentPaused); err != nil {
		t.Fatal(err)
	}
	check("paused", office.RemindNow(hr, a.ID, "notice"), ganwei.ECONFLICT, "请先恢复")
	if err := svc.SetAppointmentStatus(ctx, a.ID, ganwei.AppointmentActive); err != nil {
		t.Fatal(err)
	}
	if _, err := office.Acknowledge(asActor(testkit.LeaderID), a.ID, "notice"); err != nil {
		t.Fatal(err)
	}
	check("acknowledged", office.RemindNow(hr, a.ID, "notice"), ganwei.ECONFLICT, "无需再提醒")
	if err := svc.SetAppointmentStatus(ctx, a.ID, ganwei.AppointmentCancelled); err != nil {
		t.Fatal(err)
	}
	check("cancelled", office.RemindNow(hr, a.ID, "notice"), ganwei.ECONFLICT, "已取消")
	if n := len(front.Messages(testkit.LeaderID)); n != 1 {
		t.Errorf("leader has %d messages, want only the first step", n)
	}
	if log, _ := store.AuditLog(ctx, 5); len(log) != 0 {
		t.Errorf("refusals were audited: %+v", log)
	}
}

// TestRemindNowUndeliverable: a leader who blocked the bot is not reported as reminded.
func TestRemindNowUndeliverable(t *testing.T) {
	office, _, store, front, a := remindNowSetup(t)
	front.FailSend = func(int64) error { return ganwei.ErrRecipientBlocked }
	err := office.RemindNow(asActor(testkit.HRID), a.ID, "notice")
	if ganwei.ErrorCode(err) != ganwei.ECONFLICT || !strings.Contains(ganwei.ErrorMessage(err), "没能发给") {
		t.Errorf("blocked leader: %v, want ECONFLICT 没能发给", err)
	}
	if log, _ := store.AuditLog(context.Background(), 5); len(log) != 0 {
		t.Errorf("an undelivered reminder was audited as sent: %+v", log)
	}
}
