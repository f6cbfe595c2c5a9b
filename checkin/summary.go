package checkin

import (
	"context"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Report is a summary for HR: one group (everyone or a unit) in the current period, the previous
// period for the change, a trend, and per-unit lines. It is built only from aggregates, so its
// cost does not grow with the number of answers. Figures of a group with fewer than
// ganwei.MinGroupSize answers must not be shown; Visible says so for each.
type Report struct {
	Period    ganwei.Period
	Unit      string // "" for everyone
	Current   *ganwei.Aggregate
	Previous  *ganwei.Aggregate
	Trend     []*ganwei.Aggregate // oldest first, ending with Current
	Periods   []ganwei.Period     // matching Trend
	Units     []*ganwei.Aggregate // current period per unit (everyone's report only)
	OpenCases int                 // active follow-up cases of the group
}

// Summarize builds the report for unit ("" = everyone) over the n most recent periods (at least 2).
func Summarize(ctx context.Context, svc ganwei.CheckInService, cal ganwei.PeriodCalendar, now time.Time, unit string, n int) (*Report, error) {
	if n < 2 {
		n = 2
	}
	periods := cal.Recent(now, n)
	trend, err := svc.Aggregates(ctx, IDs(periods), unit)
	if err != nil {
		return nil, err
	}
	r := &Report{Period: periods[n-1], Unit: unit, Trend: trend, Periods: periods,
		Current: trend[n-1], Previous: trend[n-2]}
	if unit == "" {
		units, err := svc.CheckInUnits(ctx)
		if err != nil {
			return nil, err
		}
		if r.Units, err = svc.UnitAggregates(ctx, r.Period.ID, units); err != nil {
			return nil, err
		}
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
