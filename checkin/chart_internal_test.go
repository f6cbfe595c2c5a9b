package checkin

import (
	"bytes"
	"testing"

	"github.com/ganwei-bot/ganwei"
)

// The trend starts at the first period anyone was asked in or answered, with no empty slots
// before it, and carries participation where it is known, also for hidden periods (a count).
func TestTrendStartsAtFirstPeriodAndShowsParticipation(t *testing.T) {
	agg := func(id string, n, eligible int) *ganwei.Aggregate {
		return &ganwei.Aggregate{Period: id, Responses: n, Eligible: eligible, WellbeingSum: 4 * n, StressSum: 2 * n,
			WellbeingDist: [5]int{0, 0, 0, n}, StressDist: [5]int{0, n}, TalkAnswered: n,
			Support: map[ganwei.Support]int{ganwei.SupportEnough: n}, Benefits: map[ganwei.Benefits]int{ganwei.BenefitsOK: n}}
	}
	ids := []string{"2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44", "2026-W45"}
	var ps []ganwei.Period
	for _, id := range ids {
		ps = append(ps, ganwei.Period{ID: id})
	}
	r := &Report{Periods: ps, Trend: []*ganwei.Aggregate{
		agg(ids[0], 0, 0), agg(ids[1], 0, 0), agg(ids[2], 4, 5), agg(ids[3], 2, 5), agg(ids[4], 5, 5), agg(ids[5], 3, 4)}}
	d := buildTrend(r)
	if len(d.periods) != 4 || d.periods[0] != "W42" {
		t.Errorf("periods = %v, want W42..W45 without the empty W40 and W41", d.periods)
	}
	if len(d.partY) != 4 || d.partY[0] != 0.8 || d.partY[1] != 0.4 || d.partY[2] != 1 {
		t.Errorf("participation = %v, want 0.8 0.4 1 0.75", d.partY)
	}
	if len(d.runs) != 2 || len(d.runs[0].x) != 1 || d.runs[1].x[0] != 2 {
		t.Errorf("runs = %+v, want W42 alone, then W44–W45 (W43 has 2 answers: a gap)", d.runs)
	}
	png, err := TrendChart(r)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("TrendChart = %d bytes, %v", len(png), err)
	}
}
