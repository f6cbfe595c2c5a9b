// Package checkin runs the care check-ins (关心关爱) around the stored data: it maps times to
// periods from a cron schedule, prompts cadres on working days with one gentle reminder, builds
// summaries from precomputed aggregates, draws the trend chart and writes exports.
//
// It speaks to the domain interfaces of package ganwei; Redis and Telegram stay behind them.
// Nothing here logs an answer: logs carry ids and counts only.
package checkin

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ganwei-bot/ganwei"
)

// DefaultSchedule is Friday 16:00: the end of the working week, when there is a moment to reflect.
const DefaultSchedule = "0 16 * * 5"

// granularity is how period ids are written, derived from the schedule's shape.
type granularity int

const (
	byDay granularity = iota
	byWeek
	byMonth
)

// Calendar maps times to check-in periods: a period runs from one scheduled prompt to the next.
// It implements ganwei.PeriodCalendar.
type Calendar struct {
	sched cron.Schedule
	loc   *time.Location
	gran  granularity
	span  time.Duration // how far back to look for the previous prompt
}

var _ ganwei.PeriodCalendar = (*Calendar)(nil)

// NewCalendar parses a standard five-field cron expression (minute hour day-of-month month
// day-of-week, or a descriptor such as @weekly) in loc. A schedule that names a day of the month
// gives monthly periods ("2026-11"), one that names a single weekday weekly ISO-week periods
// ("2026-W48"), anything else daily ones ("2026-11-27").
func NewCalendar(spec string, loc *time.Location) (*Calendar, error) {
	if loc == nil {
		loc = time.Local
	}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		spec = DefaultSchedule
	}
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return nil, fmt.Errorf("cron expression: leave out the time zone, GANWEI_TIMEZONE sets it")
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("cron expression %q: %w", spec, err)
	}
	if spec, ok := sched.(*cron.SpecSchedule); ok {
		spec.Location = loc
	}
	c := &Calendar{sched: sched, loc: loc, gran: byDay, span: 3 * 24 * time.Hour}
	switch f := strings.Fields(spec); {
	case spec == "@monthly":
		c.gran = byMonth
	case spec == "@weekly":
		c.gran = byWeek
	case len(f) == 5 && f[2] != "*" && f[2] != "?":
		c.gran = byMonth
	case len(f) == 5 && f[4] != "*" && f[4] != "?" && !strings.ContainsAny(f[4], ",-/"):
		c.gran = byWeek
	}
	switch c.gran {
	case byWeek:
		c.span = 8 * 24 * time.Hour
	case byMonth:
		c.span = 64 * 24 * time.Hour
	}
	if sched.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, loc)).IsZero() {
		return nil, fmt.Errorf("cron expression %q never fires", spec)
	}
	return c, nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// PeriodAt returns the period t falls in.
func (c *Calendar) PeriodAt(t time.Time) ganwei.Period {
	t = t.In(c.loc)
	var start time.Time
	for span := c.span; start.IsZero() && span < 800*24*time.Hour; span *= 2 {
		for n := c.sched.Next(t.Add(-span)); !n.IsZero() && !n.After(t); n = c.sched.Next(n) {
			start = n
		}
	}
	return c.period(start, c.sched.Next(start))
}

func (c *Calendar) period(start, end time.Time) ganwei.Period {
	id := c.id(start)
	return ganwei.Period{ID: id, Label: ganwei.PeriodLabel(id), Start: start, End: end}
}

// Recent returns the n periods up to and including the one t falls in, oldest first. It lists the
// earlier prompts in one pass forward from n spans back, rather than searching back from each
// period's start; a schedule with a longer gap than span in that stretch is walked back period by
// period as PeriodAt does.
func (c *Calendar) Recent(t time.Time, n int) []ganwei.Period {
	if n <= 0 {
		return nil
	}
	out := make([]ganwei.Period, n)
	out[n-1] = c.PeriodAt(t)
	cur := out[n-1].Start
	var starts []time.Time
	if !cur.IsZero() {
		for s := c.sched.Next(cur.Add(-time.Duration(n) * c.span)); !s.IsZero() && s.Before(cur); s = c.sched.Next(s) {
			starts = append(starts, s)
		}
	}
	if len(starts) >= n-1 {
		starts = append(starts[len(starts)-(n-1):], cur)
		for i := 0; i < n-1; i++ {
			out[i] = c.period(starts[i], starts[i+1])
		}
		return out
	}
	for i := n - 2; i >= 0; i-- {
		out[i] = c.PeriodAt(out[i+1].Start.Add(-time.Second))
	}
	return out
}

func (c *Calendar) id(t time.Time) string {
	switch c.gran {
	case byWeek:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case byMonth:
		return t.Format("2006-01")
	}
	return t.Format("2006-01-02")
}

// IDs returns the ids of periods.
func IDs(ps []ganwei.Period) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
