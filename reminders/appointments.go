package reminders

// The ReminderService use cases: previewing, registering, listing, acknowledging, pausing and cancelling appointments.

import (
	"context"

	"github.com/ganwei-bot/ganwei"
)

// Preview returns a copy of a with its steps planned as Appoint would plan them, storing and
// sending nothing: what HR confirms before registering.
func (s *Service) Preview(ctx context.Context, a *ganwei.Appointment) (*ganwei.Appointment, error) {
	s.init()
	c := *a
	if c.PersonID == 0 && s.Users != nil {
		if id, err := s.Users.PersonByAccount(ctx, leaderAccount(&c)); err == nil {
			c.PersonID = id
		}
	}
	c.Steps = nil
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := Plan(&c, s.Sequence.Current(), s.Calendar, s.Now()); err != nil {
		return nil, err
	}
	return &c, nil
}

// Appoint registers a and schedules its sequence; the first step goes out at once. A leader
// named by Telegram id (a.TelegramID) is the person that account is bound to; someone who has
// not bound an invite yet becomes a person with that account, the appointment's name and no
// role, so that their steps, their presses and a later invite all belong to one person.
func (s *Service) Appoint(ctx context.Context, a *ganwei.Appointment) (*ganwei.Appointment, bool, error) {
	s.init()
	if err := a.Validate(); err != nil {
		return nil, false, err
	}
	if a.PersonID == 0 {
		id, created, err := s.Users.PersonForAccount(ctx, leaderAccount(a),
			&ganwei.User{Name: a.Name, Unit: a.Unit, Position: a.Position})
		if err != nil {
			return nil, false, err
		}
		if created {
			s.Logger.Info("leader added as a person for the 四项清单", "person_id", id)
		}
		a.PersonID = id
	} else if _, err := s.Users.User(ctx, a.PersonID); err != nil {
		return nil, false, err
	}
	now := s.Now()
	a.CreatedAt = now
	a.Status = ganwei.AppointmentActive
	if err := Plan(a, s.Sequence.Current(), s.Calendar, now); err != nil {
		return nil, false, err
	}
	id, created, err := s.Queue.CreateAppointment(ctx, a)
	if err != nil {
		return nil, false, err
	}
	got, err := s.Queue.Appointment(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if created {
		s.Logger.Info("appointment registered", "appointment", id, "by", a.CreatedBy, "steps", len(got.Steps))
		s.Wake()
	}
	return got, created, nil
}

// leaderAccount is the account an appointment names its leader by when it names no person.
func leaderAccount(a *ganwei.Appointment) ganwei.Account {
	if a.Account != "" {
		return a.Account
	}
	return ganwei.TelegramAccount(a.TelegramID)
}

// Appointment returns one appointment, or ENOTFOUND.
func (s *Service) Appointment(ctx context.Context, id string) (*ganwei.Appointment, error) {
	return s.Queue.Appointment(ctx, id)
}

// Appointments lists every appointment, newest first.
func (s *Service) Appointments(ctx context.Context) ([]*ganwei.Appointment, error) {
	return s.Queue.Appointments(ctx)
}

// AppointmentsOf lists one person's appointments, newest first.
func (s *Service) AppointmentsOf(ctx context.Context, personID int64) ([]*ganwei.Appointment, error) {
	return s.Queue.AppointmentsOf(ctx, personID)
}

// Acknowledge records that by read the step.
func (s *Service) Acknowledge(ctx context.Context, appointmentID, stepID string, by int64) (*ganwei.AckResult, error) {
	s.init()
	return s.Queue.AcknowledgeStep(ctx, appointmentID, stepID, by, s.Now())
}

// SetAppointmentStatus pauses, resumes or cancels an appointment's reminders.
func (s *Service) SetAppointmentStatus(ctx context.Context, id string, status ganwei.AppointmentStatus) error {
	s.init()
	if err := s.Queue.SetAppointmentStatus(ctx, id, status); err != nil {
		return err
	}
	if status == ganwei.AppointmentActive {
		s.Wake() // steps that fell due during the pause go out now
	}
	return nil
}
