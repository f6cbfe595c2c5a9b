package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// TestSetAppointmentStatus: the status changes by id, cancelling frees the post for a new
// registration, and an unknown id is ENOTFOUND.
func TestSetAppointmentStatus(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	appt := func() *ganwei.Appointment {
		return &ganwei.Appointment{PersonID: 5000000001, TelegramID: 5000000001, Name: "陈刚", Position: "党委书记",
			Steps: []*ganwei.StepState{{ID: "notice", Title: "告知", NeedsAck: true, DueAt: time.Now()}}}
	}
	id, created, err := s.CreateAppointment(ctx, appt())
	if err != nil || !created {
		t.Fatalf("CreateAppointment = %q, %v, %v", id, created, err)
	}
	for _, st := range []ganwei.AppointmentStatus{ganwei.AppointmentPaused, ganwei.AppointmentActive, ganwei.AppointmentCancelled} {
		if err := s.SetAppointmentStatus(ctx, id, st); err != nil {
			t.Fatalf("SetAppointmentStatus(%s) = %v", st, err)
		}
		if a, err := s.Appointment(ctx, id); err != nil || a.Status != st {
			t.Fatalf("after %s: %+v, %v", st, a, err)
		}
	}
	if err := s.SetAppointmentStatus(ctx, id, ganwei.AppointmentActive); ganwei.ErrorCode(err) != ganwei.ECONFLICT {
		t.Errorf("resuming a cancelled appointment = %v, want ECONFLICT", err)
	}
	if again, created, err := s.CreateAppointment(ctx, appt()); err != nil || !created || again == id {
		t.Errorf("registering again after cancel = %q, %v, %v; want a new appointment", again, created, err)
	}
	for _, unknown := range []string{"abcdefghjk", "not-an-id"} {
		if err := s.SetAppointmentStatus(ctx, unknown, ganwei.AppointmentPaused); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
			t.Errorf("SetAppointmentStatus(%q) = %v, want ENOTFOUND", unknown, err)
		}
	}
}

// TestReclaimTakesBackOnlyTheInstancesOwnClaims: after instance a "restarts", its claims are
// due again at once while b's (alive) stay claimed; a's old claims are fenced off; renewal keeps
// only jobs still held.
func TestReclaimTakesBackOnlyTheInstancesOwnClaims(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	now := time.Now()
	for i := range 4 {
		a := &ganwei.Appointment{PersonID: int64(5000000001 + i), TelegramID: int64(5000000001 + i), Name: "陈刚", Position: "党委书记",
			Steps: []*ganwei.StepState{{ID: "notice", Title: "告知", DueAt: now}}}
		if _, _, err := s.CreateAppointment(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	jobsA, err := s.ClaimReminderJobs(ctx, "host-a", now, time.Minute, 2)
	if err != nil || len(jobsA) != 2 {
		t.Fatalf("claim a = %v, %v", jobsA, err)
	}
	jobsB, err := s.ClaimReminderJobs(ctx, "host-b", now, time.Minute, 2)
	if err != nil || len(jobsB) != 2 {
		t.Fatalf("claim b = %v, %v", jobsB, err)
	}
	if n, err := s.ReclaimReminderJobs(ctx, "host-a"); n != 2 || err != nil {
		t.Fatalf("reclaim a = %d, %v; want 2", n, err)
	}
	again, err := s.ClaimReminderJobs(ctx, "host-a", now, time.Minute, 10)
	if err != nil || len(again) != 2 {
		t.Fatalf("claim after reclaim = %v, %v; want a's 2 jobs at once, not b's", again, err)
	}
	for _, j := range again {
		if j.AppointmentID != jobsA[0].AppointmentID && j.AppointmentID != jobsA[1].AppointmentID {
			t.Errorf("reclaimed job %v belongs to b", j)
		}
	}
	if ok, err := s.CompleteReminderJob(ctx, jobsA[0], ganwei.JobResult{Status: ganwei.StepSent}); ok || err != nil {
		t.Errorf("completion with the dead life's claim applied=%v err=%v; want refused", ok, err)
	}
	if n, err := s.RenewReminderJobs(ctx, append(jobsA, jobsB...), now.Add(30*time.Second), time.Minute); n != 2 || err != nil {
		t.Errorf("renew = %d, %v; want only b's 2 jobs still held", n, err)
	}
	if _, err := s.ClaimReminderJobs(ctx, "bad#id", now, time.Minute, 1); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("claim with instance bad#id = %v, want EINVALID", err)
	}
}
