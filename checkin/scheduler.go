package checkin

import (
	"context"
	"log/slog"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/workdays"
)

// Prompt kinds, as claimed in the store.
const (
	KindPrompt   = "prompt"
	KindReminder = "reminder"
)

// ReminderHour is the clock time of the one gentle reminder, on the working day after the prompt.
const ReminderHour = 10

// PromptGrace is how late the prompt still goes out at any hour; later than that (the bot was
// down at the scheduled time, or first started mid-period) it waits for working hours rather
// than wake people at night.
const PromptGrace = time.Hour

// promptTime reports whether the period's prompt may go out now: on time at any hour; when late,
// only in working hours and while at least a day of the period is left to answer in (a bot
// first started on Friday afternoon does not ask about the week that ends an hour later).
func (s *Scheduler) promptTime(now, prompt, periodEnd time.Time) bool {
	if now.Before(prompt.Add(PromptGrace)) {
		return true
	}
	return s.decentHour(now) && now.Add(24*time.Hour).Before(periodEnd)
}

// decentHour reports whether now is within working hours on a working day.
func (s *Scheduler) decentHour(now time.Time) bool {
	t := now.In(s.Workdays.Location)
	return s.Workdays.IsWorkday(t) && t.Hour() >= 9 && t.Hour() < 20
}

// ReminderGrace is how late the reminder may still go out.
const ReminderGrace = 12 * time.Hour

// DefaultInterval is how often the loop looks whether a prompt or reminder is due.
const DefaultInterval = 30 * time.Second

// Prompter sends a check-in prompt (or the reminder) to one person. The handlers implement it
// through the bot's paced Sender.
type Prompter interface {
	SendCheckInPrompt(ctx context.Context, u *ganwei.User, p ganwei.Period, reminder bool) error
}

// Scheduler prompts every registered cadre once per period on a working day, and reminds once
// those who have not answered. Several replicas may run it: each person's prompt is claimed in the
// store, so one replica sends it.
type Scheduler struct {
	Users    ganwei.UserService
	CheckIns ganwei.CheckInService
	Periods  *Calendar
	Workdays *workdays.Calendar
	Prompter Prompter
	Now      func() time.Time
	Logger   *slog.Logger
	Interval time.Duration
	// IsBlocked reports whether a send error means the person blocked the bot (bot.ErrBlocked);
	// such prompts are counted for HR's summary. Nil: none are.
	IsBlocked func(error) bool

	kick chan struct{}
	done map[string]bool // "{period}|{kind}" rounds this process finished
}

// Kick makes the loop look at once (the demo calls it after moving its clock).
func (s *Scheduler) Kick() {
	s.init()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Scheduler) init() {
	if s.kick == nil {
		s.kick = make(chan struct{}, 1)
	}
}

// Run looks for due prompts every Interval until ctx ends. Errors are logged and retried at the
// next look, which is the back-off.
func (s *Scheduler) Run(ctx context.Context) {
	s.init()
	if s.Interval <= 0 {
		s.Interval = DefaultInterval
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Warn("check-in prompts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Due returns when the period's prompt and reminder go out: the scheduled time moved to a working
// day, and the next working day at ReminderHour. ok is false when no working day falls in the
// period; remind is zero when the reminder would fall in the next period.
func (s *Scheduler) Due(p ganwei.Period) (prompt, remind time.Time, ok bool) {
	start := p.Start.In(s.Workdays.Location)
	prompt = s.Workdays.NextWorkdayAt(start, start.Hour(), start.Minute())
	if !prompt.Before(p.End) {
		return time.Time{}, time.Time{}, false
	}
	remind = s.Workdays.AddWorkdays(prompt, 1, ReminderHour, 0)
	if !remind.Before(p.End) {
		remind = time.Time{}
	}
	return prompt, remind, true
}

// Tick sends what is due now. It is safe to call repeatedly and from several replicas.
func (s *Scheduler) Tick(ctx context.Context) error {
	if s.done == nil {
		s.done = map[string]bool{}
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	now := s.Now()
	p := s.Periods.PeriodAt(now)
	prompt, remind, ok := s.Due(p)
	if !ok {
		return nil
	}
	if !now.Before(prompt) && !s.done[p.ID+"|"+KindPrompt] && s.promptTime(now, prompt, p.End) {
		if err := s.round(ctx, p, false); err != nil {
			return err
		}
		s.done[p.ID+"|"+KindPrompt] = true
	}
	if !remind.IsZero() && !now.Before(remind) && !s.done[p.ID+"|"+KindReminder] {
		// A reminder days late (the bot was down, or first started mid-period) would arrive
		// right after the prompt: skip it.
		if now.Before(remind.Add(ReminderGrace)) {
			if err := s.round(ctx, p, true); err != nil {
				return err
			}
		}
		s.done[p.ID+"|"+KindReminder] = true
	}
	return nil
}

// round prompts (or reminds) every cadre who is not paused and has not been claimed yet.
func (s *Scheduler) round(ctx context.Context, p ganwei.Period, reminder bool) error {
	users, err := s.Users.Users(ctx)
	if err != nil {
		return err
	}
	pausedUsers, pausedUnits, err := s.CheckIns.Paused(ctx)
	if err != nil {
		return err
	}
	var asked []*ganwei.User
	for _, u := range users {
		if u.Role != ganwei.RoleCadre || pausedUsers[u.ID] || pausedUnits[u.Unit] {
			continue
		}
		asked = append(asked, u)
	}
	kind := KindPrompt
	if reminder {
		kind = KindReminder
	} else if err := s.CheckIns.MarkEligible(ctx, p.ID, asked); err != nil {
		return err
	}
	sent := 0
	for _, u := range asked {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if reminder {
			_, err := s.CheckIns.CheckIn(ctx, u.ID, p.ID)
			if err == nil {
				continue // already answered
			} else if ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
				return err
			}
		}
		won, err := s.CheckIns.ClaimPrompt(ctx, u.ID, p.ID, kind)
		if err != nil {
			return err
		}
		if !won {
			continue
		}
		if err := s.Prompter.SendCheckInPrompt(ctx, u, p, reminder); err != nil {
			// The claim stays: a blocked or failing chat is not retried every tick. A blocked
			// one is counted, so that HR's summary says how many could not be reached.
			s.Logger.Warn("send check-in prompt", "user_id", u.ID, "kind", kind, "err", err)
			if !reminder && s.IsBlocked != nil && s.IsBlocked(err) {
				if err := s.CheckIns.MarkBlocked(ctx, p.ID, u.Unit); err != nil {
					s.Logger.Warn("count blocked prompt", "user_id", u.ID, "err", err)
				}
			}
			continue
		}
		sent++
	}
	s.Logger.Info("check-in round", "period", p.ID, "kind", kind, "sent", sent, "asked", len(asked))
	return nil
}
