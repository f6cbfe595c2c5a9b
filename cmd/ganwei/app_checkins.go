package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/workdays"
)

// CheckInConfig is the care check-in part of Config.
type CheckInConfig struct {
	Schedule      string        // GANWEI_CHECKIN_SCHEDULE: cron expression in GANWEI_TIMEZONE
	Retention     time.Duration // GANWEI_CHECKIN_RETENTION: how long scores are kept
	NoteRetention time.Duration // GANWEI_CHECKIN_NOTE_RETENTION: how long free-text lines are kept
	Calendar      *checkin.Calendar
}

// loadCheckInConfig reads the check-in variables; loadConfig calls it after the time zone.
func (c *Config) loadCheckInConfig(get func(string) string) error {
	cc := &c.CheckIn
	cc.Schedule = get("GANWEI_CHECKIN_SCHEDULE")
	if cc.Schedule == "" {
		cc.Schedule = checkin.DefaultSchedule
	}
	cal, err := checkin.NewCalendar(cc.Schedule, c.Location)
	if err != nil {
		return &configError{"GANWEI_CHECKIN_SCHEDULE", err.Error() + " (five fields: minute hour day-of-month month day-of-week, e.g. \"0 16 * * 5\")"}
	}
	cc.Calendar = cal
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"GANWEI_CHECKIN_RETENTION", &cc.Retention}, {"GANWEI_CHECKIN_NOTE_RETENTION", &cc.NoteRetention}} {
		raw := get(v.name)
		if raw == "" {
			continue
		}
		d, err := parseDays(raw)
		if err != nil || d < 24*time.Hour {
			return &configError{v.name, fmt.Sprintf("%q: want a duration of at least one day, e.g. 730d or 2160h", raw)}
		}
		*v.dst = d
	}
	if cc.Retention > 0 && cc.NoteRetention > cc.Retention {
		return &configError{"GANWEI_CHECKIN_NOTE_RETENTION", "must not be longer than GANWEI_CHECKIN_RETENTION"}
	}
	return nil
}

// parseDays accepts Go durations and whole days ("90d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("bad day count")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// wireCheckIns gives the handlers the check-in service and builds the prompt loop.
func (a *app) wireCheckIns() {
	a.store.CheckInRetention = a.cfg.CheckIn.Retention
	a.store.NoteRetention = a.cfg.CheckIn.NoteRetention
	a.handlers.CheckIns = a.store
	a.handlers.Periods = a.cfg.CheckIn.Calendar
	a.checkins = &checkin.Scheduler{
		Users: a.store, CheckIns: a.store, Periods: a.cfg.CheckIn.Calendar,
		Workdays: workdays.New(a.cfg.Location), Prompter: a.handlers,
		Now: func() time.Time { return a.store.Now() }, Logger: a.logger,
		IsBlocked: func(err error) bool { return errors.Is(err, ganwei.ErrRecipientBlocked) },
	}
}
