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
	open := func(a *ganwei.Aggregate) *ganwei.Aggregate { a.Period, a.Open = "2026-W47", true; return a }
	prev := func(a *ganwei.Aggregate) *ganwei.Aggregate { a.Period = "2026-W46"; return a }
	suppressed := prev(agg("丙", 4, 4, 12, 8))
	suppressed.Suppressed = true
	for _, tc := range []struct {
		name      string
		rep       *checkin.Report
		want, not []string
	}{
		{"running period: participation only; the closed one with change", &checkin.Report{Period: p,
			Current: open(agg("", 4, 5, 16, 8)), Previous: prev(agg("", 4, 5, 16, 8)), Earlier: agg("", 3, 5, 9, 9), OpenCases: 2,
			Units: []*ganwei.Aggregate{prev(agg("甲", 3, 3, 12, 6)), prev(agg("乙", 1, 2, 4, 2)), suppressed}},
			[]string{"本期参与：4 / 5 人（80%）", "本期结束后显示", "上期（2026年第46周）参与：4 / 5 人（80%）", "身心状态：平均 4.0，较前一期 +1.0",
				"工作压力：平均 2.0，较前一期 −1.0", "• 甲：3 / 3 人", "• 乙：作答不足 3 人，不显示", "• 丙：为防推算其他单位，不显示", "待跟进事项：2 件"},
			[]string{"乙：1", "丙：4"}},
		{"two answers: no figures", &checkin.Report{Period: p, Unit: "乙", Current: open(agg("乙", 0, 4, 0, 0)), Previous: prev(agg("乙", 2, 4, 8, 4)), Earlier: agg("乙", 0, 0, 0, 0), OpenCases: 1},
			[]string{"上期（2026年第46周）参与：2 / 4 人（50%）", "不显示统计数据"},
			[]string{"平均", "待跟进事项"}},
		{"earlier period hidden: no change shown", &checkin.Report{Period: p, Current: open(agg("", 0, 0, 0, 0)), Previous: prev(agg("", 3, 0, 9, 9)), Earlier: agg("", 2, 0, 8, 8)},
			[]string{"3 人作答", "身心状态：平均 3.0\n"},
			[]string{"较前一期"}},
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

// AuditLine renders entries as admins read them: in Chinese, with names.
func TestAuditLineInChineseWithNames(t *testing.T) {
	names := map[int64]string{1: "张三", 2: "李四"}
	for _, tc := range []struct {
		e    ganwei.AuditEntry
		want string
	}{
		{ganwei.AuditEntry{Actor: 1, Action: ganwei.AuditViewCase, Subject: 2, Periods: []string{"2026-W48"}, Detail: "abc"}, "操作人 张三 查看了 李四 的2026年第48周回答（跟进事项 abc）"},
		{ganwei.AuditEntry{Actor: 1, Action: ganwei.AuditViewSummary, Unit: "发改委", Periods: []string{"2026-W40", "2026-W47"}}, "操作人 张三 查看了发改委的汇总（2026年第40周 至 2026年第47周）"},
		{ganwei.AuditEntry{Operator: "alice", Action: ganwei.AuditExportIndividual, Periods: []string{"2026-W47"}, Detail: "xlsx"}, "命令行操作人 alice 导出了个人明细（2026年第47周，xlsx）"},
		{ganwei.AuditEntry{Actor: 9, Action: ganwei.AuditViewCase, Periods: []string{"2026-W48"}, Detail: "x"}, "操作人 已删除的用户（9） 查看了 已删除资料的人员 的2026年第48周回答（跟进事项 x）"},
		{ganwei.AuditEntry{Actor: 1, Action: ganwei.AuditViewSummary, Unit: "发改委", Periods: []string{"2026-W47"}, Count: 4}, "操作人 张三 查看了发改委的汇总（2026年第47周；10 分钟内共 4 次）"},
		{ganwei.AuditEntry{Actor: 1, Action: ganwei.AuditRemindNow, Subject: 5, Detail: "陈刚阅读《权力清单》"}, "操作人 张三 请敢为助手立即提醒 陈刚阅读《权力清单》"},
		{ganwei.AuditEntry{Actor: 1, Action: ganwei.AuditSetScope, Subject: 2, Detail: "七都镇、震泽镇"}, "操作人 张三 将 李四 的负责单位调整为：七都镇、震泽镇"},
	} {
		if got := AuditLine(&tc.e, names); got != tc.want {
			t.Errorf("AuditLine(%+v) = %q, want %q", tc.e, got, tc.want)
		}
	}
}
