package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

// expectTexts fails for every wanted fragment missing from got and every unwanted one present.
func expectTexts(t *testing.T, what, got string, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
	for _, n := range not {
		if strings.Contains(got, n) {
			t.Errorf("%s shows %q:\n%s", what, n, got)
		}
	}
}

// Each role's /help says what that person can do, addressed as a government user expects, and
// leaves out what is not theirs.
func TestHelpIsWrittenPerRole(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	const guestID = 7000000099
	h.tg.SetUser(models.User{ID: guestID, FirstName: "访客"})
	if _, _, err := h.app.reminders.Appoint(h.ctx, &ganwei.Appointment{TelegramID: cadreD.ID, Name: cadreD.Name,
		Position: "党委书记", Unit: "七都镇", Date: "2026-11-20"}); err != nil {
		t.Fatalf("appoint: %v", err)
	}
	h.waitText(cadreD.ID, "任职提醒告知")

	for _, tc := range []struct {
		name      string
		uid       int64
		want, not []string
	}{
		{"guest", guestID, []string{"您好！我是敢为助手", "【政策咨询】", "【绑定身份】", "/start 邀请码"},
			[]string{"同志，您好", "【关爱问卷】", "【四项清单】", "【组织部工作】", "/summary"}},
		{"cadre", cadreA.ID, []string{"张伟同志，您好！", "【关爱问卷】", "组织部授权人员可见", "审计日志", "/forgetme",
			fmt.Sprintf("%d 个工作日内", checkin.FollowUpWorkingDays)},
			[]string{"【绑定身份】", "【四项清单】", "【组织部工作】", "/summary"}},
		{"new leader", cadreD.ID, []string{"赵敏同志，您好！", "【四项清单】", "已阅知", "阅知确认", "您的进度（七都镇党委书记）",
			"1. 任职提醒告知 — 已发送，待您点「已阅知」", "2. 权力清单 — 将于 11月25日 09:00 发送", "下一份：《权力清单》，11月25日 09:00 发给您"},
			[]string{"【组织部工作】"}},
		{"hr", hrUser.ID, []string{"李娟同志，您好！", "【组织部工作】", "/appoint", "/reminders", "/cases", "/unanswered"},
			[]string{"【管理员】", "【四项清单】", "/audit"}},
		{"admin", admin.ID, []string{"王敏同志，您好！", "【组织部工作】", "【管理员】", "/users", "/audit"}, nil},
	} {
		expectTexts(t, tc.name+" /help", h.say(tc.uid, "/help").Text, tc.want, tc.not)
	}
	// The 四项清单 reminder and the welcome address the person the same way.
	expectTexts(t, "welcome", h.say(cadreA.ID, "/start").Text, []string{"张伟同志，您好！"}, []string{"张伟好"})
}

// The check-in's scales say in words what each button means, with a legend above them, and the
// thank-you says what happens next and who sees the answers.
func TestCheckInScalesAndThankYouExplainThemselves(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	prompt := h.waitText(cadreA.ID, "本期关爱问卷")
	expectTexts(t, "prompt", prompt.Text, []string{"张伟同志，您好！"}, []string{"张伟好"})

	q := h.press(cadreA.ID, prompt.ID, "ci:go")
	expectTexts(t, "question 1", q.Text, []string{"从左到右 很差 → 很好"}, nil)
	if !hasButtonText(q, "很差", "ci:a:w:1") || !hasButtonText(q, "很好", "ci:a:w:5") {
		t.Errorf("wellbeing buttons %+v: want 很差 = 1 … 很好 = 5 (the stored meaning)", q.Buttons)
	}
	q = h.press(cadreA.ID, q.ID, "ci:a:w:4")
	expectTexts(t, "question 2", q.Text, []string{"从左到右 很轻 → 很重"}, nil)
	if !hasButtonText(q, "很轻", "ci:a:s:1") || !hasButtonText(q, "很重", "ci:a:s:5") {
		t.Errorf("stress buttons %+v: want 很轻 = 1 … 很重 = 5 (the stored meaning)", q.Buttons)
	}
	// A typed label counts as the button with that label.
	h.say(cadreA.ID, "较重")
	got, err := h.store.CheckIn(h.ctx, cadreA.ID, "2026-W47")
	if err != nil || got.Wellbeing != 4 || got.Stress != 4 {
		t.Fatalf("stored %+v, %v; want wellbeing 4, stress 4 (typed 较重)", got, err)
	}

	q = h.startDialog(cadreB.ID)
	done := h.answer(cadreB.ID, q.ID, 2, 5, "lacking", "pending", true, "")
	expectTexts(t, "thank-you after asking to talk", done.Text,
		[]string{fmt.Sprintf("组织部会在 %d 个工作日内安排专人与您联系", checkin.FollowUpWorkingDays), "只有您本人和组织部授权人员", "审计日志"}, nil)
	q = h.startDialog(cadreC.ID)
	done = h.answer(cadreC.ID, q.ID, 4, 2, "enough", "ok", false, "")
	expectTexts(t, "thank-you without a talk", done.Text, []string{"不显示个人", "只有您本人和组织部授权人员"}, []string{"工作日内"})
}

// hasButtonText reports whether m has a button reading text that sends data.
func hasButtonText(m telegramtest.Message, text, data string) bool {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == text && b.CallbackData == data {
				return true
			}
		}
	}
	return false
}

// Closing a case asks first, in a message of its own; 暂不结案 keeps it; a closed case can be
// reopened and counts as open again.
func TestCaseCloseAsksFirstAndCanBeReopened(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	q := h.startDialog(cadreB.ID)
	h.answer(cadreB.ID, q.ID, 2, 5, "lacking", "pending", true, "")
	cases, err := h.store.Cases(h.ctx, true)
	if err != nil || len(cases) != 1 {
		t.Fatalf("cases = %d, %v; want 1", len(cases), err)
	}
	id := cases[0].ID
	open := func() int {
		n, _, err := h.store.OpenCases(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	card := h.press(hrUser.ID, 0, "cs:v:"+id)
	if !hasButton(card, "cs:x:"+id) {
		t.Fatalf("case card %q lacks 结案", card.Text)
	}
	ask := h.press(hrUser.ID, card.ID, "cs:x:"+id)
	if ask.ID == card.ID || !strings.Contains(ask.Text, "确认将这件跟进事项结案吗") || !hasButtonText(ask, "确认结案", "cs:xy:"+id) {
		t.Fatalf("结案 answered %q (message %d, card %d), want a confirmation of its own", ask.Text, ask.ID, card.ID)
	}
	if ask.Buttons[0][0].CallbackData != "cs:xy:"+id {
		t.Errorf("确认结案 is not the left button: %+v", ask.Buttons)
	}
	if n := open(); n != 1 {
		t.Fatalf("asking closed the case: %d open", n)
	}
	kept := h.press(hrUser.ID, ask.ID, "cs:k:"+id)
	if !strings.Contains(kept.Text, "没有结案") || open() != 1 {
		t.Fatalf("暂不结案: %q, %d open", kept.Text, open())
	}
	closed := h.press(hrUser.ID, ask.ID, "cs:xy:"+id)
	if !strings.Contains(closed.Text, "已结案") || !hasButtonText(closed, "重新打开", "cs:r:"+id) || open() != 0 {
		t.Fatalf("after 确认结案: %q, %d open; want 已结案 with 重新打开", closed.Text, open())
	}
	reopened := h.press(hrUser.ID, closed.ID, "cs:r:"+id)
	if !strings.Contains(reopened.Text, "待跟进") || !strings.Contains(reopened.Text, "由李娟重新打开") || open() != 1 {
		t.Fatalf("after 重新打开: %q, %d open", reopened.Text, open())
	}
	if list := h.say(hrUser.ID, "/cases"); !strings.Contains(list.Text, "李强") {
		t.Errorf("/cases after reopening: %q, want the case listed", list.Text)
	}
	// A second 重新打开 (an old button) is refused politely.
	again := h.press(hrUser.ID, reopened.ID, "cs:r:"+id)
	if !strings.Contains(again.Text, "还没有结案") {
		t.Errorf("reopening an open case: %q", again.Text)
	}
}
