package handlers_test

// The handlers on the fake front end (testkit.App): one test per command or button family.

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestUnitInviteBindsAndSetsTheMenu: an admin's /invite gives a code and the front end's deep
// link; the stranger's /start CODE binds them as a cadre and sets their menu.
func TestUnitInviteBindsAndSetsTheMenu(t *testing.T) {
	u := testkit.NewApp(t)
	reply := u.Say(testkit.AdminID, "/invite 赵敏 松陵街道 科员")
	code := regexp.MustCompile(`邀请码：(\S+)`).FindStringSubmatch(reply.Text)
	if code == nil || !strings.Contains(reply.Text, "https://example.test/start?c="+code[1]) {
		t.Fatalf("invite reply %q: want the code and the front end's link", reply.Text)
	}
	bound := u.Say(testkit.GuestID, "/start "+code[1])
	if !strings.Contains(bound.Text, "绑定成功") || !strings.Contains(bound.Text, "赵敏") {
		t.Fatalf("binding reply %q", bound.Text)
	}
	if menu := u.Front.Menu(testkit.GuestID); !slices.Contains(menu, "checkin") || slices.Contains(menu, "summary") {
		t.Errorf("a new cadre's menu is %v; want /checkin and no HR commands", menu)
	}
	if got := u.Say(testkit.GuestID, "/start "+code[1]); !strings.Contains(got.Text, "无效") && !strings.Contains(got.Text, "用过") {
		t.Errorf("a used code again: %q", got.Text)
	}
}

// TestUnitRolesAreCheckedForCommandsAndButtons: a cadre is refused HR's commands and buttons
// with a kind sentence; an HR officer may not hand out HR invites.
func TestUnitRolesAreCheckedForCommandsAndButtons(t *testing.T) {
	u := testkit.NewApp(t)
	if got := u.Say(testkit.CadreID, "/summary"); !strings.Contains(got.Text, "仅对组织部工作人员开放") {
		t.Errorf("cadre /summary: %q", got.Text)
	}
	if got := u.Say(testkit.GuestID, "/checkin"); !strings.Contains(got.Text, "需要先绑定身份") {
		t.Errorf("guest /checkin: %q", got.Text)
	}
	if got := u.Say(testkit.HRID, "/invite 钱七 区委组织部 科员 hr"); !strings.Contains(got.Text, "只有管理员") {
		t.Errorf("HR inviting HR: %q", got.Text)
	}
	forged := ganwei.Event{From: testkit.CadreID, Account: ganwei.TelegramAccount(testkit.CadreID), ChatID: testkit.CadreID, Private: true,
		Action: &ganwei.Action{ID: "x1", Payload: "pg:us:0"}}
	u.Handlers.Handle(u.Ctx, forged)
	if a := u.Front.Answers(); len(a) != 1 || !a[0].Alert || !strings.Contains(a[0].Text, "仅对组织部") {
		t.Errorf("cadre pressing an HR page button got %+v", a)
	}
}

// TestUnitUnknownOrOverlongPayloadIsAStaleButton: payloads no feature made are refused politely.
func TestUnitUnknownOrOverlongPayloadIsAStaleButton(t *testing.T) {
	u := testkit.NewApp(t)
	for _, p := range []string{"zz:1", "", "kb:e:" + strings.Repeat("x", handlers.MaxActionPayload), "kb:e:<script>"} {
		u.Handlers.Handle(u.Ctx, ganwei.Event{From: testkit.CadreID, ChatID: testkit.CadreID, Private: true,
			Action: &ganwei.Action{ID: "a", Payload: p}})
	}
	for i, a := range u.Front.Answers() {
		if !a.Alert || !strings.Contains(a.Text, "按钮已失效") {
			t.Errorf("press %d answered %+v, want the stale-button alert", i, a)
		}
	}
}

// TestUnitFeedbackKeepsTheSourceButton: 👍 under an answer marks the vote and replaces only the
// feedback row, keeping 📖 查看原文 (the handler reads the pressed message's buttons back).
func TestUnitFeedbackKeepsTheSourceButton(t *testing.T) {
	u := testkit.NewApp(t)
	ans := u.Say(testkit.CadreID, "犯了错误还能容错吗")
	if !slices.Contains(testkit.Labels(ans.Buttons), "📖 查看原文") {
		t.Fatalf("answer %q has buttons %v; want 原文 and feedback", ans.Text, testkit.Labels(ans.Buttons))
	}
	u.Press(testkit.CadreID, ans, "👍")
	after := u.Message(testkit.CadreID, ans.ID)
	if after.Edits != 1 || after.Text != ans.Text || !slices.Contains(testkit.Labels(after.Buttons), "📖 查看原文") {
		t.Errorf("after 👍: edits %d, buttons %v; want the same text, 原文 kept", after.Edits, testkit.Labels(after.Buttons))
	}
	if slices.Equal(testkit.Labels(after.Buttons), testkit.Labels(ans.Buttons)) {
		t.Errorf("the feedback row did not change: %v", testkit.Labels(after.Buttons))
	}
	u.Press(testkit.CadreID, after, "📖 查看原文")
	if src, _ := u.Front.Last(testkit.CadreID); src.ID == ans.ID || src.Text == "" {
		t.Errorf("原文 sent nothing new")
	}
}

// TestUnitTopicsTurnInPlace: /topics lists categories; a category replaces the same message with
// its entries and a way back.
func TestUnitTopicsTurnInPlace(t *testing.T) {
	u := testkit.NewApp(t)
	list := u.Say(testkit.GuestID, "/topics")
	if len(list.Buttons) < 2 {
		t.Fatalf("/topics buttons %v", testkit.Labels(list.Buttons))
	}
	u.Press(testkit.GuestID, list, list.Buttons[0][0].Label)
	cat := u.Message(testkit.GuestID, list.ID)
	if cat.Edits != 1 || !slices.Contains(testkit.Labels(cat.Buttons), "« 返回主题列表") {
		t.Fatalf("category page: edits %d, buttons %v", cat.Edits, testkit.Labels(cat.Buttons))
	}
	u.Press(testkit.GuestID, cat, "« 返回主题列表")
	if back := u.Message(testkit.GuestID, list.ID); !slices.Equal(testkit.Labels(back.Buttons), testkit.Labels(list.Buttons)) {
		t.Errorf("back to the list shows %v", testkit.Labels(back.Buttons))
	}
}

// TestUnitCheckInAnswersEditTheQuestion: a cadre's /checkin asks in one message that each
// answer replaces with the next question; 取消 ends it.
func TestUnitCheckInAnswersEditTheQuestion(t *testing.T) {
	u := testkit.NewApp(t)
	q := u.Say(testkit.CadreID, "/checkin")
	if !strings.Contains(q.Text, "1/5") || len(q.Buttons) == 0 {
		t.Fatalf("first question %q buttons %v", q.Text, testkit.Labels(q.Buttons))
	}
	u.Press(testkit.CadreID, q, q.Buttons[0][0].Label)
	next := u.Message(testkit.CadreID, q.ID)
	if !strings.Contains(next.Text, "2/5") {
		t.Errorf("after the first answer the message reads %q, want question 2/5", next.Text)
	}
	if n := len(u.Front.Messages(testkit.CadreID)); n != 1 {
		t.Errorf("%d messages in the chat, want the one question message edited", n)
	}
}

// TestUnitHelpPerRole: /help speaks to each role, and only staff hear of staff work.
func TestUnitHelpPerRole(t *testing.T) {
	u := testkit.NewApp(t)
	for _, tt := range []struct {
		id        int64
		want, not string
	}{
		{testkit.GuestID, "【绑定身份】", "【组织部工作】"},
		{testkit.CadreID, "【关爱问卷】", "【组织部工作】"},
		{testkit.HRID, "【组织部工作】", "【管理员】"},
		{testkit.AdminID, "【管理员】", "【绑定身份】"},
	} {
		got := u.Say(tt.id, "/help").Text
		if !strings.Contains(got, tt.want) || strings.Contains(got, tt.not) {
			t.Errorf("/help for %d: want %s and not %s, got %q", tt.id, tt.want, tt.not, got)
		}
	}
}
