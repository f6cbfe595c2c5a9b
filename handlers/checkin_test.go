package handlers

import (
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
)

func TestValidAnswer(t *testing.T) {
	for _, tc := range []struct {
		step, val string
		want      bool
	}{
		{"w", "1", true}, {"w", "5", true}, {"w", "0", false}, {"w", "6", false}, {"s", "x", false},
		{"sup", "enough", true}, {"sup", "lots", false}, {"ben", "pending", true}, {"ben", "ok", true},
		{"talk", "1", true}, {"talk", "yes", false}, {"note", "1", false}, {"unknown", "1", false},
	} {
		if got := validAnswer(tc.step, tc.val); got != tc.want {
			t.Errorf("validAnswer(%q, %q) = %v, want %v", tc.step, tc.val, got, tc.want)
		}
	}
}

// agg is an aggregate of n complete answers with the given sums (the distributions carry only
// the counts the averages divide by).
func agg(unit string, n, eligible, wSum, sSum int) *ganwei.Aggregate {
	return &ganwei.Aggregate{Period: "2026-W47", Unit: unit, Responses: n, Eligible: eligible, WellbeingSum: wSum, StressSum: sSum,
		WellbeingDist: [5]int{n}, StressDist: [5]int{n}, TalkAnswered: n,
		Support: map[ganwei.Support]int{ganwei.SupportEnough: n}, Benefits: map[ganwei.Benefits]int{ganwei.BenefitsOK: n}}
}

func TestSummaryTextHidesSmallGroups(t *testing.T) {
	p := ganwei.Period{ID: "2026-W47", Label: "2026年第47周"}
	for _, tc := range []struct {
		name      string
		rep       *checkin.Report
		want, not []string
	}{
		{"everyone visible with change", &checkin.Report{Period: p, Current: agg("", 4, 5, 16, 8), Previous: agg("", 3, 5, 9, 9), OpenCases: 2,
			Units: []*ganwei.Aggregate{agg("甲", 3, 3, 12, 6), agg("乙", 1, 2, 4, 2)}},
			[]string{"参与：4 / 5 人（80%）", "身心状态：平均 4.0，较上期 +1.0", "工作压力：平均 2.0，较上期 −1.0", "• 甲：3 / 3 人", "• 乙：作答不足 3 人，不显示", "待跟进事项：2 件"},
			[]string{"乙：1"}},
		{"two answers: no figures", &checkin.Report{Period: p, Unit: "乙", Current: agg("乙", 2, 4, 8, 4), Previous: agg("乙", 0, 0, 0, 0), OpenCases: 1},
			[]string{"参与：2 / 4 人（50%）", "不显示统计数据"},
			[]string{"平均", "待跟进事项"}},
		{"previous period hidden: no change shown", &checkin.Report{Period: p, Current: agg("", 3, 0, 9, 9), Previous: agg("", 2, 0, 8, 8)},
			[]string{"3 人作答", "身心状态：平均 3.0\n"},
			[]string{"较上期"}},
	} {
		got := SummaryText(tc.rep)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: lacks %q:\n%s", tc.name, w, got)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: shows %q:\n%s", tc.name, n, got)
			}
		}
	}
}
