package handlers_test

// /summary's arguments, /export for HR and admins, /audit, and policy answers without a
// knowledge base, on the fake front end.

import (
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

// summaryText is the text of the newest /summary reply (the trend chart follows it as a photo).
func summaryText(t *testing.T, u *testkit.App, from int64, line string) (text string, chart testkit.Sent) {
	t.Helper()
	n := len(u.Front.Messages(from))
	u.Handlers.Handle(u.Ctx, testkit.Say(from, line))
	msgs := u.Front.Messages(from)[n:]
	if len(msgs) == 0 {
		t.Fatalf("%s got no reply", line)
	}
	for _, m := range msgs {
		if m.Photo {
			chart = m
		} else if text == "" {
			text = m.Text
		}
	}
	return text, chart
}

// TestUnitSummaryArguments: /summary reads a number as periods (bounded) and anything else as a
// unit; a closed period with enough answers shows its figures, a unit nobody answered in none.
func TestUnitSummaryArguments(t *testing.T) {
	u := testkit.NewApp(t)
	talkRequests(t, u, 4)
	u.Clock.Set(testkit.At("2026-11-30 10:00")) // 2026-W47 has closed
	for _, tc := range []struct {
		line      string
		want, not []string
		chart     string
	}{
		{"/summary 2", []string{"期数请在 3 到 104 之间"}, []string{"关爱问卷汇总"}, ""},
		{"/summary 105", []string{"期数请在 3 到 104 之间"}, nil, ""},
		{"/summary", []string{"关爱问卷汇总 · 2026年第48周（全体）", "本期问卷仍在进行", "上期（2026年第47周）参与：4 / 4 人（100%）",
			"身心状态：平均 4.0", "希望谈心谈话：4 人", "• 松陵街道：4 / 4 人", "待跟进事项：4 件"}, nil, "近期趋势（全体）"},
		{"/summary 12", []string{"（全体）", "身心状态：平均 4.0"}, nil, "近期趋势（全体）"},
		{"/summary 松陵街道", []string{"（松陵街道）", "工作压力：平均 2.0", "待跟进事项：4 件"}, []string{"各单位"}, "近期趋势：松陵街道"},
		{"/summary 震泽镇", []string{"（震泽镇）", "作答不足 3 人", "为保护个人隐私"}, []string{"平均", "待跟进事项"}, ""},
	} {
		text, chart := summaryText(t, u, testkit.HRID, tc.line)
		wantText(t, tc.line, text, tc.want, tc.not...)
		if chart.Caption != tc.chart {
			t.Errorf("%s: chart %q, want %q", tc.line, chart.Caption, tc.chart)
		}
	}
	audit, err := u.Store.AuditLog(u.Ctx, 20)
	if err != nil || len(audit) != 4 {
		t.Errorf("audit %d entries, %v; want one per summary shown", len(audit), err)
	}
}

// TestUnitExportPerRole: HR gets the aggregates workbook; only an admin gets individual rows,
// with the caption saying so and an audit entry.
func TestUnitExportPerRole(t *testing.T) {
	u := testkit.NewApp(t)
	talkRequests(t, u, 3)
	wantText(t, "HR 明细", u.Say(testkit.HRID, "/export 明细").Text, []string{"仅对管理员开放"})
	for _, tc := range []struct {
		id        int64
		line      string
		want, not string
		action    string
	}{
		{testkit.HRID, "/export", "详见「说明」页", "明细", ganwei.AuditExportAggregates},
		{testkit.AdminID, "/export", "需要个人明细请发送「/export 明细」", "已记入审计日志", ganwei.AuditExportAggregates},
		{testkit.AdminID, "/export 明细", "含个人明细，已记入审计日志", "需要个人明细请发送", ganwei.AuditExportIndividual},
	} {
		u.Say(tc.id, tc.line)
		doc := last(t, u, tc.id)
		if !strings.HasPrefix(doc.File, "关爱问卷-") || !strings.HasSuffix(doc.File, ".xlsx") || len(doc.Document) == 0 {
			t.Fatalf("%s by %d sent %q (%d bytes)", tc.line, tc.id, doc.File, len(doc.Document))
		}
		wantText(t, tc.line+" caption", doc.Caption, []string{tc.want}, tc.not)
		audit, err := u.Store.AuditLog(u.Ctx, 1)
		if err != nil || len(audit) != 1 || audit[0].Action != tc.action || audit[0].Actor != tc.id {
			t.Errorf("%s by %d: audit %+v, %v; want %s", tc.line, tc.id, audit, err, tc.action)
		}
	}
	wantText(t, "/audit", u.Say(testkit.AdminID, "/audit").Text, []string{"最近的问卷数据查看记录", "操作人 陈静 导出了个人明细", "操作人 王芳 导出了汇总数据"})
}

// TestUnitCheckInCommandContinues: /checkin with a check-in open continues it in a new message;
// the older message's buttons no longer answer.
func TestUnitCheckInCommandContinues(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	first := u.Say(c, "/checkin")
	u.Press(c, first, "一般")
	again := u.Say(c, "/checkin")
	wantText(t, "again", again.Text, []string{"接着上次的进度继续", "2/5"})
	u.Press(c, u.Message(c, first.ID), "很轻")
	if a := lastAnswer(t, u); !strings.Contains(a.Text, "最新一条问卷消息") {
		t.Errorf("the older message answered %+v", a)
	}
	u.Press(c, again, "很轻")
	if got := stored(t, u, c, period); got.Wellbeing != 3 || got.Stress != 1 {
		t.Errorf("stored %+v", got)
	}
}

// TestUnitNoKnowledgeBase: without a knowledge base, questions, /ask, /topics and its buttons say
// policy answers are unavailable and whom to contact.
func TestUnitNoKnowledgeBase(t *testing.T) {
	u := testkit.NewApp(t)
	list := u.Say(testkit.GuestID, "/topics")
	u.Handlers.Answerer = nil
	for _, line := range []string{"犯了错误还能容错吗", "/ask 犯了错误还能容错吗", "/topics"} {
		wantText(t, line, u.Say(testkit.GuestID, line).Text, []string{"政策问答暂时不可用", "区委组织部干部科"})
	}
	u.Press(testkit.GuestID, list, list.Buttons[0][0].Label)
	if a := lastAnswer(t, u); !a.Alert || !strings.Contains(a.Text, "按钮已失效") {
		t.Errorf("a topic button without a knowledge base answered %+v", a)
	}
	if got := u.Say(testkit.GuestID, "你好").Text; strings.Contains(got, "不可用") {
		t.Errorf("a greeting without a knowledge base: %q", got)
	}
}
