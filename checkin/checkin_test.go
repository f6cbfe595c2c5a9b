package checkin_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/workdays"
)

var shanghai = testkit.Shanghai

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai)
}

func TestPeriodAt(t *testing.T) {
	for _, tc := range []struct {
		spec      string
		t         time.Time
		id, label string
		start     time.Time
	}{
		{"0 16 * * 5", at(2026, 11, 20, 16, 0), "2026-W47", "2026年第47周", at(2026, 11, 20, 16, 0)},
		{"0 16 * * 5", at(2026, 11, 20, 15, 59), "2026-W46", "2026年第46周", at(2026, 11, 13, 16, 0)},
		{"0 16 * * 5", at(2026, 11, 25, 9, 0), "2026-W47", "2026年第47周", at(2026, 11, 20, 16, 0)},
		{"", at(2027, 1, 1, 17, 0), "2026-W53", "2026年第53周", at(2027, 1, 1, 16, 0)},
		{"30 9 1 * *", at(2026, 11, 20, 12, 0), "2026-11", "2026年11月", at(2026, 11, 1, 9, 30)},
		{"@monthly", at(2026, 3, 1, 0, 0), "2026-03", "2026年3月", at(2026, 3, 1, 0, 0)},
		{"0 9 * * 1-5", at(2026, 11, 21, 12, 0), "2026-11-20", "2026年11月20日", at(2026, 11, 20, 9, 0)},
	} {
		cal, err := checkin.NewCalendar(tc.spec, shanghai)
		if err != nil {
			t.Fatalf("NewCalendar(%q): %v", tc.spec, err)
		}
		p := cal.PeriodAt(tc.t)
		if p.ID != tc.id || p.Label != tc.label || !p.Start.Equal(tc.start) || !p.End.After(tc.t) {
			t.Errorf("PeriodAt(%q, %v) = %+v, want %s %s from %v", tc.spec, tc.t, p, tc.id, tc.label, tc.start)
		}
	}
}

func TestRecentAndBadSpecs(t *testing.T) {
	cal, _ := checkin.NewCalendar("0 16 * * 5", shanghai)
	ps := cal.Recent(at(2026, 1, 9, 17, 0), 3)
	if got := checkin.IDs(ps); got[0] != "2025-W52" || got[1] != "2026-W01" || got[2] != "2026-W02" {
		t.Errorf("Recent = %v, want 2025-W52 2026-W01 2026-W02", got)
	}
	for _, bad := range []string{"every friday", "0 16 * *", "CRON_TZ=UTC 0 16 * * 5", "0 0 30 2 *"} {
		if _, err := checkin.NewCalendar(bad, shanghai); err == nil {
			t.Errorf("NewCalendar(%q) accepted", bad)
		}
	}
}

// TestRecentMatchesPeriodAt: Recent lists the same periods as walking back with PeriodAt, also
// for schedules whose gaps are longer than the calendar's search span (yearly, the 31st).
func TestRecentMatchesPeriodAt(t *testing.T) {
	for _, spec := range []string{"", "@weekly", "@monthly", "0 9 * * 1-5", "*/30 8-18 * * *", "0 9 31 * *", "0 9 1 1 *"} {
		cal, err := checkin.NewCalendar(spec, shanghai)
		if err != nil {
			t.Fatalf("NewCalendar(%q): %v", spec, err)
		}
		for _, now := range []time.Time{at(2026, 11, 20, 16, 0), at(2026, 11, 20, 15, 59), at(2027, 1, 3, 9, 0), at(2028, 3, 1, 0, 0)} {
			for _, n := range []int{1, 2, 13} {
				want := make([]ganwei.Period, n)
				want[n-1] = cal.PeriodAt(now)
				for i := n - 2; i >= 0; i-- {
					want[i] = cal.PeriodAt(want[i+1].Start.Add(-time.Second))
				}
				got := cal.Recent(now, n)
				for i := range want {
					if got[i].ID != want[i].ID || got[i].Label != want[i].Label || !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
						t.Errorf("Recent(%q, %v, %d)[%d] = %+v, want %+v", spec, now, n, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestDueMovesToWorkingDays(t *testing.T) {
	cal, _ := checkin.NewCalendar("0 16 * * 5", shanghai)
	s := &checkin.Scheduler{Periods: cal, Workdays: workdays.New(shanghai)}
	for _, tc := range []struct {
		name           string
		t              time.Time
		prompt, remind time.Time
	}{
		{"ordinary week: Friday prompt, Monday reminder", at(2026, 11, 21, 9, 0), at(2026, 11, 20, 16, 0), at(2026, 11, 23, 10, 0)},
		// National Day 2026: Friday 2 October is a holiday; the prompt waits for the next working day.
		{"holiday Friday", at(2026, 10, 3, 9, 0), workdays.New(shanghai).NextWorkdayAt(at(2026, 10, 2, 16, 0), 16, 0), time.Time{}},
	} {
		p := cal.PeriodAt(tc.t)
		prompt, remind, ok := s.Due(p)
		if !ok || !prompt.Equal(tc.prompt) || !s.Workdays.IsWorkday(prompt) {
			t.Errorf("%s: prompt %v (ok %v), want %v on a working day", tc.name, prompt, ok, tc.prompt)
		}
		if !tc.remind.IsZero() && !remind.Equal(tc.remind) {
			t.Errorf("%s: reminder %v, want %v", tc.name, remind, tc.remind)
		}
		if !remind.IsZero() && (!remind.After(prompt) || !remind.Before(p.End)) {
			t.Errorf("%s: reminder %v outside (%v, %v)", tc.name, remind, prompt, p.End)
		}
	}
}

func TestTrendChart(t *testing.T) {
	cal, _ := checkin.NewCalendar("", shanghai)
	ps := cal.Recent(at(2026, 11, 20, 17, 0), 8)
	rep := &checkin.Report{Periods: ps}
	for i, p := range ps {
		n := 10 + i
		a := &ganwei.Aggregate{Period: p.ID, Responses: n, WellbeingSum: n*3 + n*i/8, StressSum: n*4 - 2*i}
		if i == 2 {
			a = &ganwei.Aggregate{Period: p.ID, Responses: 2, WellbeingSum: 10} // hidden: fewer than 3
		}
		rep.Trend = append(rep.Trend, a)
	}
	out, err := checkin.TrendChart(rep)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("chart is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 200 {
		t.Errorf("chart %v too small", b)
	}
	if path := os.Getenv("GANWEI_CHART_OUT"); path != "" {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if none, err := checkin.TrendChart(&checkin.Report{Periods: ps[:1], Trend: []*ganwei.Aggregate{{Responses: 2}}}); none != nil || err != nil {
		t.Errorf("chart with only hidden periods = %d bytes, %v; want none", len(none), err)
	}
}

// countingPrompter records who was prompted.
type countingPrompter struct {
	mu   sync.Mutex
	sent map[int64]int
}

func (p *countingPrompter) SendCheckInPrompt(_ context.Context, u *ganwei.User, _ ganwei.Period, _ bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent[u.ID]++
	return nil
}

// Two replicas looking at the same moment prompt each cadre once between them; paused people
// and units, and staff, get nothing.
func TestReplicasPromptOnce(t *testing.T) {
	ctx := context.Background()
	rd := redistest.New(t)
	store := redisstore.New(rd.Client, rd.Prefix)
	now := at(2026, 11, 20, 16, 5)
	store.Now = func() time.Time { return now }
	for i := 0; i < 60; i++ {
		u := &ganwei.User{ID: int64(500 + i), Name: fmt.Sprintf("干部%d", i), Unit: fmt.Sprintf("单位%d", i%3), Role: ganwei.RoleCadre}
		if i == 59 {
			u.Role = ganwei.RoleHR
		}
		if err := store.SaveUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.SetPaused(ctx, 0, "单位2", true); err != nil {
		t.Fatal(err)
	}
	if err := store.SetPaused(ctx, 500, "", true); err != nil {
		t.Fatal(err)
	}
	cal, _ := checkin.NewCalendar("", shanghai)
	p := &countingPrompter{sent: map[int64]int{}}
	var wg sync.WaitGroup
	for r := 0; r < 2; r++ {
		s := &checkin.Scheduler{Users: store, CheckIns: store, Periods: cal, Workdays: workdays.New(shanghai),
			Prompter: p, Now: store.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Tick(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Cadres 500..558 in 单位0/1/2; 单位2 paused (i%3 == 2), 500 paused, 559 is HR.
	want := 0
	for i := 0; i < 59; i++ {
		id := int64(500 + i)
		should := i%3 != 2 && id != 500
		if should {
			want++
		}
		if got := p.sent[id]; (should && got != 1) || (!should && got != 0) {
			t.Errorf("user %d prompted %d times, want %v", id, got, should)
		}
	}
	aggs, _ := store.Aggregates(ctx, []string{"2026-W47"}, "")
	if aggs[0].Eligible != want {
		t.Errorf("eligible = %d, want %d", aggs[0].Eligible, want)
	}
}

// TestLatePromptWaitsForWorkingHours: a bot that was down at Friday 16:00 and comes back on
// Saturday night does not wake people; the prompt goes out on Monday morning instead.
func TestLatePromptWaitsForWorkingHours(t *testing.T) {
	ctx := context.Background()
	rd := redistest.New(t)
	store := redisstore.New(rd.Client, rd.Prefix)
	var now time.Time
	store.Now = func() time.Time { return now }
	if err := store.SaveUser(ctx, &ganwei.User{ID: 700, Name: "干部", Unit: "单位", Role: ganwei.RoleCadre}); err != nil {
		t.Fatal(err)
	}
	cal, _ := checkin.NewCalendar("", shanghai)
	p := &countingPrompter{sent: map[int64]int{}}
	s := &checkin.Scheduler{Users: store, CheckIns: store, Periods: cal, Workdays: workdays.New(shanghai),
		Prompter: p, Now: store.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, step := range []struct {
		now  time.Time
		want int
	}{
		{at(2026, 11, 20, 15, 59), 0}, // the last period ends in a minute: too late to ask about it
		{at(2026, 11, 21, 23, 30), 0}, // Saturday night, a day late: wait
		{at(2026, 11, 23, 7, 0), 0},   // Monday before working hours
		{at(2026, 11, 23, 9, 0), 1},   // Monday 09:00: the late prompt goes out
	} {
		now = step.now
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if got := p.sent[700]; got != step.want {
			t.Errorf("at %s: prompted %d times, want %d", now.Format("Mon 15:04"), got, step.want)
		}
	}
}
