package handlers_test

// The check-in dialog typed instead of tapped, its optional line, 取消 and /cancel, a timed-out
// dialog, a closed period, the scheduled prompt and /mycheckins, on the fake front end.

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

// period is the check-in period running at the App's start (Friday 2026-11-20 16:00 to the next
// Friday).
const period = "2026-W47"

// stored is the cadre's check-in of period as the store has it (nil when there is none).
func stored(t *testing.T, u *testkit.App, id int64, p string) *ganwei.CheckIn {
	t.Helper()
	c, err := u.Store.CheckIn(u.Ctx, id, p)
	if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestUnitCheckInTypedAnswers: at each button step an answer may be typed: the option's number
// (also in full-width digits) or its label, with a full stop; each typed answer is saved at once.
func TestUnitCheckInTypedAnswers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		typed []string // from question 1 on
		check func(c *ganwei.CheckIn) bool
	}{
		{"digit", []string{"4"}, func(c *ganwei.CheckIn) bool { return c.Wellbeing == 4 }},
		{"full-width digit", []string{"２"}, func(c *ganwei.CheckIn) bool { return c.Wellbeing == 2 }},
		{"label", []string{"较好"}, func(c *ganwei.CheckIn) bool { return c.Wellbeing == 4 }},
		{"label with a full stop", []string{"很差。"}, func(c *ganwei.CheckIn) bool { return c.Wellbeing == 1 }},
		{"stress label", []string{"3", "很重"}, func(c *ganwei.CheckIn) bool { return c.Stress == 5 }},
		{"support short label", []string{"3", "3", "部分"}, func(c *ganwei.CheckIn) bool { return c.Support == ganwei.SupportPartly }},
		{"benefits 未落实", []string{"3", "3", "1", "未落实"}, func(c *ganwei.CheckIn) bool { return c.Benefits == ganwei.BenefitsPending }},
		{"talk 不用", []string{"3", "3", "1", "1", "不用"}, func(c *ganwei.CheckIn) bool { return c.TalkAnswered && !c.Talk }},
		{"talk 希望谈一谈", []string{"3", "3", "1", "1", "希望谈一谈"}, func(c *ganwei.CheckIn) bool { return c.Talk }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := testkit.NewApp(t)
			q := u.Say(testkit.CadreID, "/checkin")
			var reply testkit.Sent
			for _, s := range tc.typed {
				reply = u.Say(testkit.CadreID, s)
			}
			c := stored(t, u, testkit.CadreID, period)
			if c == nil || !tc.check(c) {
				t.Fatalf("typed %q: stored %+v", tc.typed, c)
			}
			if got := u.Message(testkit.CadreID, q.ID); got.Text != "（已收到您输入的回答）" || len(got.Buttons) != 0 {
				t.Errorf("the first question now reads %q %v; want it marked received, without buttons", got.Text, testkit.Labels(got.Buttons))
			}
			next := strconv.Itoa(len(tc.typed)+1) + "/5"
			if len(tc.typed) == 5 {
				next = "最后"
			}
			if !strings.Contains(reply.Text, next) || len(reply.Buttons) == 0 {
				t.Errorf("after %q the next question is %q %v; want %s with buttons", tc.typed, reply.Text, testkit.Labels(reply.Buttons), next)
			}
		})
	}
}

// TestUnitCheckInTypedWalkThrough: a whole check-in typed: a number out of range and a policy
// question get a reminder (the question an answer from the knowledge base that is not recorded),
// the optional line is saved, and the end says what happens next. A talk request alerts HR.
func TestUnitCheckInTypedWalkThrough(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	u.Say(c, "/checkin")
	wantText(t, "0", u.Say(c, "０").Text, []string{"还没填完", "序号", "/cancel"})
	u.Say(c, "2")
	u.Say(c, "犯了错误还能容错吗")
	msgs := u.Front.Messages(c)
	answer, reminder := msgs[len(msgs)-2], msgs[len(msgs)-1]
	wantText(t, "policy answer during a check-in", answer.Text, []string{"容错"})
	if has(answer, "👍") || has(answer, "👎") {
		t.Errorf("a question asked during a check-in was recorded for feedback: %v", testkit.Labels(answer.Buttons))
	}
	wantText(t, "reminder", reminder.Text, []string{"还没填完"})
	if got := stored(t, u, c, period); got.Stress != 0 {
		t.Errorf("the policy question was taken as an answer: %+v", got)
	}
	for _, s := range []string{"很重", "部分", "已落实", "希望"} {
		u.Say(c, s)
	}
	note := u.Say(c, "最近家里老人住院，想请几天假")
	wantText(t, "end", note.Text, []string{"已记录，谢谢", "3 个工作日内", "希望谈心谈话", "区委组织部干部科", "/mycheckins", "/forgetme"}, "替换")
	got := stored(t, u, c, period)
	if got.Wellbeing != 2 || got.Stress != 5 || got.Support != ganwei.SupportPartly || got.Benefits != ganwei.BenefitsOK ||
		!got.Talk || got.Note != "最近家里老人住院，想请几天假" {
		t.Errorf("stored %+v", got)
	}
	noDialog(t, u, c)
	alerted := false
	for _, m := range u.Front.Messages(testkit.HRID) {
		if strings.Contains(m.Text, "希望与组织谈心谈话") && has(m, "查看跟进事项") {
			alerted = true
			if strings.Contains(m.Text, "张伟") || strings.Contains(m.Text, "老人") {
				t.Errorf("the alert names the person or their words: %q", m.Text)
			}
		}
	}
	if !alerted {
		t.Error("HR was not alerted of the talk request")
	}
	if n, err := u.Store.CountUnanswered(u.Ctx); err != nil || n != 0 {
		t.Errorf("%d unanswered questions (%v): text typed in a check-in must not be queued", n, err)
	}
	wantText(t, "/mycheckins", u.Say(c, "/mycheckins").Text, []string{"最近 1 次", "2026年第47周",
		"身心状态 2 · 工作压力 5 · 工作支持 部分到位 · 待遇 都已落实 · 希望谈心 是", "补充：最近家里老人住院"})
}

// TestUnitCheckInOptionalLine: at the last step 跳过 (typed, with punctuation, or pressed) ends
// without a line, a second round's 跳过 keeps the first line, and an overlong line is refused.
func TestUnitCheckInOptionalLine(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	u.Say(c, "/checkin")
	for _, s := range []string{"4", "2", "1", "1", "不"} {
		u.Say(c, s)
	}
	long := strings.Repeat("长", ganwei.MaxNoteLen+1)
	wantText(t, "long line", u.Say(c, long).Text, []string{"精简到 " + strconv.Itoa(ganwei.MaxNoteLen) + " 字以内", "跳过"})
	if got := stored(t, u, c, period); got.Note != "" {
		t.Fatalf("an overlong line was stored: %d runes", len([]rune(got.Note)))
	}
	u.Say(c, "谢谢关心")
	wantText(t, "end", last(t, u, c).Text, []string{"已记录", "计入本单位汇总", "不显示个人"}, "工作日内")
	if got := stored(t, u, c, period); got.Note != "谢谢关心" {
		t.Fatalf("note %q", got.Note)
	}

	// A second round starts from the first answer; 跳过 keeps its line.
	again := u.Say(c, "/checkin")
	wantText(t, "second round", again.Text, []string{"已经填过了", "逐题替换"})
	for _, s := range []string{"5", "1", "1", "1", "不"} {
		u.Say(c, s)
	}
	wantText(t, "跳过。", u.Say(c, "跳过。").Text, []string{"已记录", "本期之前的回答已替换为这一次"})
	if got := stored(t, u, c, period); got.Wellbeing != 5 || got.Note != "谢谢关心" {
		t.Errorf("after the second round: %+v; want 身心 5 and the first line kept", got)
	}

	// The 跳过 button.
	u.Say(c, "/checkin")
	for _, s := range []string{"5", "1", "1", "1"} {
		u.Say(c, s)
	}
	lastQ := u.Say(c, "不")
	u.Press(c, lastQ, "跳过")
	if got := u.Message(c, lastQ.ID); !strings.Contains(got.Text, "已记录") || len(got.Buttons) != 0 {
		t.Errorf("跳过 pressed: the question reads %q %v", got.Text, testkit.Labels(got.Buttons))
	}
	noDialog(t, u, c)
}

// TestUnitCheckInCancel: 取消 on a fresh check-in withdraws what this round saved; on a second
// round it puts the earlier answer back; /cancel keeps what was answered and says so.
func TestUnitCheckInCancel(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	q := u.Say(c, "/checkin")
	u.Press(c, q, "很差")
	if stored(t, u, c, period) == nil {
		t.Fatal("the first answer was not saved at once")
	}
	u.Press(c, u.Message(c, q.ID), "取消")
	wantText(t, "取消", u.Message(c, q.ID).Text, []string{"已取消本次问卷", "都没有保留", "/checkin"})
	if got := stored(t, u, c, period); got != nil {
		t.Errorf("取消 kept %+v", got)
	}
	noDialog(t, u, c)
	u.Press(c, q, "较好") // the question as it was on screen
	if a := lastAnswer(t, u); !a.Alert || !strings.Contains(a.Text, "已经结束或超时") {
		t.Errorf("an answer after 取消 answered %+v", a)
	}

	// A full answer, then a second round cancelled half-way: the first answer stands.
	u.Say(c, "/checkin")
	for _, s := range []string{"4", "2", "1", "1", "不", "跳过"} {
		u.Say(c, s)
	}
	second := u.Say(c, "/checkin")
	u.Press(c, second, "很差")
	if got := stored(t, u, c, period); got.Wellbeing != 1 {
		t.Fatalf("the second round's answer was not saved at once: %+v", got)
	}
	u.Press(c, u.Message(c, second.ID), "取消")
	wantText(t, "取消 of a second round", u.Message(c, second.ID).Text, []string{"保留您之前的回答"})
	if got := stored(t, u, c, period); got.Wellbeing != 4 || got.Stress != 2 || !got.TalkAnswered {
		t.Errorf("after 取消 of a second round: %+v; want the first answer back", got)
	}

	// /cancel leaves what was answered (docs/checkins.md) and says so.
	u2 := testkit.NewApp(t)
	u2.Say(c, "/checkin")
	u2.Say(c, "1")
	u2.Say(c, "1")
	wantText(t, "/cancel with answers", u2.Say(c, "/cancel").Text, []string{"已退出关爱问卷", "已作答的题目都已保存", "/checkin"})
	if got := stored(t, u2, c, period); got == nil || got.Wellbeing != 1 || got.Stress != 1 {
		t.Errorf("/cancel: stored %+v; want the two answers kept", got)
	}
	noDialog(t, u2, c)
	u2.Say(c, "/checkin")
	wantText(t, "/cancel before an answer", u2.Say(c, "/cancel").Text, []string{"已退出关爱问卷", "没有保存任何回答"})
}

// TestUnitCheckInTimedOut: text typed into a dialog that timed out is neither saved nor answered;
// the person is told, and the next message is treated normally.
func TestUnitCheckInTimedOut(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	u.Say(c, "/checkin")
	for _, s := range []string{"3", "3", "1", "1", "不"} {
		u.Say(c, s)
	}
	u.Clock.Advance(ganwei.DefaultDialogTTL + time.Minute)
	got := u.Say(c, "我最近睡不好，想换个岗位")
	wantText(t, "timed out", got.Text, []string{"关爱问卷已超时结束", strconv.Itoa(int(ganwei.DefaultDialogTTL.Minutes())) + " 分钟", "没有保存", "/checkin"})
	if c := stored(t, u, c, period); c.Note != "" || c.Wellbeing != 3 {
		t.Errorf("after the time-out: %+v; want the answers kept and no line", c)
	}
	if n, _ := u.Store.CountUnanswered(u.Ctx); n != 0 {
		t.Error("the text went to the unanswered queue")
	}
	noDialog(t, u, c)
	if again := u.Say(c, "犯了错误还能容错吗"); strings.Contains(again.Text, "超时") || !strings.Contains(again.Text, "容错") {
		t.Errorf("the next question after the time-out: %q", again.Text)
	}

	// Any other dialog (here /appoint) gets the general sentence.
	u.Say(testkit.HRID, "/appoint")
	u.Clock.Advance(ganwei.DefaultDialogTTL + time.Minute)
	wantText(t, "appoint timed out", u.Say(testkit.HRID, "77777").Text, []string{"刚才的操作已超时结束", "没有保存", "请重新发送 /appoint"}, "关爱问卷")
	noDialog(t, u, testkit.HRID)
	if n := len(appointments(t, u)); n != 0 {
		t.Errorf("%d appointments after a timed-out dialog", n)
	}

	// A case note typed after its dialog timed out is not stored.
	talkRequests(t, u, 1)
	u.Press(testkit.HRID, u.Say(testkit.HRID, "/cases"), "查看：干部00")
	u.Press(testkit.HRID, last(t, u, testkit.HRID), "添加备注")
	u.Clock.Advance(ganwei.DefaultDialogTTL + time.Minute)
	wantText(t, "case note timed out", u.Say(testkit.HRID, "已面谈，情况稳定").Text, []string{"刚才的操作已超时结束", "重新点「添加备注」"})
	cases, err := u.Store.Cases(u.Ctx, true)
	if err != nil || len(cases) != 1 {
		t.Fatal(cases, err)
	}
	for _, n := range cases[0].Notes {
		if strings.Contains(n.Text, "已面谈") {
			t.Errorf("a timed-out note was stored: %+v", n)
		}
	}
}

// TestUnitCheckInPeriodClosedMidDialog: an answer given after the period closed does not change
// the closed period's figures; the person is told and /checkin starts the new period.
func TestUnitCheckInPeriodClosedMidDialog(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	u.Clock.Set(testkit.At("2026-11-27 15:50"))
	q := u.Say(c, "/checkin")
	u.Press(c, q, "较差")
	u.Clock.Set(testkit.At("2026-11-27 16:05")) // the next period began at 16:00
	u.Press(c, u.Message(c, q.ID), "很重")
	wantText(t, "closed", last(t, u, c).Text, []string{"2026年第47周的问卷已经结束", "不能再修改", "2026年第48周"})
	if got := stored(t, u, c, period); got == nil || got.Wellbeing != 2 || got.Stress != 0 {
		t.Errorf("closed period's answer %+v; want 身心 2 only", got)
	}
	if got := stored(t, u, c, "2026-W48"); got != nil {
		t.Errorf("the new period got %+v", got)
	}
	noDialog(t, u, c)
	wantText(t, "/checkin in the new period", u.Say(c, "/checkin").Text, []string{"2026年第48周", "1/5"}, "已经填过")
}

// TestUnitCheckInPrompt: the scheduled prompt and its reminder are short and kind, greet the
// person, and 开始填写 turns the same message into the first question.
func TestUnitCheckInPrompt(t *testing.T) {
	u := testkit.NewApp(t)
	p := u.Handlers.Periods.PeriodAt(u.Clock.Now())
	cadre := testkit.People[testkit.CadreID]
	if err := u.Handlers.SendCheckInPrompt(u.Ctx, &cadre, p, false); err != nil {
		t.Fatal(err)
	}
	prompt := last(t, u, testkit.CadreID)
	wantText(t, "prompt", prompt.Text, []string{"张伟同志", "2026年第47周", "共 5 个小问题", "组织部授权人员可见"})
	if err := u.Handlers.SendCheckInPrompt(u.Ctx, &cadre, p, true); err != nil {
		t.Fatal(err)
	}
	reminder := last(t, u, testkit.CadreID)
	wantText(t, "reminder", reminder.Text, []string{"张伟同志", "提醒一下", "还没有填写"})
	if !has(prompt, "开始填写") || !has(reminder, "开始填写") {
		t.Fatalf("prompt buttons %v, reminder %v", testkit.Labels(prompt.Buttons), testkit.Labels(reminder.Buttons))
	}
	u.Press(testkit.CadreID, reminder, "开始填写")
	q := u.Message(testkit.CadreID, reminder.ID)
	wantText(t, "after 开始填写", q.Text, []string{"1/5", "身心状态"})
	if !has(q, "很差") || !has(q, "取消") {
		t.Errorf("first question buttons %v", testkit.Labels(q.Buttons))
	}
	u.Press(testkit.CadreID, prompt, "开始填写") // the older prompt: continues the same dialog there
	u.Press(testkit.CadreID, q, "很好")
	if a := lastAnswer(t, u); !strings.Contains(a.Text, "最新一条问卷消息") {
		t.Errorf("an answer on the superseded message answered %+v", a)
	}
	if got := stored(t, u, testkit.CadreID, period); got != nil {
		t.Errorf("an answer on the superseded message was stored: %+v", got)
	}
	failing := testkit.People[testkit.LeaderID]
	u.Front.FailSend = func(chat int64) error {
		if chat == testkit.LeaderID {
			return ganwei.Errorf(ganwei.EUNAVAILABLE, "blocked")
		}
		return nil
	}
	if err := u.Handlers.SendCheckInPrompt(u.Ctx, &failing, p, false); err == nil {
		t.Error("a failed send was not reported to the scheduler")
	}
}

// TestUnitMyCheckInsShowsUnansweredQuestions: someone who stopped half-way sees which questions
// they left, not a value they never gave (希望谈心 否, 身心状态 0).
func TestUnitMyCheckInsShowsUnansweredQuestions(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	q := u.Say(c, "/checkin")
	u.Press(c, q, "较好")
	u.Say(c, "/cancel")
	got := u.Say(c, "/mycheckins").Text
	wantText(t, "/mycheckins", got, []string{"身心状态 4 · 工作压力 未作答 · 工作支持 未作答 · 待遇 未作答 · 希望谈心 未作答"},
		"希望谈心 否", "压力 0")
}

// TestUnitCheckInButtons: ← 上一步 goes back and an answer can be changed; a button of another
// step, a forged value or 跳过 before the last step changes nothing.
func TestUnitCheckInButtons(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	q := u.Say(c, "/checkin")
	if has(q, "上一步") {
		t.Errorf("the first question offers ← 上一步: %v", testkit.Labels(q.Buttons))
	}
	u.Press(c, q, "很差")
	two := u.Message(c, q.ID)
	wantText(t, "question 2", two.Text, []string{"2/5", "工作压力", "很轻 → 很重"})
	u.Press(c, two, "← 上一步")
	back := u.Message(c, q.ID)
	wantText(t, "back", back.Text, []string{"1/5"})
	u.Press(c, back, "较好")
	if got := stored(t, u, c, period); got.Wellbeing != 4 {
		t.Errorf("the changed answer is %d, want 4", got.Wellbeing)
	}
	cur := u.Message(c, q.ID)
	for _, p := range []string{"ci:a:" + ganwei.QuestionWellbeing + ":1", "ci:a:" + ganwei.QuestionStress + ":9", "ci:skip", "ci:zz"} {
		u.Forge(c, cur, p)
	}
	if got := stored(t, u, c, period); got.Wellbeing != 4 || got.Stress != 0 {
		t.Errorf("forged presses changed the answer: %+v", got)
	}
	if now := u.Message(c, q.ID); now.Text != cur.Text {
		t.Errorf("forged presses moved the check-in to %q", now.Text)
	}
	answers := u.Front.Answers()
	for _, a := range answers[len(answers)-4 : len(answers)-1] {
		if !strings.Contains(a.Text, "最新一条问卷消息") {
			t.Errorf("a press of another step answered %+v", a)
		}
	}
	if a := answers[len(answers)-1]; !a.Alert || !strings.Contains(a.Text, "按钮已失效") {
		t.Errorf("an unknown check-in button answered %+v", a)
	}
}

// TestUnitForgetMe: /forgetme asks first; 取消 deletes nothing; 确认删除 says exactly what was
// deleted (answers, the line, the appointment, the case) and the person is a guest again.
func TestUnitForgetMe(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	u.Say(c, "/checkin")
	for _, s := range []string{"4", "1", "1", "1", "希望", "想聊聊工作安排"} {
		u.Say(c, s)
	}
	plan := u.Say(testkit.HRID, "/appoint "+strconv.FormatInt(c, 10)+" 张伟 副镇长 松陵街道")
	u.Press(testkit.HRID, plan, "确认登记")
	ask := u.Say(c, "/forgetme")
	wantText(t, "ask", ask.Text, []string{"确定要删除", "无法恢复"})
	u.Press(c, ask, "取消")
	wantText(t, "取消", u.Message(c, ask.ID).Text, []string{"没有删除任何内容"})
	if stored(t, u, c, period) == nil {
		t.Fatal("取消 deleted the check-in")
	}
	ask = u.Say(c, "/forgetme")
	u.Press(c, ask, "确认删除")
	wantText(t, "deleted", u.Message(c, ask.ID).Text, []string{"已删除：个人资料", "1 次问卷回答（含 1 条补充说明）",
		"1 项新任职提醒登记", "关爱跟进事项已以「本人已删除」结案"})
	if got := stored(t, u, c, period); got != nil {
		t.Errorf("the check-in survived /forgetme: %+v", got)
	}
	if _, err := u.Store.User(u.Ctx, c); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("the profile survived /forgetme: %v", err)
	}
	if n := len(appointments(t, u)); n != 0 {
		t.Errorf("%d appointments survived /forgetme", n)
	}
	if got := u.Say(c, "/checkin").Text; !strings.Contains(got, "需要先绑定身份") {
		t.Errorf("/checkin after /forgetme: %q", got)
	}
}

// TestUnitCheckInAfterThePeriodClosed: a dialog left open across the period's end: 取消 cannot
// take back what the closed period counted, and the optional line typed afterwards is added to
// the answer as it was counted.
func TestUnitCheckInAfterThePeriodClosed(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	u.Clock.Set(testkit.At("2026-11-27 15:40"))
	q := u.Say(c, "/checkin")
	u.Press(c, q, "一般")
	u.Clock.Set(testkit.At("2026-11-27 16:10"))
	u.Press(c, u.Message(c, q.ID), "取消")
	wantText(t, "取消 after the close", last(t, u, c).Text, []string{"2026年第47周的问卷已经结束", "不能再修改或取消"})
	if got := stored(t, u, c, period); got == nil || got.Wellbeing != 3 {
		t.Errorf("取消 after the close took back the closed period's answer: %+v", got)
	}

	u2 := testkit.NewApp(t)
	u2.Clock.Set(testkit.At("2026-11-27 15:40"))
	u2.Say(c, "/checkin")
	for _, s := range []string{"3", "3", "1", "1", "不"} {
		u2.Say(c, s)
	}
	u2.Clock.Set(testkit.At("2026-11-27 16:10"))
	wantText(t, "line after the close", u2.Say(c, "周末加班较多").Text, []string{"已记录"})
	if got := stored(t, u2, c, period); got == nil || got.Note != "周末加班较多" || got.Wellbeing != 3 {
		t.Errorf("the line after the close: %+v; want it on the closed period's answer", got)
	}
	if got := stored(t, u2, c, "2026-W48"); got != nil {
		t.Errorf("the line started an answer in the new period: %+v", got)
	}
	aggs, err := u2.Store.Aggregates(u2.Ctx, []string{period}, "")
	if err != nil || aggs[0].Responses != 1 {
		t.Errorf("closed period counted %+v, %v; want 1 answer", aggs, err)
	}
}
