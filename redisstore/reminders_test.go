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

// TestAckOfAStepBeingSent: a 已阅知 press can arrive from the delivered message before the worker
// sending it has recorded it as sent. It is accepted while the step's job is in flight; the
// worker's completion then keeps the acknowledgement (and schedules no reminder), recording only
// when the step went out. A scheduled step nobody is sending is still refused.
func TestAckOfAStepBeingSent(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	now := time.Now().Truncate(time.Millisecond)
	leader := int64(5000000001)
	id, _, err := s.CreateAppointment(ctx, &ganwei.Appointment{PersonID: leader, TelegramID: leader, Name: "陈刚", Position: "党委书记",
		Steps: []*ganwei.StepState{{ID: "notice", Title: "告知", NeedsAck: true, DueAt: now}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcknowledgeStep(ctx, id, "notice", leader, now); ganwei.ErrorCode(err) != ganwei.ECONFLICT {
		t.Fatalf("ack before anyone sends the step = %v, want ECONFLICT (not sent)", err)
	}
	jobs, err := s.ClaimReminderJobs(ctx, "host-a", now, time.Minute, 1)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim = %v, %v", jobs, err)
	}
	res, err := s.AcknowledgeStep(ctx, id, "notice", leader, now.Add(time.Second))
	if err != nil || res.Outcome != ganwei.AckDone {
		t.Fatalf("ack while the step is being sent = %+v, %v; want done", res, err)
	}
	sentAt := now.Add(500 * time.Millisecond)
	ok, err := s.CompleteReminderJob(ctx, jobs[0], ganwei.JobResult{Expect: ganwei.StepScheduled, Status: ganwei.StepSent,
		SentAt: sentAt, SetReminders: true, MessageID: 77, Next: now.Add(24 * time.Hour)})
	if ok || err != nil {
		t.Fatalf("completion after the ack applied=%v err=%v; want the guard to keep the ack", ok, err)
	}
	a, err := s.Appointment(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	st := a.Steps[0]
	if st.Status != ganwei.StepAcknowledged || !st.AckedAt.Equal(now.Add(time.Second)) || !st.SentAt.Equal(sentAt) || st.MessageID != 77 || !st.NextAt.IsZero() {
		t.Errorf("step after ack then completion = %+v; want acknowledged, sent time and message recorded, nothing next", st)
	}
	if again, err := s.ClaimReminderJobs(ctx, "host-a", now.Add(48*time.Hour), time.Minute, 10); err != nil || len(again) != 0 {
		t.Errorf("jobs left after the acknowledged send = %v, %v; want none", again, err)
	}
}
