package checkin

import (
	"context"
	"slices"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Privacy of group figures. A group's figures are shown only when every figure rests on at least
// ganwei.MinGroupSize people (primary suppression, Aggregate.Visible). That alone is beaten by
// subtraction: everyone's figures minus those of the units shown are the figures of the rest,
// which may be one person. So, as statistical offices do, Suppress also hides enough of the
// shown units (secondary or complementary suppression) that what is left over is either nobody
// or a group of at least MinGroupSize in every figure.
//
// The rule holds per period across every view, because every view reads its cells from one
// Table: the overall and per-unit summaries, the trend and its chart, the CSV and Excel
// aggregates and `admin summary --json` show the same cells and hide the same ones. No view
// shows a figure summed over several periods, so nothing can be differenced across periods; and
// a period's figures appear only once it has closed, so that readings of a running period taken
// before and after one answer cannot be differenced either.

// Suppress marks, for one period, the units whose figures must be hidden besides those that are
// too small themselves. overall is everyone's aggregate, units every unit's (people without a unit
// count in overall only, and so in the remainder).
func Suppress(overall *ganwei.Aggregate, units []*ganwei.Aggregate) {
	if !overall.Visible() {
		return // nothing to subtract from: units are disjoint, so each shows only itself
	}
	for {
		rest := overall.Sizes()
		var shown []*ganwei.Aggregate
		for _, u := range units {
			if u.Visible() {
				shown = append(shown, u)
				s := u.Sizes()
				for i := range rest {
					rest[i] -= s[i]
				}
			}
		}
		small := smallFigures(rest)
		if len(small) == 0 {
			return
		}
		// Hide the smallest shown unit that adds people to a figure that is too small; when
		// none does (cannot happen: the figures of everyone are not small), hide everyone's.
		var pick *ganwei.Aggregate
		for _, u := range shown {
			s := u.Sizes()
			helps := false
			for _, i := range small {
				helps = helps || s[i] > 0
			}
			if helps && (pick == nil || u.Responses < pick.Responses || u.Responses == pick.Responses && u.Unit < pick.Unit) {
				pick = u
			}
		}
		if pick == nil {
			overall.Suppressed = true
			return
		}
		pick.Suppressed = true
	}
}

// smallFigures returns the indexes of the sizes that rest on 1 or 2 people.
func smallFigures(sizes [6]int) []int {
	var out []int
	for i, n := range sizes {
		if n > 0 && n < ganwei.MinGroupSize {
			out = append(out, i)
		}
	}
	return out
}

// Table is every group's aggregate in some periods, with the cells that must stay hidden marked
// (Aggregate.Visible). Every view of check-in figures reads from one.
type Table struct {
	Periods []ganwei.Period
	Overall []*ganwei.Aggregate            // one per period
	Units   []string                       // sorted
	ByUnit  map[string][]*ganwei.Aggregate // one per period for each unit
}

// LoadTable reads everyone's and every unit's aggregates for the periods, applies Suppress to
// each period, and marks the cells of a period still running at now as Open (hidden until it
// closes, so that figures read before and after one more answer cannot be differenced).
func LoadTable(ctx context.Context, svc ganwei.CheckInFigures, periods []ganwei.Period, now time.Time) (*Table, error) {
	ids := IDs(periods)
	units, err := svc.CheckInUnits(ctx)
	if err != nil {
		return nil, err
	}
	slices.Sort(units)
	t := &Table{Periods: periods, Units: units, ByUnit: map[string][]*ganwei.Aggregate{}}
	groups, err := svc.GroupAggregates(ctx, ids, append([]string{""}, units...))
	if err != nil {
		return nil, err
	}
	t.Overall = groups[0]
	for i, u := range units {
		t.ByUnit[u] = groups[i+1]
	}
	for i, p := range periods {
		cells := t.UnitsAt(i)
		Suppress(t.Overall[i], cells)
		if p.End.IsZero() || now.Before(p.End) {
			for _, a := range append(cells, t.Overall[i]) {
				a.Open = true
			}
		}
	}
	return t, nil
}

// UnitsAt returns every unit's aggregate in the i-th period, in the order of t.Units.
func (t *Table) UnitsAt(i int) []*ganwei.Aggregate {
	out := make([]*ganwei.Aggregate, len(t.Units))
	for j, u := range t.Units {
		out[j] = t.ByUnit[u][i]
	}
	return out
}

// Group returns the aggregates of one group ("" = everyone) over the periods.
func (t *Table) Group(unit string) []*ganwei.Aggregate {
	if unit == "" {
		return t.Overall
	}
	if g, ok := t.ByUnit[unit]; ok {
		return g
	}
	out := make([]*ganwei.Aggregate, len(t.Periods))
	for i, p := range t.Periods {
		// Running or closed as everyone's cell of the period is.
		out[i] = &ganwei.Aggregate{Period: p.ID, Unit: unit, Support: map[ganwei.Support]int{}, Benefits: map[ganwei.Benefits]int{}, Open: t.Overall[i].Open}
	}
	return out
}
