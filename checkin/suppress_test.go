package checkin_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
)

// memCheckIns is the part of the check-in store that summaries and exports read, computed in
// memory from answers (complete or partial), so that the property test can try thousands of
// organisations quickly. Methods it does not implement panic through the nil embedded interface.
type memCheckIns struct {
	ganwei.CheckInService
	aggs map[string]*ganwei.Aggregate // "{period}|{unit}"
	unit map[string]bool
}

func newMemCheckIns() *memCheckIns {
	return &memCheckIns{aggs: map[string]*ganwei.Aggregate{}, unit: map[string]bool{}}
}

func (m *memCheckIns) cell(period, unit string) *ganwei.Aggregate {
	k := period + "|" + unit
	if m.aggs[k] == nil {
		m.aggs[k] = &ganwei.Aggregate{Period: period, Unit: unit, Support: map[ganwei.Support]int{}, Benefits: map[ganwei.Benefits]int{}}
	}
	return m.aggs[k]
}

// add counts one answer as the store's submit script does.
func (m *memCheckIns) add(c *ganwei.CheckIn) {
	groups := []string{""}
	if c.Unit != "" {
		groups = append(groups, c.Unit)
		m.unit[c.Unit] = true
	}
	for _, g := range groups {
		a := m.cell(c.Period, g)
		a.Responses++
		a.Eligible++
		if c.Wellbeing > 0 {
			a.WellbeingSum += c.Wellbeing
			a.WellbeingDist[c.Wellbeing-1]++
		}
		if c.Stress > 0 {
			a.StressSum += c.Stress
			a.StressDist[c.Stress-1]++
		}
		if c.Support != "" {
			a.Support[c.Support]++
		}
		if c.Benefits != "" {
			a.Benefits[c.Benefits]++
		}
		if c.TalkAnswered {
			a.TalkAnswered++
			if c.Talk {
				a.Talk++
			}
		}
	}
}

func (m *memCheckIns) CheckInUnits(context.Context) ([]string, error) {
	var out []string
	for u := range m.unit {
		out = append(out, u)
	}
	slices.Sort(out)
	return out, nil
}

// Aggregates returns copies, as a store would: suppression marks must not leak between reads.
func (m *memCheckIns) Aggregates(_ context.Context, periods []string, unit string) ([]*ganwei.Aggregate, error) {
	out := make([]*ganwei.Aggregate, len(periods))
	for i, p := range periods {
		c := *m.cell(p, unit)
		c.Support, c.Benefits = map[ganwei.Support]int{}, map[ganwei.Benefits]int{}
		for k, v := range m.cell(p, unit).Support {
			c.Support[k] = v
		}
		for k, v := range m.cell(p, unit).Benefits {
			c.Benefits[k] = v
		}
		out[i] = &c
	}
	return out, nil
}

func (m *memCheckIns) GroupAggregates(ctx context.Context, periods, groups []string) ([][]*ganwei.Aggregate, error) {
	out := make([][]*ganwei.Aggregate, len(groups))
	for i, g := range groups {
		out[i], _ = m.Aggregates(ctx, periods, g)
	}
	return out, nil
}

func (m *memCheckIns) OpenCases(context.Context) (int, map[string]int, error) {
	return 0, map[string]int{}, nil
}

// figure is one published cell: the sizes behind its figures and every figure's value.
type figure struct {
	sizes  [6]int
	values []int // sums and counts, the linear quantities an attacker can subtract
}

func figureOf(a *ganwei.Aggregate) figure {
	f := figure{sizes: a.Sizes()}
	f.values = append(f.values, a.Responses, a.WellbeingSum, a.StressSum, a.Talk)
	f.values = append(f.values, a.WellbeingDist[:]...)
	f.values = append(f.values, a.StressDist[:]...)
	for _, v := range ganwei.Supports {
		f.values = append(f.values, a.Support[v])
	}
	for _, v := range ganwei.BenefitsAll {
		f.values = append(f.values, a.Benefits[v])
	}
	return f
}

// published collects every figure the product shows, per period and group ("" = everyone),
// from every view: everyone's summary with its unit lines and trend, each unit's summary and
// trend, and the CSV export of aggregates (parsed back, as an attacker would). A cell shown in any
// view is published.
func published(t *testing.T, svc ganwei.CheckInService, cal ganwei.PeriodCalendar, now time.Time, n int) map[string]map[string]bool {
	t.Helper()
	ctx := context.Background()
	shown := map[string]map[string]bool{}
	mark := func(a *ganwei.Aggregate) {
		if a.Visible() {
			if shown[a.Period] == nil {
				shown[a.Period] = map[string]bool{}
			}
			shown[a.Period][a.Unit] = true
		}
	}
	all, err := checkin.Summarize(ctx, svc, cal, now, "", n)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range append(all.Trend, all.Units...) {
		mark(a)
	}
	units, _ := svc.CheckInUnits(ctx)
	for _, u := range units {
		rep, err := checkin.Summarize(ctx, svc, cal, now, u, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range rep.Trend {
			mark(a)
		}
	}
	var buf bytes.Buffer
	if err := checkin.Export(ctx, &buf, checkin.ExportOptions{Format: "csv", Service: svc, Periods: cal.Recent(now, n)}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		if row[5] == "" { // no average: hidden
			continue
		}
		unit := row[1]
		if unit == "全体" {
			unit = ""
		}
		if shown[row[0]] == nil {
			shown[row[0]] = map[string]bool{}
		}
		shown[row[0]][unit] = true
	}
	return shown
}

// derivable returns a group of 1 or 2 people an attacker can compute from the published cells of
// one period, or "" when there is none. The units partition everyone (plus people without a
// unit), so what can be derived is everyone minus any set of published units, and the published
// cells themselves.
func derivable(overall figure, units map[string]figure, showOverall bool) string {
	small := func(f figure) bool {
		for _, n := range f.sizes {
			if n > 0 && n < ganwei.MinGroupSize {
				return true
			}
		}
		return false
	}
	names := make([]string, 0, len(units))
	for u, f := range units {
		if small(f) {
			return "the published unit " + u
		}
		names = append(names, u)
	}
	slices.Sort(names)
	if !showOverall {
		return ""
	}
	if small(overall) {
		return "everyone"
	}
	for mask := 1; mask < 1<<len(names); mask++ {
		rest := overall
		rest.values = slices.Clone(overall.values)
		var minus []string
		for i, u := range names {
			if mask&(1<<i) == 0 {
				continue
			}
			minus = append(minus, u)
			for j := range rest.sizes {
				rest.sizes[j] -= units[u].sizes[j]
			}
			for j := range rest.values {
				rest.values[j] -= units[u].values[j]
			}
		}
		if small(rest) {
			return "everyone minus " + strings.Join(minus, "+")
		}
	}
	return ""
}

// TestNoFigureCombinationRevealsASmallGroup is the differencing attack as a property: for random
// organisations (units of 0–6 people, people without a unit, partial check-ins, several periods),
// the attacker takes every figure any view publishes and subtracts them in every combination;
// no group of 1 or 2 people ever comes out.
func TestNoFigureCombinationRevealsASmallGroup(t *testing.T) {
	cal, _ := checkin.NewCalendar("", shanghai)
	now := at(2026, 11, 20, 17, 0)
	const periods = 3
	ps := cal.Recent(now, periods)
	seed := time.Now().UnixNano()
	r := rand.New(rand.NewSource(seed))
	for iter := 0; iter < 400; iter++ {
		svc := newMemCheckIns()
		nUnits := 1 + r.Intn(5)
		uid := int64(1)
		for _, p := range ps {
			for u := 0; u <= nUnits; u++ {
				unit := fmt.Sprintf("单位%d", u)
				if u == nUnits {
					unit = "" // people without a unit count in everyone's figures only
				}
				for k := r.Intn(7); k > 0; k-- {
					c := &ganwei.CheckIn{UserID: uid, Unit: unit, Period: p.ID, Wellbeing: 1 + r.Intn(5), Stress: 1 + r.Intn(5),
						Support: ganwei.Supports[r.Intn(3)], Benefits: ganwei.BenefitsAll[r.Intn(2)], Talk: r.Intn(4) == 0, TalkAnswered: true}
					uid++
					switch r.Intn(6) { // a partial check-in, stopped after the first question or two
					case 0:
						c.Stress, c.Support, c.Benefits, c.Talk, c.TalkAnswered = 0, "", "", false, false
					case 1:
						c.Support, c.Benefits, c.Talk, c.TalkAnswered = "", "", false, false
					}
					svc.add(c)
				}
			}
		}
		shown := published(t, svc, cal, now, periods)
		for _, p := range ps {
			overall := figureOf(svc.cell(p.ID, ""))
			units := map[string]figure{}
			for u, ok := range shown[p.ID] {
				if ok && u != "" {
					units[u] = figureOf(svc.cell(p.ID, u))
				}
			}
			if leak := derivable(overall, units, shown[p.ID][""]); leak != "" {
				t.Fatalf("seed %d, iteration %d, period %s: %s reveals a group under %d (published: %v)", seed, iter, p.ID, leak, ganwei.MinGroupSize, shown[p.ID])
			}
		}
	}
}

// The example: unit A has 3 answers, unit B one. Without complementary suppression
// everyone minus A is B's one answer; the attacker of the property test finds it, and
// Suppress hides A.
func TestSuppressHidesTheUnitThatWouldRevealAnother(t *testing.T) {
	svc := newMemCheckIns()
	for i, unit := range []string{"A", "A", "A", "B"} {
		svc.add(&ganwei.CheckIn{UserID: int64(i + 1), Unit: unit, Period: "2026-W47", Wellbeing: 2 + i, Stress: 3,
			Support: ganwei.SupportEnough, Benefits: ganwei.BenefitsOK, Talk: unit == "B", TalkAnswered: true})
	}
	overall, a, b := svc.cell("2026-W47", ""), svc.cell("2026-W47", "A"), svc.cell("2026-W47", "B")
	if leak := derivable(figureOf(overall), map[string]figure{"A": figureOf(a)}, true); leak == "" {
		t.Fatalf("the attacker does not find B's answer in everyone minus A")
	}
	checkin.Suppress(overall, []*ganwei.Aggregate{a, b})
	if !overall.Visible() || a.Visible() || b.Visible() {
		t.Errorf("after Suppress: everyone visible %v, A %v, B %v; want everyone only", overall.Visible(), a.Visible(), b.Visible())
	}
	if !a.Suppressed {
		t.Errorf("A is hidden but not marked as complementary suppression")
	}
}

// Exports say why a group is hidden, one note for too few answers and another for groups hidden
// to protect others.
func TestExportNotesWhyAGroupIsHidden(t *testing.T) {
	svc := newMemCheckIns()
	for i, unit := range []string{"A", "A", "A", "B", "C", "C", "C", "C"} {
		svc.add(&ganwei.CheckIn{UserID: int64(i + 1), Unit: unit, Period: "2026-W47", Wellbeing: 3, Stress: 3,
			Support: ganwei.SupportEnough, Benefits: ganwei.BenefitsOK, TalkAnswered: true})
	}
	cal, _ := checkin.NewCalendar("", shanghai)
	var buf bytes.Buffer
	if err := checkin.Export(context.Background(), &buf, checkin.ExportOptions{Format: "csv", Service: svc, Periods: cal.Recent(at(2026, 11, 20, 17, 0), 2)}); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, want := range []string{"2026-W47,A,3,3,100%,,", "为防止推算", "2026-W47,B,1,1,100%,,", "作答不足3人", "2026-W47,C,4,4,100%,3.00"} {
		if !strings.Contains(got, want) {
			t.Errorf("export lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "2026-W46") {
		t.Errorf("export lists empty groups of a period nobody answered in:\n%s", got)
	}
}
