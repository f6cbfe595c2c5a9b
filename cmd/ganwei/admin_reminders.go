package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/workdays"
)

// runAdminAppoint registers a newly appointed leader and starts the 四项清单 sequence. The
// running bot's scheduler sends the first step at its next poll (within a second or so); this
// command needs no Telegram token.
func runAdminAppoint(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("admin appoint", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	tgID := fs.Int64("telegram-id", 0, "the leader's Telegram user id (required)")
	name := fs.String("name", "", "full name (required)")
	position := fs.String("position", "", "new position, 职务 (required)")
	unit := fs.String("unit", "", "unit, 单位")
	date := fs.String("date", "", "appointment date: 2026-11-02, 2026年11月2日, 11月2日, 2026.11.2 or 2026/11/2 (default today in GANWEI_TIMEZONE)")
	dryRun := fs.Bool("dry-run", false, "print the date as read and when each step would go out; register and send nothing")
	asJSON := fs.Bool("json", false, "print the appointment as JSON")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v", err)
	}
	if *tgID <= 0 || *name == "" || *position == "" {
		return usageErrorf("--telegram-id, --name and --position are required")
	}
	cfg, store, closeStore, err := adminStore(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	if *date != "" {
		// Read as HR writes dates; anything that could be read two ways is refused, not guessed.
		day, err := workdays.ParseDate(*date, store.Now(), cfg.Location)
		if err != nil {
			return usageErrorf("--date: %v", err)
		}
		*date = day.Format(time.DateOnly)
	}
	svc, err := adminOffice(cfg, store)
	if err != nil {
		return err
	}
	ctx = ganwei.NewContextWithActor(ctx, ganwei.Actor{Operator: operatorName(env, "")})
	req := &ganwei.Appointment{TelegramID: *tgID, Name: *name, Position: *position, Unit: *unit, Date: *date}
	if *dryRun {
		p, err := svc.Preview(ctx, req)
		if err != nil {
			if ganwei.ErrorCode(err) == ganwei.EINVALID {
				return usageErrorf("%s", ganwei.ErrorMessage(err))
			}
			return fmt.Errorf("preview appointment: %w", err)
		}
		if *asJSON {
			return printJSON(env.Stdout, map[string]any{"created": false, "dry_run": true, "appointment": inZone(p, cfg.Location)})
		}
		fmt.Fprintf(env.Stdout, "Dry run, nothing registered: %s as %s, appointment date %s. Each step would go out:\n", p.Name, p.Position, p.Date)
		printSteps(env.Stdout, []*ganwei.Appointment{p}, cfg.Location)
		return nil
	}
	a, created, err := svc.Appoint(ctx, req)
	if err != nil {
		if ganwei.ErrorCode(err) == ganwei.EINVALID {
			return usageErrorf("%s", ganwei.ErrorMessage(err))
		}
		return fmt.Errorf("appoint: %w", err)
	}
	if *asJSON {
		return printJSON(env.Stdout, map[string]any{"created": created, "appointment": inZone(a, cfg.Location)})
	}
	if !created {
		fmt.Fprintf(env.Stdout, "Already registered: %s as %s (appointment %s, %s). No second sequence started.\n", a.Name, a.Position, a.ID, a.Status)
		return nil
	}
	fmt.Fprintf(env.Stdout, "Registered %s as %s (appointment %s). The running bot sends the first step now.\n", a.Name, a.Position, a.ID)
	printSteps(env.Stdout, []*ganwei.Appointment{a}, cfg.Location)
	return nil
}

// runAdminReminders prints every appointment with each step's status and times, or pauses,
// resumes or cancels one.
func runAdminReminders(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("admin reminders", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print one JSON array of appointments")
	pause := fs.String("pause", "", "pause the reminders of appointment ID")
	resume := fs.String("resume", "", "resume the reminders of appointment ID")
	cancel := fs.String("cancel", "", "cancel appointment ID (for good)")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v", err)
	}
	cfg, store, closeStore, err := adminStore(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
	office, err := adminOffice(cfg, store)
	if err != nil {
		return err
	}
	ctx = ganwei.NewContextWithActor(ctx, ganwei.Actor{Operator: operatorName(env, "")})
	for _, op := range []struct {
		id     string
		status ganwei.AppointmentStatus
	}{{*pause, ganwei.AppointmentPaused}, {*resume, ganwei.AppointmentActive}, {*cancel, ganwei.AppointmentCancelled}} {
		if op.id == "" {
			continue
		}
		if err := office.SetStatus(ctx, op.id, op.status); err != nil {
			if code := ganwei.ErrorCode(err); code == ganwei.ENOTFOUND || code == ganwei.ECONFLICT {
				return usageErrorf("appointment %s: %s", op.id, ganwei.ErrorMessage(err))
			}
			return fmt.Errorf("set appointment status: %w", err)
		}
		fmt.Fprintf(env.Stdout, "Appointment %s is now %s.\n", op.id, op.status)
		return nil
	}
	list, err := office.Appointments(ctx)
	if err != nil {
		return fmt.Errorf("list appointments: %w", err)
	}
	if *asJSON {
		out := make([]*ganwei.Appointment, len(list))
		for i, a := range list {
			out[i] = inZone(a, cfg.Location)
		}
		return printJSON(env.Stdout, out)
	}
	if len(list) == 0 {
		fmt.Fprintln(env.Stdout, "No appointments registered.")
		return nil
	}
	printSteps(env.Stdout, list, cfg.Location)
	return nil
}

// inZone shows an appointment's times in the organization's zone.
func inZone(a *ganwei.Appointment, loc *time.Location) *ganwei.Appointment {
	c := *a
	c.CreatedAt = c.CreatedAt.In(loc)
	c.Steps = make([]*ganwei.StepState, len(a.Steps))
	for i, s := range a.Steps {
		st := *s
		for _, t := range []*time.Time{&st.DueAt, &st.SentAt, &st.AckedAt, &st.NextAt, &st.Escalated} {
			if !t.IsZero() {
				*t = t.In(loc)
			}
		}
		c.Steps[i] = &st
	}
	return &c
}

func printSteps(w io.Writer, list []*ganwei.Appointment, loc *time.Location) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "APPOINTMENT\tLEADER\tSTEP\tSTATUS\tDUE\tSENT\tACKED\tREMINDERS\tNOTE")
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	for _, a := range list {
		ref := fmt.Sprintf("%d", a.TelegramID) // the Telegram id HR registered them by
		if a.TelegramID == 0 {
			ref = fmt.Sprintf("person %d", a.PersonID)
		}
		leader := fmt.Sprintf("%s %s (%s)", a.Name, strings.TrimSpace(a.Unit+" "+a.Position), ref)
		for _, s := range a.Steps {
			note := ""
			if a.Status != ganwei.AppointmentActive {
				note = string(a.Status)
			}
			if !s.Escalated.IsZero() {
				note = strings.TrimSpace(note + " escalated " + ts(s.Escalated))
			}
			if s.Error != "" {
				note = strings.TrimSpace(note + " " + s.Error)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", a.ID, leader, s.ID, s.Status, ts(s.DueAt), ts(s.SentAt), ts(s.AckedAt), s.Reminders, note)
		}
	}
	_ = tw.Flush()
}

// adminOffice is the 四项清单 use cases for the command line, whose operator holds REDIS_URL and
// so every right; the rules are the bot's own (reminders.Office).
func adminOffice(cfg *Config, store *redisstore.Store) (*reminders.Office, error) {
	svc, err := newReminders(cfg, store, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	return &reminders.Office{Reminders: svc, Users: store}, nil
}
