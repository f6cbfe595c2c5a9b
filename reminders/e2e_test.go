package reminders_test

import (
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

// e2eSequence is short so that every branch shows: the 告知 at once, a step two working days
// later (across the National Day break), a step four working days later (on the 调休 Saturday),
// one reminder, then escalation.
const e2eSequence = `
send_at: "09:00"
steps:
  - {id: notice, title: 任职提醒告知, due: now, needs_ack: true, remind_every: 1 workday, remind_times: 1, escalate: true, text: "告知 {name} {unit}{position}（模板，以组织部正式文本为准）"}
  - {id: power, title: 权力清单, due: 2 workdays, needs_ack: true, remind_every: 1 workday, remind_times: 1, escalate: true, text: "权力清单（模板）"}
  - {id: duty, title: 责任清单, due: 4 workdays, text: "责任清单（模板）"}
`

// TestEndToEnd: register → first step at once → acknowledge → later step on the right working
// day across a holiday and a 调休 Saturday → reminder when unacknowledged → escalation to HR.
func TestEndToEnd(t *testing.T) {
	h := newHarness(t, harnessOpts{seqYAML: e2eSequence, start: at("2026-09-29 10:00")}) // a Tuesday

	h.say(hr.ID, "/appoint 20002 陈刚 党委书记 七都镇 2026-09-29")
	preview := h.last(hr.ID)
	if got := preview.Text; !strings.Contains(got, "2026年9月29日") || !strings.Contains(got, "10月8日 09:00") || !strings.Contains(got, "10月10日 09:00") {
		t.Fatalf("HR preview = %q; want the plan with 10月8日 and 10月10日", got)
	}
	if n := h.tick(); n != 0 {
		t.Fatalf("before confirming, %d steps were due; want nothing registered", n)
	}
	h.press(hr.ID, preview.ID, preview.Buttons[0][0].CallbackData) // 确认登记
	if got := h.last(hr.ID).Text; !strings.Contains(got, "已登记：陈刚") {
		t.Fatalf("HR confirmation = %q", got)
	}
	if n := h.tick(); n != 1 {
		t.Fatalf("first tick claimed %d steps, want 1 (the 告知 goes out at once)", n)
	}
	notice := h.last(leader.ID)
	if !strings.Contains(notice.Text, "告知 陈刚 七都镇党委书记") || len(notice.Buttons) != 1 || notice.Buttons[0][0].Text != "已阅知" {
		t.Fatalf("leader got %q with buttons %v; want the 告知 with 已阅知", notice.Text, notice.Buttons)
	}
	a := h.only()
	ackData := notice.Buttons[0][0].CallbackData
	if want := reminders.AckData(a.ID, "notice"); ackData != want || len(ackData) > 64 {
		t.Fatalf("button data = %q, want %q (≤64 bytes)", ackData, want)
	}

	// Someone else pressing the leader's button (a forged update) changes nothing.
	h.press(cadre.ID, notice.ID, ackData)
	if got := h.lastAnswer(); !strings.Contains(got, "其他同志") {
		t.Errorf("forged press answered %q, want a polite refusal", got)
	}
	h.press(leader.ID, notice.ID, "ack:zzzzzzzzzz:notice")
	if got := h.lastAnswer(); !strings.Contains(got, "没有找到") {
		t.Errorf("stale press answered %q, want a polite refusal", got)
	}
	if st := h.only().Step("notice"); st.Status != ganwei.StepSent {
		t.Fatalf("after forged presses status = %s, want sent", st.Status)
	}

	h.clock.Set(at("2026-09-29 10:05"))
	h.press(leader.ID, notice.ID, ackData)
	if st := h.only().Step("notice"); st.Status != ganwei.StepAcknowledged || st.AckedBy != leader.ID || !st.AckedAt.Equal(at("2026-09-29 10:05")) {
		t.Fatalf("after ack step = %+v; want acknowledged by the leader at 10:05", st)
	}
	edited := h.last(leader.ID)
	if !strings.Contains(edited.Text, "✅ 已阅知 9月29日 10:05") || len(edited.Buttons) != 0 || edited.Edits != 1 {
		t.Fatalf("message after ack = %q, buttons %v, edits %d; want 已阅知 with time and no button", edited.Text, edited.Buttons, edited.Edits)
	}
	h.press(leader.ID, notice.ID, ackData) // pressed twice
	if got := h.lastAnswer(); !strings.Contains(got, "无需重复") {
		t.Errorf("second press answered %q", got)
	}
	if m := h.last(leader.ID); m.Edits != 1 {
		t.Errorf("second press edited the message again (edits = %d)", m.Edits)
	}

	// Nothing is due during the National Day break (10月1日–7日).
	for _, day := range []string{"2026-09-30 09:30", "2026-10-03 12:00", "2026-10-07 23:59", "2026-10-08 08:59"} {
		h.clock.Set(at(day))
		h.tick()
		if n := len(h.tg.MessagesTo(leader.ID)); n != 1 {
			t.Fatalf("at %s the leader has %d messages, want 1", day, n)
		}
	}
	// Two working days after 9月29日: 9月30日, then 10月8日 (the first day after the break).
	h.clock.Set(at("2026-10-08 09:00"))
	h.tick()
	power := h.last(leader.ID)
	if !strings.Contains(power.Text, "权力清单") || len(power.Buttons) != 1 {
		t.Fatalf("on 10月8日 the leader got %q, want 权力清单 with a button", power.Text)
	}
	if st := h.only().Step("power"); st.Status != ganwei.StepSent || !st.SentAt.Equal(at("2026-10-08 09:00")) {
		t.Fatalf("power = %+v, want sent at 2026-10-08 09:00", st)
	}

	// Not acknowledged: one working day later, a reminder.
	h.clock.Set(at("2026-10-09 09:00"))
	h.tick()
	remind := h.last(leader.ID)
	if !strings.Contains(remind.Text, "【提醒】") || !strings.Contains(remind.Text, "权力清单") || len(remind.Buttons) != 1 {
		t.Fatalf("on 10月9日 the leader got %q, want a reminder with a button", remind.Text)
	}

	// 10月10日 is a Saturday worked for National Day: the 责任清单 (4 working days) goes out, and the
	// still unacknowledged 权力清单 is escalated to HR.
	hrBefore := len(h.tg.MessagesTo(hr.ID))
	h.clock.Set(at("2026-10-10 09:00"))
	h.tick()
	if got := h.last(leader.ID).Text; !strings.Contains(got, "责任清单") {
		t.Fatalf("on the 调休 Saturday the leader got %q, want 责任清单", got)
	}
	var escalation, digest bool
	for _, m := range h.tg.MessagesTo(hr.ID)[hrBefore:] {
		escalation = escalation || strings.Contains(m.Text, "【四项清单·未确认】陈刚") && strings.Contains(m.Text, "权力清单")
		digest = digest || strings.Contains(m.Text, "【四项清单·每日提醒】")
	}
	if !escalation {
		t.Fatalf("HR was not told that 权力清单 went unacknowledged: %v", h.tg.MessagesTo(hr.ID)[hrBefore:])
	}
	if !digest {
		t.Errorf("HR got no daily digest on a working day with an overdue step")
	}
	a = h.only()
	if st := a.Step("power"); st.Reminders != 1 || st.Escalated.IsZero() || st.Status != ganwei.StepSent {
		t.Errorf("power = %+v, want 1 reminder, escalated, still sent", st)
	}
	if st := a.Step("duty"); st.Status != ganwei.StepSent || !st.SentAt.Equal(at("2026-10-10 09:00")) {
		t.Errorf("duty = %+v, want sent on 2026-10-10 09:00", st)
	}

	// Nothing more to do: a later round sends nothing.
	leaderCount := len(h.tg.MessagesTo(leader.ID))
	h.clock.Set(at("2026-10-20 09:00"))
	h.tick()
	if n := len(h.tg.MessagesTo(leader.ID)); n != leaderCount {
		t.Errorf("after the sequence the leader got %d more messages", n-leaderCount)
	}

	// The acknowledgement via the reminder message works too, and late.
	h.press(leader.ID, remind.ID, remind.Buttons[0][0].CallbackData)
	if st := h.only().Step("power"); st.Status != ganwei.StepAcknowledged {
		t.Errorf("late ack: power = %s, want acknowledged", st.Status)
	}
}

// TestGuidedAppointAndManage walks the /appoint dialog with buttons, shows that a second
// registration of the same person for the same post starts nothing, and pauses, resumes and
// cancels through /reminders.
func TestGuidedAppointAndManage(t *testing.T) {
	h := newHarness(t, harnessOpts{seqYAML: e2eSequence, start: at("2026-11-23 10:00")}) // a Monday

	h.say(hr.ID, "/appoint")
	m := h.last(hr.ID)
	var pick string
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == leader.Name {
				pick = b.CallbackData
			}
		}
	}
	if pick == "" {
		t.Fatalf("/appoint offered %v, want a button for %s", m.Buttons, leader.Name)
	}
	h.press(hr.ID, m.ID, pick)
	if got := h.last(hr.ID).Text; !strings.Contains(got, "新任什么职务") {
		t.Fatalf("after picking: %q", got)
	}
	h.say(hr.ID, "党委书记")
	m = h.last(hr.ID)
	if len(m.Buttons) != 1 || !strings.Contains(m.Buttons[0][0].Text, "七都镇") {
		t.Fatalf("unit question %q offers %v, want 沿用 七都镇", m.Text, m.Buttons)
	}
	h.press(hr.ID, m.ID, m.Buttons[0][0].CallbackData)
	m = h.last(hr.ID)
	h.press(hr.ID, m.ID, m.Buttons[0][0].CallbackData) // 今天
	m = h.last(hr.ID)
	if !strings.Contains(m.Text, "请确认") || !strings.Contains(m.Text, "2026年11月23日（星期一）") {
		t.Fatalf("confirmation = %q", m.Text)
	}
	h.press(hr.ID, m.ID, m.Buttons[0][0].CallbackData) // 确认登记
	if got := h.last(hr.ID).Text; !strings.Contains(got, "已登记：陈刚") {
		t.Fatalf("after confirm: %q", got)
	}
	h.press(hr.ID, m.ID, m.Buttons[0][0].CallbackData) // a stale confirm button
	if got := h.lastAnswer(); !strings.Contains(got, "已结束") {
		t.Errorf("stale confirm answered %q", got)
	}

	h.say(hr.ID, "/appoint 20002 陈刚 党委书记  七都镇")
	m = h.last(hr.ID)
	h.press(hr.ID, m.ID, m.Buttons[0][0].CallbackData) // 确认登记
	if got := h.last(hr.ID).Text; !strings.Contains(got, "没有重复登记") {
		t.Fatalf("second registration: %q", got)
	}
	h.tick()
	if n := len(h.tg.MessagesTo(leader.ID)); n != 1 {
		t.Fatalf("leader has %d messages after registering twice, want 1", n)
	}

	// Pause: the 权力清单 (due 11月25日 09:00) is held back; resume sends it at once.
	// /reminders lists one line per appointment (paged); its button opens the steps to manage.
	h.say(hr.ID, "/reminders")
	m = h.last(hr.ID)
	if !strings.Contains(m.Text, "共 1 条登记") || !strings.Contains(m.Text, "已阅知 0 / 2，1 份待确认") || m.Buttons[0][0].Text != "查看进度：陈刚" {
		t.Fatalf("/reminders = %q %v", m.Text, m.Buttons)
	}
	h.press(hr.ID, m.ID, m.Buttons[0][0].CallbackData)
	m = h.last(hr.ID)
	if !strings.Contains(m.Text, "任职提醒告知：已发送") || m.Buttons[0][0].Text != "暂停" {
		t.Fatalf("/reminders = %q %v", m.Text, m.Buttons)
	}
	h.press(hr.ID, m.ID, m.Buttons[0][0].CallbackData)
	if a := h.only(); a.Status != ganwei.AppointmentPaused {
		t.Fatalf("status = %s, want paused", a.Status)
	}
	h.clock.Set(at("2026-11-26 10:00"))
	h.tick()
	if n := len(h.tg.MessagesTo(leader.ID)); n != 1 {
		t.Fatalf("paused appointment sent %d messages", n-1)
	}
	m = h.last(hr.ID) // edited in place
	if m.Buttons[0][0].Text != "恢复" {
		t.Fatalf("after pause the buttons are %v, want 恢复", m.Buttons)
	}
	h.press(hr.ID, m.ID, m.Buttons[0][0].CallbackData)
	h.tick()
	// Both the 告知's reminder and the 权力清单 fell due during the pause; both go out now.
	var power telegramtest.Message
	for _, msg := range h.tg.MessagesTo(leader.ID)[1:] {
		if strings.HasPrefix(msg.Text, "权力清单") {
			power = msg
		}
	}
	if power.ID == 0 || len(h.tg.MessagesTo(leader.ID)) != 3 {
		t.Fatalf("after resume the leader has %v, want the reminder and 权力清单 at once", h.tg.MessagesTo(leader.ID))
	}

	// Cancel (with confirmation): no more steps; the 已阅知 button is then harmless.
	h.say(hr.ID, "/reminders")
	m = h.last(hr.ID)
	h.press(hr.ID, m.ID, m.Buttons[0][0].CallbackData) // 查看进度
	m = h.last(hr.ID)
	h.press(hr.ID, m.ID, m.Buttons[0][1].CallbackData) // 取消登记
	m = h.last(hr.ID)
	h.press(hr.ID, m.ID, m.Buttons[0][0].CallbackData) // 确定取消
	if a := h.only(); a.Status != ganwei.AppointmentCancelled {
		t.Fatalf("status = %s, want cancelled", a.Status)
	}
	h.press(leader.ID, power.ID, power.Buttons[0][0].CallbackData)
	if got := h.lastAnswer(); !strings.Contains(got, "已撤回") {
		t.Errorf("ack on a cancelled appointment answered %q", got)
	}
	if st := h.only().Step("power"); st.Status != ganwei.StepSent {
		t.Errorf("ack on a cancelled appointment changed the step to %s", st.Status)
	}
	h.clock.Set(at("2026-12-31 10:00"))
	before := len(h.tg.MessagesTo(leader.ID))
	h.tick()
	if n := len(h.tg.MessagesTo(leader.ID)); n != before {
		t.Errorf("cancelled appointment sent %d more messages", n-before)
	}
	// After cancelling, the same person may be registered for the post again.
	if _, created, err := h.svc.Appoint(h.ctx, &ganwei.Appointment{TelegramID: leader.ID, Name: leader.Name, Position: "党委书记"}); err != nil || !created {
		t.Errorf("re-registering after cancel: created=%v err=%v", created, err)
	}
}
