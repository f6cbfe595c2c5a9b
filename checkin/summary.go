package checkin

import (
	"context"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Report is a summary for HR: one group (everyone or a unit) in the current period, which is
// still running and so shows participation only; the previous, closed period with its figures and
// the change against the one before; a trend; and the previous period's per-unit lines. It is
// built only from aggregates, so its cost does not grow with the number of answers. Figures of a
// hidden group (Aggregate.Visible: too few answers, hidden so that a small group cannot be derived
// by subtraction, or a period still running) must not be shown.
type Report struct {
	Period    ganwei.Period
	Unit      string // "" for everyone
	Current   *ganwei.Aggregate
	Previous  *ganwei.Aggregate   // the latest closed period: the figures HR reads
	Earlier   *ganwei.Aggregate   // the period before Previous, for the change
	Trend     []*ganwei.Aggregate // oldest first, ending with Current
	Periods   []ganwei.Period     // matching Trend
	Units     []*ganwei.Aggregate // the previous period per unit (everyone's report only)
	OpenCases int                 // active follow-up cases of the group
}

// Summarize builds the report for unit ("" = everyone) over the n most recent periods (at least
// 3). Callers outside this package go through Staff.Summary, which checks the actor and audits.
func Summarize(ctx context.Context, svc interface {
	ganwei.CheckInFigures
	ganwei.CaseStore
}, cal ganwei.PeriodCalendar, now time.Time, unit string, n int) (*Report, error) {
	if n < 3 {
		n = 3
	}
	periods := cal.Recent(now, n)
	t, err := LoadTable(ctx, svc, periods, now)
	if err != nil {
		return nil, err
	}
	trend := t.Group(unit)
	r := &Report{Period: periods[n-1], Unit: unit, Trend: trend, Periods: periods,
		Current: trend[n-1], Previous: trend[n-2], Earlier: trend[n-3]}
	if unit == "" {
		r.Units = t.UnitsAt(n - 2)
	}
	total, perUnit, err := svc.OpenCases(ctx)
	if err != nil {
		return nil, err
	}
	r.OpenCases = total
	if unit != "" {
		r.OpenCases = perUnit[unit]
	}
	return r, nil
}

// Change is the difference of a visible average against the previous period; ok is false when
// either side is hidden or empty.
func Change(cur, prev *ganwei.Aggregate, avg func(*ganwei.Aggregate) float64) (float64, bool) {
	if cur == nil || prev == nil || !cur.Visible() || !prev.Visible() {
		return 0, false
	}
	return avg(cur) - avg(prev), true
}
