package reminders

import (
	"context"

	"github.com/ganwei-bot/ganwei"
)

// Office is what people do with the 四项清单 sequences: HR registers new leaders, follows their
// progress, pauses, resumes and cancels; a leader acknowledges their own steps. Every method takes
// the actor from the context (ganwei.ActorFromContext) and decides with the actor's current role
// whether they may, so the bot, the command line and later the web console share one rule.
type Office struct {
	Reminders ganwei.ReminderService
	Users     ganwei.UserLookup
	// AdminIDs are administrators whatever the store says (GANWEI_ADMIN_IDS).
	AdminIDs map[int64]bool
}

func (o *Office) hr(ctx context.Context) (*ganwei.User, error) {
	return ganwei.Authorizer{Users: o.Users, AdminIDs: o.AdminIDs}.Authorize(ctx, ganwei.RoleHR)
}

// Appoint registers a new leader, for HR; the actor is recorded as who registered it.
func (o *Office) Appoint(ctx context.Context, a *ganwei.Appointment) (*ganwei.Appointment, bool, error) {
	u, err := o.hr(ctx)
	if err != nil {
		return nil, false, err
	}
	a.CreatedBy = u.ID
	return o.Reminders.Appoint(ctx, a)
}

// Preview plans a registration without storing or sending anything, for HR.
func (o *Office) Preview(ctx context.Context, a *ganwei.Appointment) (*ganwei.Appointment, error) {
	if _, err := o.hr(ctx); err != nil {
		return nil, err
	}
	return o.Reminders.Preview(ctx, a)
}

// Appointment returns one appointment with its steps, for HR.
func (o *Office) Appointment(ctx context.Context, id string) (*ganwei.Appointment, error) {
	if _, err := o.hr(ctx); err != nil {
		return nil, err
	}
	return o.Reminders.Appointment(ctx, id)
}

// Appointments lists every appointment, newest first, for HR.
func (o *Office) Appointments(ctx context.Context) ([]*ganwei.Appointment, error) {
	if _, err := o.hr(ctx); err != nil {
		return nil, err
	}
	return o.Reminders.Appointments(ctx)
}

// SetStatus pauses, resumes or cancels an appointment's reminders, for HR.
func (o *Office) SetStatus(ctx context.Context, id string, status ganwei.AppointmentStatus) error {
	if _, err := o.hr(ctx); err != nil {
		return err
	}
	return o.Reminders.SetAppointmentStatus(ctx, id, status)
}

// Mine is the actor's own running (not cancelled) appointment, the newest; nil when there is none.
func (o *Office) Mine(ctx context.Context) (*ganwei.Appointment, error) {
	a, ok := ganwei.ActorFromContext(ctx)
	if !ok || a.CommandLine() {
		return nil, nil
	}
	all, err := o.Reminders.Appointments(ctx)
	if err != nil {
		return nil, err
	}
	var found *ganwei.Appointment
	for _, x := range all {
		if x.TelegramID == a.ID && x.Status != ganwei.AppointmentCancelled && (found == nil || x.CreatedAt.After(found.CreatedAt)) {
			found = x
		}
	}
	return found, nil
}

// Acknowledge records that the actor read a step of their own sequence: EFORBIDDEN for anyone
// else's, and without an actor.
func (o *Office) Acknowledge(ctx context.Context, appointmentID, stepID string) (*ganwei.AckResult, error) {
	a, ok := ganwei.ActorFromContext(ctx)
	if !ok || a.CommandLine() {
		return nil, ganwei.Errorf(ganwei.EFORBIDDEN, "只有本人可以确认阅知。")
	}
	return o.Reminders.Acknowledge(ctx, appointmentID, stepID, a.ID)
}
