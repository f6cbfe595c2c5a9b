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
		return &ganwei.Appointment{TelegramID: 5000000001, Name: "陈刚", Position: "党委书记",
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
