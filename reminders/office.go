package reminders

// The people-facing use cases (Office): who may register, follow, pause and acknowledge, decided with the actor from the context.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

// Office is what people do with the 四项清单 sequences: HR registers new leaders, follows their
// progress, pauses, resumes and cancels; a leader acknowledges their own steps. Every method takes
// the actor from the context (ganwei.ActorFromContext) and decides with the actor's current role
// whether they may, so the bot, the command line and later the web console share one rule.
type Office struct {
	Reminders ganwei.ReminderService
	Users     People
	// AdminIDs are administrators whatever the store says (GANWEI_ADMIN_IDS).
	AdminIDs map[int64]bool
	// Audit records actions HR takes on someone's behalf (RemindNow); required for them.
	Audit ganwei.AuditTrail
}

// People is what the office reads about people: one by id (the actor's current role), and
// everyone (whom an officer may register).
type People interface {
	ganwei.UserLookup
	Users(ctx context.Context) ([]*ganwei.User, error)
}

// Candidates lists the bound cadres an HR officer may register as new leaders: those in the
// units the officer covers, by name, at most limit (0 = all).
func (o *Office) Candidates(ctx context.Context, limit int) ([]*ganwei.User, error) {
	u, err := o.hr(ctx)
	if err != nil {
		return nil, err
	}
	all, err := o.Users.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("list candidates: %w", err)
	}
	var out []*ganwei.User
	for _, p := range all {
		if p.Role == ganwei.RoleCadre && u.Covers(p.Unit) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *ganwei.User) int { return strings.Compare(a.Name, b.Name) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
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
	if !u.Covers(a.Unit) {
		return nil, false, ganwei.ErrOutOfScope(u)
	}
	a.CreatedBy = u.ID
	return o.Reminders.Appoint(ctx, a)
}

// Preview plans a registration without storing or sending anything, for HR.
func (o *Office) Preview(ctx context.Context, a *ganwei.Appointment) (*ganwei.Appointment, error) {
	u, err := o.hr(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Covers(a.Unit) {
		return nil, ganwei.ErrOutOfScope(u)
	}
	return o.Reminders.Preview(ctx, a)
}

// Appointment returns one appointment with its steps, for HR covering its unit (others: as if
// there were none).
func (o *Office) Appointment(ctx context.Context, id string) (*ganwei.Appointment, error) {
	u, err := o.hr(ctx)
	if err != nil {
		return nil, err
	}
	return o.inScope(ctx, u, id)
}

func (o *Office) inScope(ctx context.Context, u *ganwei.User, id string) (*ganwei.Appointment, error) {
	a, err := o.Reminders.Appointment(ctx, id)
	if err != nil {
		return nil, err
	}
	if !u.Covers(a.Unit) {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这条任职登记。")
	}
	return a, nil
}

// Appointments lists the appointments of the units the HR officer covers, newest first.
func (o *Office) Appointments(ctx context.Context) ([]*ganwei.Appointment, error) {
	u, err := o.hr(ctx)
	if err != nil {
		return nil, err
	}
	all, err := o.Reminders.Appointments(ctx)
	if err != nil || !u.Scoped() {
		return all, err
	}
	var mine []*ganwei.Appointment
	for _, a := range all {
		if u.Covers(a.Unit) {
			mine = append(mine, a)
		}
	}
	return mine, nil
}

// SetStatus pauses, resumes or cancels an appointment's reminders, for HR covering its unit.
func (o *Office) SetStatus(ctx context.Context, id string, status ganwei.AppointmentStatus) error {
	u, err := o.hr(ctx)
	if err != nil {
		return err
	}
	if _, err := o.inScope(ctx, u, id); err != nil {
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
	own, err := o.Reminders.AppointmentsOf(ctx, a.ID) // only theirs: /help runs this for everyone
	if err != nil {
		return nil, err
	}
	var found *ganwei.Appointment
	for _, x := range own {
		if x.PersonID == a.ID && a.ID != 0 && x.Status != ganwei.AppointmentCancelled && (found == nil || x.CreatedAt.After(found.CreatedAt)) {
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

// RemindNow has the leader reminded of a sent, unacknowledged step at once, for HR covering the
// appointment's unit; each reminder sent is written to the audit log (who had whom reminded of
// what). See Service.RemindNow for the refusals, which are not logged: nothing was sent.
func (o *Office) RemindNow(ctx context.Context, appointmentID, stepID string) error {
	u, err := o.hr(ctx)
	if err != nil {
		return err
	}
	a, err := o.inScope(ctx, u, appointmentID)
	if err != nil {
		return err
	}
	if o.Audit == nil {
		return fmt.Errorf("remind now: no audit log configured")
	}
	if err := o.Reminders.RemindNow(ctx, appointmentID, stepID); err != nil {
		return err
	}
	actor, _ := ganwei.ActorFromContext(ctx)
	title := stepID
	if st := a.Step(stepID); st != nil && st.Title != "" {
		title = st.Title
	}
	// The leader need not have bound an account, so the entry carries their name as well as the id.
	if err := o.Audit.Audit(ctx, &ganwei.AuditEntry{Actor: actor.ID, Operator: actor.Operator, Action: ganwei.AuditRemindNow,
		Subject: a.PersonID, Unit: a.Unit, Detail: a.Name + "阅读《" + title + "》"}); err != nil {
		return fmt.Errorf("reminder sent, but the audit log was not written: %w", err)
	}
	return nil
}

// Appointee is the person who bound the Telegram id (their account, never a person id), for HR
// registering them (the bot's /appoint shows the same name); ENOTFOUND when nobody has bound it.
func (o *Office) Appointee(ctx context.Context, telegramID int64) (*ganwei.User, error) {
	if _, err := o.hr(ctx); err != nil {
		return nil, err
	}
	accounts, ok := o.Users.(interface {
		UserByAccount(ctx context.Context, a ganwei.Account) (*ganwei.User, error)
	})
	if !ok {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这位用户")
	}
	return accounts.UserByAccount(ctx, ganwei.TelegramAccount(telegramID))
}
