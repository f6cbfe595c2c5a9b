package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/workdays"
)

// TestAdminAppointAndReminders runs `ganwei admin appoint` and `ganwei admin reminders` in
// process against a real Redis.
func TestAdminAppointAndReminders(t *testing.T) {
	r := redistest.New(t)
	vars := map[string]string{"REDIS_URL": r.URL, "GANWEI_REDIS_PREFIX": r.Prefix}
	run := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] }}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		code := Main(ctx, env, args)
		return out.String(), errOut.String(), code
	}

	// A date a year ahead, so that the steps are not clamped to "now" as for a past date.
	loc := testkit.Shanghai
	date := time.Now().In(loc).AddDate(1, 0, 0)
	wantPower := workdays.New(loc).AddWorkdays(date, 3, 9, 0).Format("2006-01-02 15:04")
	out, errOut, code := run("admin", "appoint", "--telegram-id", "5000000001", "--name", "陈刚", "--position", "党委书记", "--unit", "七都镇", "--date", date.Format(time.DateOnly), "--json")
	if code != 0 {
		t.Fatalf("appoint exit %d: %s", code, errOut)
	}
	var got struct {
		Created     bool               `json:"created"`
		Appointment ganwei.Appointment `json:"appointment"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || !got.Created || got.Appointment.TelegramID != 5000000001 {
		t.Fatalf("appoint --json = %s (%v)", out, err)
	}
	if st := got.Appointment.Step("power"); st == nil || st.DueAt.In(loc).Format("2006-01-02 15:04") != wantPower {
		t.Errorf("权力清单 due %v, want %s (3 working days after the date, at send_at)", st, wantPower)
	}
	out, _, code = run("admin", "appoint", "--telegram-id", "5000000001", "--name", "陈刚", "--position", "党委书记")
	if code != 0 || !strings.Contains(out, "Already registered") {
		t.Errorf("second appoint: exit %d, %q", code, out)
	}
	// Chinese dates: a dry run reads the date back and registers nothing; an ambiguous one is refused.
	out, errOut, code = run("admin", "appoint", "--telegram-id", "5000000002", "--name", "王强", "--position", "镇长", "--date", "11月2日", "--dry-run")
	if code != 0 || !strings.Contains(out, "Dry run, nothing registered") || !strings.Contains(out, "-11-02") || !strings.Contains(out, "power") {
		t.Errorf("appoint --date 11月2日 --dry-run: exit %d, %q %q", code, out, errOut)
	}
	if _, errOut, code := run("admin", "appoint", "--telegram-id", "5000000002", "--name", "王强", "--position", "镇长", "--date", "11/2"); code != 2 || !strings.Contains(errOut, "几月几日") {
		t.Errorf("appoint --date 11/2: exit %d, %q; want 2 and the reason", code, errOut)
	}
	if _, _, code := run("admin", "appoint", "--name", "陈刚"); code != 2 {
		t.Errorf("appoint without --telegram-id exit %d, want 2", code)
	}

	out, _, code = run("admin", "reminders")
	if strings.Contains(out, "王强") {
		t.Errorf("the dry run registered 王强:\n%s", out)
	}
	if code != 0 || !strings.Contains(out, "notice") || !strings.Contains(out, "scheduled") || !strings.Contains(out, "陈刚") {
		t.Errorf("reminders: exit %d\n%s", code, out)
	}
	id := got.Appointment.ID
	for _, step := range []struct{ flag, want string }{{"--pause", "paused"}, {"--resume", "active"}, {"--cancel", "cancelled"}} {
		if out, errOut, code := run("admin", "reminders", step.flag, id); code != 0 || !strings.Contains(out, step.want) {
			t.Errorf("reminders %s: exit %d %q %q", step.flag, code, out, errOut)
		}
	}
	if _, _, code := run("admin", "reminders", "--resume", id); code != 2 {
		t.Errorf("resuming a cancelled appointment exit %d, want 2", code)
	}
	out, _, code = run("admin", "reminders", "--json")
	var list []ganwei.Appointment
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || len(list) != 1 || list[0].Status != ganwei.AppointmentCancelled || len(list[0].Steps) != 6 {
		t.Fatalf("reminders --json = %s (%v)", out, err)
	}
	if s := list[0].Steps[0]; s.Status != ganwei.StepScheduled || s.DueAt.IsZero() {
		t.Errorf("first step = %+v", s)
	}
}
