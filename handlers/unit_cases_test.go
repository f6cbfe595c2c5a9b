package handlers_test

// /cases a page at a time, a case's buttons and the case-note dialog on the fake front end.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

// talkRequests stores n cadres of 松陵街道 who asked for a talk this period (one case each).
func talkRequests(t *testing.T, u *testkit.App, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		id := int64(100 + i)
		usr := &ganwei.User{ID: id, Name: fmt.Sprintf("干部%02d", i), Unit: "松陵街道", Position: "科员", Role: ganwei.RoleCadre}
		if err := u.Store.SaveUser(u.Ctx, usr); err != nil {
			t.Fatal(err)
		}
		if _, err := u.Store.SubmitCheckIn(u.Ctx, &ganwei.CheckIn{UserID: id, Unit: usr.Unit, Period: period,
			Wellbeing: 4, Stress: 2, Support: ganwei.SupportEnough, Benefits: ganwei.BenefitsOK, Talk: true, TalkAnswered: true}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUnitCasesPages: twelve cases fill two pages; the page turns in place; a case opened from
// the second page shows the answer and is audited.
func TestUnitCasesPages(t *testing.T) {
	u := testkit.NewApp(t)
	wantText(t, "no cases", u.Say(testkit.HRID, "/cases").Text, []string{"目前没有待跟进的关爱事项"})
	talkRequests(t, u, 12)
	first := u.Say(testkit.HRID, "/cases")
	wantText(t, "page 1", first.Text, []string{"共 12 件", "1. 干部", "松陵街道 · 2026年第47周 · 待跟进", "第 1 / 2 页"}, "11. ")
	if n := len(first.Buttons); n != 11 || !has(first, "下一页") {
		t.Fatalf("page 1 has %d rows %v; want 10 cases and 下一页", n, testkit.Labels(first.Buttons))
	}
	u.Press(testkit.HRID, first, "下一页")
	second := u.Message(testkit.HRID, first.ID)
	wantText(t, "page 2", second.Text, []string{"11. 干部", "12. 干部", "第 2 / 2 页"}, "\n1. ")
	if !has(second, "上一页") || len(second.Buttons) != 3 {
		t.Fatalf("page 2 buttons %v", testkit.Labels(second.Buttons))
	}
	label := second.Buttons[0][0].Label
	who := strings.TrimSuffix(strings.TrimPrefix(label, "查看："), " · 2026年第47周")
	u.Press(testkit.HRID, second, label)
	card := last(t, u, testkit.HRID)
	wantText(t, "case", card.Text, []string{"关爱跟进事项", who + " · 松陵街道 · 2026年第47周", "原因：希望谈心谈话",
		"身心状态 4 · 工作压力 2 · 工作支持 充分 · 待遇 都已落实 · 希望谈心 是", "记入审计日志"})
	for _, b := range []string{"我来跟进", "添加备注", "结案"} {
		if !has(card, b) {
			t.Errorf("case buttons %v lack %s", testkit.Labels(card.Buttons), b)
		}
	}
	audit, err := u.Store.AuditLog(u.Ctx, 10)
	if err != nil || len(audit) == 0 || audit[0].Action != ganwei.AuditViewCase || audit[0].Actor != testkit.HRID {
		t.Errorf("audit %+v, %v; want HR's view first", audit, err)
	}
}

// TestUnitCaseNoteDialog: 添加备注 asks for the note; the reply is stored on the case and the case
// is shown again; a note typed after the officer lost the HR role is not stored; /cancel gives up.
func TestUnitCaseNoteDialog(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	talkRequests(t, u, 1)
	list := u.Say(hr, "/cases")
	u.Press(hr, list, "查看：干部00")
	card := last(t, u, hr)
	u.Press(hr, card, "添加备注")
	wantText(t, "ask", last(t, u, hr).Text, []string{"请直接回复跟进备注", "/cancel"})
	saved := u.Say(hr, "  已电话联系，本周五面谈  ")
	msgs := u.Front.Messages(hr)
	wantText(t, "saved", msgs[len(msgs)-2].Text, []string{"备注已保存"})
	wantText(t, "case again", saved.Text, []string{"11-23 10:00 待跟进 已电话联系，本周五面谈"})
	cases, err := u.Store.Cases(u.Ctx, true)
	if err != nil || len(cases) != 1 {
		t.Fatal(cases, err)
	}
	notes := cases[0].Notes
	if n := notes[len(notes)-1]; n.Text != "已电话联系，本周五面谈" {
		t.Errorf("stored note %+v", n)
	}
	noDialog(t, u, hr)

	// The officer's role is revoked while the note dialog is open: the note goes nowhere.
	u.Press(hr, saved, "添加备注")
	if err := u.Store.SetRole(u.Ctx, hr, ganwei.RoleCadre); err != nil {
		t.Fatal(err)
	}
	wantText(t, "revoked", u.Say(hr, "第二条备注").Text, []string{"权限已变更", "没有保存"})
	if got, _ := u.Store.Cases(u.Ctx, true); len(got[0].Notes) != len(notes) {
		t.Errorf("a revoked officer's note was stored: %+v", got[0].Notes)
	}
	noDialog(t, u, hr)
	if err := u.Store.SetRole(u.Ctx, hr, ganwei.RoleHR); err != nil {
		t.Fatal(err)
	}

	// /cancel gives the note up; the next text is a question, not a note.
	u.Press(hr, saved, "添加备注")
	wantText(t, "/cancel", u.Say(hr, "/cancel").Text, []string{"已取消"})
	if got := u.Say(hr, "犯了错误还能容错吗").Text; strings.Contains(got, "备注已保存") {
		t.Errorf("text after /cancel was taken as a note: %q", got)
	}
	if got, _ := u.Store.Cases(u.Ctx, true); len(got[0].Notes) != len(notes) {
		t.Errorf("notes after /cancel: %+v", got[0].Notes)
	}
}

// TestUnitCaseNoteOnAForgottenCase: when the person deletes their data while HR writes a note,
// the note is refused with the service's sentence and the dialog ends.
func TestUnitCaseNoteOnAForgottenCase(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	talkRequests(t, u, 1)
	list := u.Say(hr, "/cases")
	u.Press(hr, list, "查看：干部00")
	u.Press(hr, last(t, u, hr), "添加备注")
	if _, err := u.Store.Forget(u.Ctx, 100); err != nil {
		t.Fatal(err)
	}
	got := u.Say(hr, "已安排谈话")
	wantText(t, "note on a forgotten case", got.Text, []string{"本人已删除个人资料", "不能再添加备注"}, "备注已保存")
	noDialog(t, u, hr)
}

// TestUnitCaseLifecycle: 我来跟进, 已联系, 结案 (asked first; 暂不结案 keeps it), 确认结案 and 重新打开,
// each stored with who did it and shown with the buttons that fit the new state.
func TestUnitCaseLifecycle(t *testing.T) {
	u := testkit.NewApp(t)
	hr := testkit.HRID
	talkRequests(t, u, 1)
	u.Press(hr, u.Say(hr, "/cases"), "查看：干部00")
	status := func() ganwei.CaseStatus {
		all, err := u.Store.Cases(u.Ctx, false)
		if err != nil || len(all) != 1 {
			t.Fatalf("cases %v, %v", all, err)
		}
		return all[0].Status
	}
	steps := []struct {
		press      string
		status     ganwei.CaseStatus
		want       string
		buttons    []string
		notButtons []string
	}{
		{"我来跟进", ganwei.CaseAssigned, "由王芳跟进", []string{"已联系", "添加备注", "结案"}, []string{"我来跟进"}},
		{"已联系", ganwei.CaseContacted, "状态：已联系", []string{"添加备注", "结案"}, []string{"已联系"}},
	}
	for _, s := range steps {
		u.Press(hr, last(t, u, hr), s.press)
		card := last(t, u, hr)
		wantText(t, s.press, card.Text, []string{s.want})
		for _, b := range s.buttons {
			if !has(card, b) {
				t.Errorf("after %s the buttons %v lack %s", s.press, testkit.Labels(card.Buttons), b)
			}
		}
		for _, b := range s.notButtons {
			if has(card, b) {
				t.Errorf("after %s the buttons %v still offer %s", s.press, testkit.Labels(card.Buttons), b)
			}
		}
		if got := status(); got != s.status {
			t.Errorf("after %s the case is %s, want %s", s.press, got, s.status)
		}
	}
	card := last(t, u, hr)
	u.Press(hr, card, "结案")
	confirm := last(t, u, hr)
	wantText(t, "confirm close", confirm.Text, []string{"确认将这件跟进事项结案吗", "重新打开"})
	if confirm.Buttons[0][0].Label != "确认结案" {
		t.Errorf("confirm buttons %v; want 确认结案 first, away from where 结案 was", testkit.Labels(confirm.Buttons))
	}
	u.Press(hr, confirm, "暂不结案")
	wantText(t, "暂不结案", u.Message(hr, confirm.ID).Text, []string{"没有结案"})
	if got := status(); got != ganwei.CaseContacted {
		t.Errorf("暂不结案 left the case %s", got)
	}
	u.Press(hr, card, "结案")
	u.Press(hr, last(t, u, hr), "确认结案")
	closed := last(t, u, hr)
	wantText(t, "closed", closed.Text, []string{"状态：已结案", "由王芳结案"})
	if !has(closed, "重新打开") || has(closed, "添加备注") {
		t.Errorf("closed case buttons %v", testkit.Labels(closed.Buttons))
	}
	if got := status(); got != ganwei.CaseClosed {
		t.Errorf("the case is %s after 确认结案", got)
	}
	wantText(t, "/cases after close", u.Say(hr, "/cases").Text, []string{"目前没有待跟进的关爱事项"})
	u.Press(hr, closed, "重新打开")
	wantText(t, "reopened", last(t, u, hr).Text, []string{"状态：待跟进", "由王芳重新打开"})
	if got := status(); got != ganwei.CaseOpen {
		t.Errorf("the case is %s after 重新打开", got)
	}
}
