package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/testkit"
)

// unit is the handlers on a real Redis and the recording fake front end: no Telegram at all.
type unit struct {
	t     *testing.T
	ctx   context.Context
	front *testkit.Front
	store *redisstore.Store
	clock *testkit.Clock
	hs    *handlers.Handlers
}

func newUnit(t *testing.T) *unit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	clock := testkit.NewClock(testkit.At("2026-11-23 10:00")) // a Monday morning
	store.Now = clock.Now
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	lib, err := knowledge.Open("")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := checkin.NewCalendar(checkin.DefaultSchedule, testkit.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	front := &testkit.Front{LinkBase: "https://example.test/start?c="}
	hs := &handlers.Handlers{Users: store, Dialogs: store, Questions: store, Messenger: front, Logger: logger,
		Answerer:  &knowledge.Answerer{Library: lib},
		Reminders: &reminders.Service{Queue: store, Users: store, Logger: logger},
		CheckIns:  store, Periods: cal, Notices: store, Now: clock.Now, Location: testkit.Shanghai}
	hs.Register()
	return &unit{t: t, ctx: ctx, front: front, store: store, clock: clock, hs: hs}
}

// say sends text as person from and returns the newest message in their chat.
func (u *unit) say(from int64, text string) testkit.Sent {
	u.t.Helper()
	u.hs.Handle(u.ctx, testkit.Say(from, text))
	m, ok := u.front.Last(from)
	if !ok {
		u.t.Fatalf("%q got no reply", text)
	}
	return m
}

// press presses the button labelled label on m as person from.
func (u *unit) press(from int64, m testkit.Sent, label string) {
	u.t.Helper()
	ev, err := u.front.Press(from, m, label)
	if err != nil {
		u.t.Fatal(err)
	}
	u.hs.Handle(u.ctx, ev)
}

// message returns message id as it stands now.
func (u *unit) message(chat int64, id int) testkit.Sent {
	u.t.Helper()
	for _, m := range u.front.Messages(chat) {
		if m.ID == id {
			return m
		}
	}
	u.t.Fatalf("no message %d in chat %d", id, chat)
	return testkit.Sent{}
}

func labels(kb ganwei.Keyboard) []string {
	var out []string
	for _, row := range kb {
		for _, b := range row {
			out = append(out, b.Label)
		}
	}
	return out
}

// TestUnitInviteBindsAndSetsTheMenu: an admin's /invite gives a code and the front end's deep
// link; the stranger's /start CODE binds them as a cadre and sets their menu.
func TestUnitInviteBindsAndSetsTheMenu(t *testing.T) {
	u := newUnit(t)
	reply := u.say(testkit.AdminID, "/invite 赵敏 松陵街道 科员")
	code := regexp.MustCompile(`邀请码：(\S+)`).FindStringSubmatch(reply.Text)
	if code == nil || !strings.Contains(reply.Text, "https://example.test/start?c="+code[1]) {
		t.Fatalf("invite reply %q: want the code and the front end's link", reply.Text)
	}
	bound := u.say(testkit.GuestID, "/start "+code[1])
	if !strings.Contains(bound.Text, "绑定成功") || !strings.Contains(bound.Text, "赵敏") {
		t.Fatalf("binding reply %q", bound.Text)
	}
	if menu := u.front.Menu(testkit.GuestID); !slices.Contains(menu, "checkin") || slices.Contains(menu, "summary") {
		t.Errorf("a new cadre's menu is %v; want /checkin and no HR commands", menu)
	}
	if got := u.say(testkit.GuestID, "/start "+code[1]); !strings.Contains(got.Text, "无效") && !strings.Contains(got.Text, "用过") {
		t.Errorf("a used code again: %q", got.Text)
	}
}

// TestUnitRolesAreCheckedForCommandsAndButtons: a cadre is refused HR's commands and buttons
// with a kind sentence; an HR officer may not hand out HR invites.
func TestUnitRolesAreCheckedForCommandsAndButtons(t *testing.T) {
	u := newUnit(t)
	if got := u.say(testkit.CadreID, "/summary"); !strings.Contains(got.Text, "仅对组织部工作人员开放") {
		t.Errorf("cadre /summary: %q", got.Text)
	}
	if got := u.say(testkit.GuestID, "/checkin"); !strings.Contains(got.Text, "需要先绑定身份") {
		t.Errorf("guest /checkin: %q", got.Text)
	}
	if got := u.say(testkit.HRID, "/invite 钱七 区委组织部 科员 hr"); !strings.Contains(got.Text, "只有管理员") {
		t.Errorf("HR inviting HR: %q", got.Text)
	}
	forged := ganwei.Event{From: testkit.CadreID, ChatID: testkit.CadreID, Private: true,
		Action: &ganwei.Action{ID: "x1", Payload: "pg:us:0"}}
	u.hs.Handle(u.ctx, forged)
	if a := u.front.Answers(); len(a) != 1 || !a[0].Alert || !strings.Contains(a[0].Text, "仅对组织部") {
		t.Errorf("cadre pressing an HR page button got %+v", a)
	}
}

// TestUnitUnknownOrOverlongPayloadIsAStaleButton: payloads no feature made are refused politely.
func TestUnitUnknownOrOverlongPayloadIsAStaleButton(t *testing.T) {
	u := newUnit(t)
	for _, p := range []string{"zz:1", "", "kb:e:" + strings.Repeat("x", handlers.MaxActionPayload), "kb:e:<script>"} {
		u.hs.Handle(u.ctx, ganwei.Event{From: testkit.CadreID, ChatID: testkit.CadreID, Private: true,
			Action: &ganwei.Action{ID: "a", Payload: p}})
	}
	for i, a := range u.front.Answers() {
		if !a.Alert || !strings.Contains(a.Text, "按钮已失效") {
			t.Errorf("press %d answered %+v, want the stale-button alert", i, a)
		}
	}
}

// TestUnitFeedbackKeepsTheSourceButton: 👍 under an answer marks the vote and replaces only the
// feedback row, keeping 📖 查看原文 (the handler reads the pressed message's buttons back).
func TestUnitFeedbackKeepsTheSourceButton(t *testing.T) {
	u := newUnit(t)
	ans := u.say(testkit.CadreID, "犯了错误还能容错吗")
	if !slices.Contains(labels(ans.Buttons), "📖 查看原文") {
		t.Fatalf("answer %q has buttons %v; want 原文 and feedback", ans.Text, labels(ans.Buttons))
	}
	u.press(testkit.CadreID, ans, "👍")
	after := u.message(testkit.CadreID, ans.ID)
	if after.Edits != 1 || after.Text != ans.Text || !slices.Contains(labels(after.Buttons), "📖 查看原文") {
		t.Errorf("after 👍: edits %d, buttons %v; want the same text, 原文 kept", after.Edits, labels(after.Buttons))
	}
	if slices.Equal(labels(after.Buttons), labels(ans.Buttons)) {
		t.Errorf("the feedback row did not change: %v", labels(after.Buttons))
	}
	u.press(testkit.CadreID, after, "📖 查看原文")
	if src, _ := u.front.Last(testkit.CadreID); src.ID == ans.ID || src.Text == "" {
		t.Errorf("原文 sent nothing new")
	}
}

// TestUnitTopicsTurnInPlace: /topics lists categories; a category replaces the same message with
// its entries and a way back.
func TestUnitTopicsTurnInPlace(t *testing.T) {
	u := newUnit(t)
	list := u.say(testkit.GuestID, "/topics")
	if len(list.Buttons) < 2 {
		t.Fatalf("/topics buttons %v", labels(list.Buttons))
	}
	u.press(testkit.GuestID, list, list.Buttons[0][0].Label)
	cat := u.message(testkit.GuestID, list.ID)
	if cat.Edits != 1 || !slices.Contains(labels(cat.Buttons), "« 返回主题列表") {
		t.Fatalf("category page: edits %d, buttons %v", cat.Edits, labels(cat.Buttons))
	}
	u.press(testkit.GuestID, cat, "« 返回主题列表")
	if back := u.message(testkit.GuestID, list.ID); !slices.Equal(labels(back.Buttons), labels(list.Buttons)) {
		t.Errorf("back to the list shows %v", labels(back.Buttons))
	}
}

// TestUnitCheckInAnswersEditTheQuestion: a cadre's /checkin asks in one message that each
// answer replaces with the next question; 取消 ends it.
func TestUnitCheckInAnswersEditTheQuestion(t *testing.T) {
	u := newUnit(t)
	q := u.say(testkit.CadreID, "/checkin")
	if !strings.Contains(q.Text, "1/5") || len(q.Buttons) == 0 {
		t.Fatalf("first question %q buttons %v", q.Text, labels(q.Buttons))
	}
	u.press(testkit.CadreID, q, q.Buttons[0][0].Label)
	next := u.message(testkit.CadreID, q.ID)
	if !strings.Contains(next.Text, "2/5") {
		t.Errorf("after the first answer the message reads %q, want question 2/5", next.Text)
	}
	if n := len(u.front.Messages(testkit.CadreID)); n != 1 {
		t.Errorf("%d messages in the chat, want the one question message edited", n)
	}
}

// TestUnitHelpPerRole: /help speaks to each role, and only staff hear of staff work.
func TestUnitHelpPerRole(t *testing.T) {
	u := newUnit(t)
	for _, tt := range []struct {
		id        int64
		want, not string
	}{
		{testkit.GuestID, "【绑定身份】", "【组织部工作】"},
		{testkit.CadreID, "【关爱问卷】", "【组织部工作】"},
		{testkit.HRID, "【组织部工作】", "【管理员】"},
		{testkit.AdminID, "【管理员】", "【绑定身份】"},
	} {
		got := u.say(tt.id, "/help").Text
		if !strings.Contains(got, tt.want) || strings.Contains(got, tt.not) {
			t.Errorf("/help for %d: want %s and not %s, got %q", tt.id, tt.want, tt.not, got)
		}
	}
}
