package handlers_test

// The /appoint dialog, its one-line form, /reminders and the leader's 已阅知, on the fake front
// end. Assertions avoid the wording of the person's id ("Telegram ID"), which is changing.

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

var leader = strconv.FormatInt(testkit.LeaderID, 10)

// appointments returns what the store holds, failing the test on an error.
func appointments(t *testing.T, u *testkit.App) []*ganwei.Appointment {
	t.Helper()
	all, err := u.Store.Appointments(u.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// noDialog fails unless the person has no open dialog.
func noDialog(t *testing.T, u *testkit.App, id int64) {
	t.Helper()
	if d, err := u.Store.Dialog(u.Ctx, id); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("person %d still has a dialog %+v (%v)", id, d, err)
	}
}

// TestUnitAppointDialogPickedCandidate: HR picks a bound cadre from the buttons (the name is not
// asked), types the position, keeps the profile's unit with its button, types a Chinese date, reads
// the plan back and confirms; the appointment is stored as read back.
func TestUnitAppointDialogPickedCandidate(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	first := u.Say(hr, "/appoint")
	wantText(t, "step 1", first.Text, []string{"共 4 步", "/cancel", "第 1 步", "点选下方已绑定的干部"})
	if !has(first, "李强") || !has(first, "张伟") {
		t.Fatalf("step 1 offers %v; want the bound cadres", testkit.Labels(first.Buttons))
	}
	u.Press(hr, first, "李强")
	if used := u.Message(hr, first.ID); len(used.Buttons) != 0 || used.Text != first.Text {
		t.Errorf("the picked step keeps buttons %v (or lost its text)", testkit.Labels(used.Buttons))
	}
	wantText(t, "step 2", last(t, u, hr).Text, []string{"第 2 步：李强 新任什么职务"}, "姓名")
	unit := u.Say(hr, "党委书记")
	wantText(t, "step 3", unit.Text, []string{"第 3 步", "哪个单位"})
	if !has(unit, "沿用 震泽镇") {
		t.Fatalf("step 3 buttons %v; want 沿用 震泽镇 (the profile's unit)", testkit.Labels(unit.Buttons))
	}
	u.Press(hr, unit, "沿用 震泽镇")
	date := last(t, u, hr)
	wantText(t, "step 4", date.Text, []string{"第 4 步", "任职日期"})
	if !has(date, "今天") {
		t.Errorf("step 4 buttons %v; want 今天", testkit.Labels(date.Buttons))
	}
	plan := u.Say(hr, "12月1日")
	wantText(t, "plan", plan.Text, []string{"请确认", "姓名：李强", "职务：党委书记", "单位：震泽镇",
		"任职日期：2026年12月1日（星期二）", "1. 任职提醒告知  确认后立即发出", "权力清单", "「确认登记」"}, "任职日期已过")
	if n := len(appointments(t, u)); n != 0 {
		t.Fatalf("%d appointments before 确认登记; nothing may be stored before it", n)
	}
	u.Press(hr, plan, "确认登记")
	done := last(t, u, hr)
	wantText(t, "registered", done.Text, []string{"已登记：李强，震泽镇党委书记", "现在发出", "/reminders"})
	all := appointments(t, u)
	if len(all) != 1 {
		t.Fatalf("%d appointments after 确认登记, want 1", len(all))
	}
	a := all[0]
	if a.Name != "李强" || a.Position != "党委书记" || a.Unit != "震泽镇" || a.Date != "2026-12-01" ||
		a.CreatedBy != hr || a.Status != ganwei.AppointmentActive || len(a.Steps) < 5 {
		t.Errorf("stored %+v; want 李强, 党委书记, 震泽镇, 2026-12-01, by HR, active, with steps", a)
	}
	noDialog(t, u, hr)

	// The same person and position again is not a second sequence.
	again := u.Say(hr, "/appoint "+leader+" 李强 党委书记 震泽镇 2026年12月1日")
	u.Press(hr, again, "确认登记")
	wantText(t, "duplicate", last(t, u, hr).Text, []string{"已登记为党委书记", "没有重复登记"})
	if n := len(appointments(t, u)); n != 1 {
		t.Errorf("%d appointments after registering the same twice", n)
	}
}

// TestUnitAppointDialogTypedID: HR types an id (a wrong one first), then the name of someone not
// yet bound, a position and a unit, types 今天 for the date (the question offers 「今天」), and
// cancels at the plan: nothing is stored, and the plan's buttons are spent.
func TestUnitAppointDialogTypedID(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	u.Say(hr, "/appoint")
	for _, bad := range []string{"abc", "-5", "0"} {
		wantText(t, "id "+bad, u.Say(hr, bad).Text, []string{"数字", "/cancel"})
	}
	wantText(t, "unbound id", u.Say(hr, "77777").Text, []string{"还没有绑定身份", "姓名"})
	wantText(t, "name", u.Say(hr, "赵六").Text, []string{"第 2 步：赵六 新任什么职务"})
	unit := u.Say(hr, "镇长")
	if len(unit.Buttons) != 0 {
		t.Errorf("step 3 for an unbound person offers %v; there is no profile unit to keep", testkit.Labels(unit.Buttons))
	}
	u.Say(hr, "七都镇")
	plan := u.Say(hr, "今天")
	wantText(t, "plan after 今天", plan.Text, []string{"姓名：赵六", "职务：镇长", "单位：七都镇", "任职日期：2026年11月23日（星期一）"})
	wantText(t, "typing at the plan", u.Say(hr, "好的").Text, []string{"「确认登记」或「取消」"})
	u.Press(hr, plan, "取消")
	wantText(t, "cancelled", last(t, u, hr).Text, []string{"已取消，没有登记"})
	u.Press(hr, plan, "确认登记") // the plan as it was on screen before 取消
	if a := lastAnswer(t, u); !a.Alert || !strings.Contains(a.Text, "已结束或已超时") || !strings.Contains(a.Text, "/appoint") {
		t.Errorf("确认登记 after 取消 answered %+v", a)
	}
	if n := len(appointments(t, u)); n != 0 {
		t.Errorf("%d appointments after 取消", n)
	}
	noDialog(t, u, hr)
}

// TestUnitAppointDialogRefusesBadAnswers: each step refuses what it cannot take with a sentence
// saying what it wants, and stays on the step.
func TestUnitAppointDialogRefusesBadAnswers(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	u.Say(hr, "/appoint")
	u.Say(hr, "77777")
	wantText(t, "long name", u.Say(hr, strings.Repeat("名", ganwei.MaxNameLen+1)).Text,
		[]string{"姓名", "不超过 " + strconv.Itoa(ganwei.MaxNameLen) + " 个字"})
	u.Say(hr, "赵六")
	wantText(t, "long position", u.Say(hr, strings.Repeat("职", ganwei.MaxPositionLen+1)).Text,
		[]string{"不超过 " + strconv.Itoa(ganwei.MaxPositionLen) + " 个字"})
	u.Say(hr, "镇长")
	wantText(t, "long unit", u.Say(hr, strings.Repeat("单", ganwei.MaxUnitLen+1)).Text,
		[]string{"不能超过 " + strconv.Itoa(ganwei.MaxUnitLen) + " 个字"})
	u.Say(hr, "七都镇")
	for _, tc := range []struct{ typed, want string }{
		{"明天", "不是能识别的日期"},
		{"2026年13月40日", "月份 13 不存在"},
		{"11/2", "看不出是几月几日"},
		{"2024年1月1日", "超过一年"},
	} {
		got := u.Say(hr, tc.typed).Text
		wantText(t, "date "+tc.typed, got, []string{tc.want, "也可以点「今天」"}, "请确认")
	}
	plan := u.Say(hr, "2026-11-02")
	wantText(t, "past date", plan.Text, []string{"任职日期：2026年11月2日（星期一）", "任职日期已过", "每个工作日发一份"})
	d, err := u.Store.Dialog(u.Ctx, hr)
	if err != nil || d.Step != "confirm" || d.Data["name"] != "赵六" || d.Data["position"] != "镇长" || d.Data["unit"] != "七都镇" || d.Data["date"] != "2026-11-02" {
		t.Errorf("dialog %+v (%v); want the confirm step with what was typed", d, err)
	}
}

// TestUnitAppointCancelMidDialog: /cancel ends the dialog; what HR types next is not taken as
// the dialog's answer, and the earlier step's buttons are stale.
func TestUnitAppointCancelMidDialog(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	first := u.Say(hr, "/appoint")
	u.Press(hr, first, "李强")
	u.Say(hr, "党委书记")
	unit := last(t, u, hr)
	wantText(t, "/cancel", u.Say(hr, "/cancel").Text, []string{"已取消"})
	noDialog(t, u, hr)
	if got := u.Say(hr, "七都镇").Text; strings.Contains(got, "第 4 步") {
		t.Errorf("text after /cancel continued the dialog: %q", got)
	}
	u.Press(hr, unit, "沿用")
	if a := lastAnswer(t, u); !a.Alert || !strings.Contains(a.Text, "/appoint") {
		t.Errorf("a step's button after /cancel answered %+v", a)
	}
	if n := len(appointments(t, u)); n != 0 {
		t.Errorf("%d appointments after /cancel", n)
	}
}

// TestUnitAppointOneLine: the one-line form reads the unit and the date wherever HR put them,
// and refuses what it cannot read.
func TestUnitAppointOneLine(t *testing.T) {
	for _, tc := range []struct {
		line      string
		want, not []string
	}{
		{leader + " 李强 镇长 震泽镇2026年12月1日", []string{"请确认", "单位：震泽镇\n", "任职日期：2026年12月1日"}, nil},
		{leader + " 李强 镇长 震泽镇 2026年 12月 1日", []string{"单位：震泽镇\n", "任职日期：2026年12月1日"}, nil},
		{leader + " 李强 镇长 2026.12.1 震泽镇", []string{"单位：震泽镇\n", "任职日期：2026年12月1日"}, nil},
		{leader + " 李强 镇长 吴江区 震泽镇 12月1日", []string{"单位：吴江区 震泽镇\n", "任职日期：2026年12月1日"}, nil},
		{leader + " 李强 镇长", []string{"单位：—", "任职日期：2026年11月23日"}, nil},
		{leader + " 李强 镇长 震泽镇 2026-13-01", []string{"任职日期没有登记", "13"}, []string{"请确认"}},
		{leader + " 李强 镇长 震泽镇2026年2月30日", []string{"任职日期没有登记"}, []string{"请确认"}},
		{"x 李强 镇长", []string{"用法", "/appoint"}, []string{"请确认"}},
		{"-3 李强 镇长", []string{"用法"}, []string{"请确认"}},
		{leader + " 李强", []string{"用法"}, []string{"请确认"}},
	} {
		u := testkit.NewApp(t)
		got := u.Say(testkit.HRID, "/appoint "+tc.line)
		wantText(t, "/appoint "+tc.line, got.Text, tc.want, tc.not...)
		if strings.Contains(got.Text, "请确认") != has(got, "确认登记") {
			t.Errorf("/appoint %s: buttons %v do not match the text", tc.line, testkit.Labels(got.Buttons))
		}
		if n := len(appointments(t, u)); n != 0 {
			t.Errorf("/appoint %s stored %d appointments before 确认登记", tc.line, n)
		}
	}
}

// TestUnitAckButton: the leader's 已阅知 on a step: someone else's press is refused, the
// leader's is stored and shown on the message, a second press is thanked without an alert, a
// step of a cancelled registration needs none, and forged presses are refused. HR's card and the
// leader's /help follow.
func TestUnitAckButton(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	plan := u.Say(hr, "/appoint "+leader+" 李强 党委书记 震泽镇 2026年11月23日")
	u.Press(hr, plan, "确认登记")
	if n, err := u.Reminders.Tick(u.Ctx); err != nil || n != 1 {
		t.Fatalf("Tick = %d, %v; want the first step sent", n, err)
	}
	step := last(t, u, testkit.LeaderID)
	if !has(step, "已阅知") || !strings.Contains(step.Text, "四项清单") {
		t.Fatalf("the leader got %q %v", step.Text, testkit.Labels(step.Buttons))
	}
	id := appointments(t, u)[0].ID

	u.Press(testkit.CadreID, step, "已阅知")
	if a := lastAnswer(t, u); !a.Alert || !strings.Contains(a.Text, "其他同志") {
		t.Errorf("someone else's 已阅知 answered %+v", a)
	}
	if st := appointments(t, u)[0].Steps[0]; st.Status != ganwei.StepSent {
		t.Fatalf("after someone else's press the step is %s", st.Status)
	}

	u.Press(testkit.LeaderID, step, "已阅知")
	if a := lastAnswer(t, u); a.Alert || !strings.Contains(a.Text, "已记录") {
		t.Errorf("the leader's 已阅知 answered %+v", a)
	}
	acked := u.Message(testkit.LeaderID, step.ID)
	if len(acked.Buttons) != 0 || !strings.HasPrefix(acked.Text, step.Text) || !strings.HasSuffix(acked.Text, "✅ 已阅知 11月23日 10:00") {
		t.Errorf("after 已阅知 the message reads %q with %v", acked.Text, testkit.Labels(acked.Buttons))
	}
	st := appointments(t, u)[0].Steps[0]
	if st.Status != ganwei.StepAcknowledged || st.AckedBy != testkit.LeaderID || !st.AckedAt.Equal(testkit.At("2026-11-23 10:00")) {
		t.Errorf("stored step %+v; want acknowledged by the leader at 10:00", st)
	}

	u.Clock.Set(testkit.At("2026-11-23 11:30"))
	u.Press(testkit.LeaderID, step, "已阅知") // the old copy of the message, pressed again
	if a := lastAnswer(t, u); a.Alert || !strings.Contains(a.Text, "11月23日 10:00确认过") {
		t.Errorf("a second 已阅知 answered %+v; want the first time, kindly", a)
	}
	if got := u.Message(testkit.LeaderID, step.ID).Text; strings.Count(got, "✅") != 1 || !strings.Contains(got, "10:00") {
		t.Errorf("after a second press the message reads %q", got)
	}

	// /help tells the leader where they stand.
	wantText(t, "leader /help", u.Say(testkit.LeaderID, "/help").Text,
		[]string{"【四项清单】", "1. 任职提醒告知 — 已阅知 11月23日 10:00", "下一份：《权力清单》，11月26日 09:00 发给您"})

	// The next step goes out; HR pauses, then cancels the registration; the step needs no 已阅知.
	u.Clock.Set(testkit.At("2026-11-26 09:00"))
	if n, err := u.Reminders.Tick(u.Ctx); err != nil || n == 0 {
		t.Fatalf("Tick = %d, %v", n, err)
	}
	second := last(t, u, testkit.LeaderID)
	if !has(second, "已阅知") || second.ID == step.ID {
		t.Fatalf("second step %q %v", second.Text, testkit.Labels(second.Buttons))
	}
	list := u.Say(hr, "/reminders")
	wantText(t, "/reminders", list.Text, []string{"李强", "进行中", "已阅知 1 / ", "1 份待确认"})
	u.Press(hr, list, "查看进度：李强")
	card := last(t, u, hr)
	u.Press(hr, card, "暂停")
	wantText(t, "paused card", u.Message(hr, card.ID).Text, []string{"已暂停", "3. 责任清单：待发送 11月30日 09:00（已暂停，恢复后再发送）"})
	wantText(t, "leader /help while paused", u.Say(testkit.LeaderID, "/help").Text, []string{"组织部已暂停后续清单的发送"})
	u.Press(hr, u.Message(hr, card.ID), "取消登记")
	u.Press(hr, last(t, u, hr), "确定取消")
	wantText(t, "cancelled card", last(t, u, hr).Text, []string{"已取消", "1. 任职提醒告知：已阅知", "2. 权力清单：已发送",
		"3. 责任清单：不再发送（登记已取消）"}, "待发送")

	u.Press(testkit.LeaderID, second, "已阅知")
	if a := lastAnswer(t, u); a.Alert || !strings.Contains(a.Text, "已撤回，无需确认") {
		t.Errorf("已阅知 on a cancelled registration answered %+v", a)
	}
	if got := u.Message(testkit.LeaderID, second.ID); len(got.Buttons) != 0 || !strings.HasSuffix(got.Text, "（这项提醒已撤回，无需确认）") {
		t.Errorf("the withdrawn step reads %q %v", got.Text, testkit.Labels(got.Buttons))
	}
	if st := appointments(t, u)[0].Steps[1]; st.Status == ganwei.StepAcknowledged {
		t.Errorf("a cancelled registration's step was acknowledged: %+v", st)
	}

	for _, tc := range []struct{ payload, want string }{
		{"ack:" + id + ":nosuch", "没有找到"},
		{"ack:nosuch", "按钮已失效"},
		{"ack:" + id + ":a:b", "按钮已失效"},
	} {
		u.Forge(testkit.LeaderID, second, tc.payload)
		if a := lastAnswer(t, u); !a.Alert || !strings.Contains(a.Text, tc.want) {
			t.Errorf("forged %q answered %+v; want an alert with %q", tc.payload, a, tc.want)
		}
	}
}

// TestUnitRemindersListOrderAndStaleCard: /reminders lists running registrations before
// cancelled ones; a card of a registration that no longer exists is refused kindly.
func TestUnitRemindersListOrderAndStaleCard(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	wantText(t, "empty", u.Say(hr, "/reminders").Text, []string{"还没有登记新任职领导", "/appoint"})
	u.Press(hr, u.Say(hr, "/appoint "+strconv.FormatInt(testkit.CadreID, 10)+" 张伟 副镇长 松陵街道"), "确认登记")
	u.Press(hr, u.Say(hr, "/appoint "+leader+" 李强 镇长"), "确认登记")
	list := u.Say(hr, "/reminders")
	u.Press(hr, list, "查看进度：张伟")
	u.Press(hr, last(t, u, hr), "取消登记")
	u.Press(hr, last(t, u, hr), "确定取消")
	got := u.Say(hr, "/reminders")
	wantText(t, "/reminders", got.Text, []string{"共 2 条登记", "1. 李强 · 镇长 · 进行中", "2. 张伟 · 松陵街道副镇长 · 已取消"})
	if l := testkit.Labels(got.Buttons); len(l) != 2 || l[0] != "查看进度：李强" {
		t.Errorf("buttons %v; want the running one first", l)
	}
	for _, tc := range []struct{ payload, want string }{
		{"apptm:show:nosuch", "没有找到这条任职登记"},
		{"apptm:pause:nosuch", "没有找到这条任职登记"},
		{"apptm:zz:x", "按钮已失效"},
	} {
		u.Forge(hr, got, tc.payload)
		if a := lastAnswer(t, u); !a.Alert || !strings.Contains(a.Text, tc.want) {
			t.Errorf("forged %q answered %+v; want an alert saying %q", tc.payload, a, tc.want)
		}
	}
}

// TestUnitAppointStaleStepButton: HR types the id at step 1 (a bound person: the name is not
// asked), then presses a candidate on the step-1 message: the dialog keeps the typed person and
// HR is told why the press did nothing; 今天 pressed before its step is refused the same way.
func TestUnitAppointStaleStepButton(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	first := u.Say(hr, "/appoint")
	wantText(t, "typed bound id", u.Say(hr, leader).Text, []string{"第 2 步：李强 新任什么职务"})
	u.Press(hr, first, "张伟")
	if a := lastAnswer(t, u); !a.Alert || !strings.Contains(a.Text, "最新一条消息") {
		t.Errorf("a candidate pressed after the step was answered: %+v; want an alert saying why nothing happened", a)
	}
	d, err := u.Store.Dialog(u.Ctx, hr)
	if err != nil || d.Step != "position" || d.Data["name"] != "李强" {
		t.Fatalf("dialog %+v, %v; want 李强 at the position step", d, err)
	}
	u.Say(hr, "镇长")
	u.Say(hr, "震泽镇")
	date := last(t, u, hr)
	u.Say(hr, "12月1日")
	plan := last(t, u, hr)
	u.Press(hr, date, "今天") // the date step's button, after a date was typed
	if a := lastAnswer(t, u); !a.Alert {
		t.Errorf("今天 pressed after the date was typed answered %+v", a)
	}
	wantText(t, "plan kept", plan.Text, []string{"姓名：李强", "任职日期：2026年12月1日"})
	if d, _ := u.Store.Dialog(u.Ctx, hr); d == nil || d.Data["date"] != "2026-12-01" {
		t.Errorf("the stale 今天 changed the date: %+v", d)
	}
	u.Press(hr, plan, "确认登记")
	if all := appointments(t, u); len(all) != 1 || all[0].Name != "李强" || all[0].Date != "2026-12-01" {
		t.Errorf("stored %+v", all)
	}
}

// TestUnitAppointAlertsAreSentences: the pop-up alerts for a registration or a reminder that is
// not there end with 「。」 like the others, and an HR officer whose units do not include the
// registration is told exactly what is said for one that does not exist.
func TestUnitAppointAlertsAreSentences(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	u.Press(hr, u.Say(hr, "/appoint "+leader+" 李强 镇长 震泽镇"), "确认登记")
	all := appointments(t, u)
	if len(all) != 1 {
		t.Fatalf("%d appointments, want 1", len(all))
	}
	list := u.Say(hr, "/reminders")
	for _, tc := range []struct {
		who           int64
		payload, want string
	}{
		{hr, "apptm:show:nosuch", "没有找到这条任职登记。"},
		{hr, "apptm:pause:nosuch", "没有找到这条任职登记。"},
		{testkit.LeaderID, "ack:nosuch:x", "没有找到这条提醒。"},
	} {
		u.Forge(tc.who, list, tc.payload)
		if a := lastAnswer(t, u); !a.Alert || a.Text != tc.want {
			t.Errorf("forged %q answered %+v; want the alert %q", tc.payload, a, tc.want)
		}
	}
	if got := u.Say(testkit.AdminID, "/role "+strconv.FormatInt(hr, 10)+" 组织部 七都镇").Text; !strings.Contains(got, "负责：七都镇") {
		t.Fatalf("/role with a scope: %q", got)
	}
	u.Forge(hr, list, "apptm:show:"+all[0].ID)
	if a := lastAnswer(t, u); !a.Alert || a.Text != "没有找到这条任职登记。" {
		t.Errorf("out-of-scope registration answered %+v; want the not-found alert", a)
	}
}
