package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

// lastCallbackAnswer is the text of the latest answerCallbackQuery.
func lastCallbackAnswer(tg *telegramtest.Server) string {
	calls := tg.Calls("answerCallbackQuery")
	if len(calls) == 0 {
		return ""
	}
	return calls[len(calls)-1].Params["text"]
}

// Every HR list pages at 10 with 上一页/下一页, says the total, and turns pages in place; a
// forged page button gets a polite answer and changes nothing.
func TestHRListsPageAtTen(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	const extra = 16 // seeded beyond the harness's seven people
	for i := range extra {
		u := ganwei.User{ID: 7100000000 + int64(i), Name: fmt.Sprintf("干部%02d", i), Unit: "档案局", Role: ganwei.RoleCadre}
		h.tg.SetUser(models.User{ID: u.ID, FirstName: u.Name})
		if err := h.store.SaveUser(h.ctx, &u); err != nil {
			t.Fatal(err)
		}
		if i < 12 {
			if _, err := h.store.SubmitCheckIn(h.ctx, &ganwei.CheckIn{UserID: u.ID, Unit: u.Unit, Period: "2026-W47",
				Wellbeing: 2, Stress: 5, Talk: true, TalkAnswered: true}); err != nil {
				t.Fatal(err)
			}
			if err := h.store.RecordUnanswered(h.ctx, fmt.Sprintf("问题%02d", i), fmt.Sprintf("没有答案的问题%02d？", i)); err != nil {
				t.Fatal(err)
			}
			if _, _, err := h.app.reminders.Appoint(h.ctx, &ganwei.Appointment{TelegramID: u.ID, Name: u.Name,
				Position: "局长", Unit: "档案局", Date: "2026-11-20"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		who         int64
		cmd         string
		total       string
		first, last string // an entry of page 1 and one of page 2 only
		pages       int
	}{
		{admin.ID, "/users", "共 23 人", "1. ", "11. ", 3},
		{hrUser.ID, "/cases", "待跟进的关爱事项共 12 件", "1. ", "11. ", 2},
		{hrUser.ID, "/unanswered", "未能回答的提问共 12 条", "1. ", "11. ", 2},
		{hrUser.ID, "/reminders", "四项清单提醒共 12 条登记", "1. ", "11. ", 2},
	} {
		p1 := h.say(tc.who, tc.cmd)
		footer := fmt.Sprintf("第 1 / %d 页", tc.pages)
		if !strings.Contains(p1.Text, tc.total) || !strings.Contains(p1.Text, footer) || !strings.Contains(p1.Text, "\n10. ") || strings.Contains(p1.Text, "\n11. ") {
			t.Errorf("%s page 1 lacks %q, %q or entries 1–10 only:\n%s", tc.cmd, tc.total, footer, p1.Text)
		}
		next := fmt.Sprintf("pg:%s:1", map[string]string{"/users": "us", "/cases": "cs", "/unanswered": "un", "/reminders": "rm"}[tc.cmd])
		if !hasButtonText(p1, "下一页", next) || hasButton(p1, strings.TrimSuffix(next, "1")+"-1") {
			t.Errorf("%s page 1 buttons %+v, want 下一页 %s", tc.cmd, p1.Buttons, next)
		}
		p2 := h.press(tc.who, p1.ID, next)
		if p2.ID != p1.ID || !strings.Contains(p2.Text, fmt.Sprintf("第 2 / %d 页", tc.pages)) || !strings.Contains(p2.Text, tc.last) {
			t.Errorf("%s 下一页: message %d (was %d):\n%s", tc.cmd, p2.ID, p1.ID, p2.Text)
		}
		if !hasButtonText(p2, "上一页", strings.TrimSuffix(next, "1")+"0") {
			t.Errorf("%s page 2 lacks 上一页: %+v", tc.cmd, p2.Buttons)
		}
	}

	// Forged page data: answered politely, the message stays as it is.
	list := h.say(hrUser.ID, "/cases")
	for _, data := range []string{"pg:cs:-1", "pg:cs:x", "pg:cs:01", "pg:zz:1", "pg:cs", "pg:cs:99999999999999999999"} {
		got := h.press(hrUser.ID, list.ID, data)
		if !strings.Contains(lastCallbackAnswer(h.tg), "翻页按钮已失效") || got.Text != list.Text {
			t.Errorf("%s: answered %q, message now %q", data, lastCallbackAnswer(h.tg), got.Text)
		}
	}
	// A page past the end (the list shrank) shows the last page.
	if got := h.press(hrUser.ID, list.ID, "pg:cs:7"); !strings.Contains(got.Text, "第 2 / 2 页") {
		t.Errorf("page past the end: %q", got.Text)
	}
	// HR may not page the admin's list of users.
	h.press(hrUser.ID, list.ID, "pg:us:1")
	if a := lastCallbackAnswer(h.tg); !strings.Contains(a, "仅对管理员开放") {
		t.Errorf("HR paging /users: answered %q", a)
	}
}
