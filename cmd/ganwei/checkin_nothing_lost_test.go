package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redistest"
)

// Each answer is saved as it is given: someone who answers the five questions and never touches
// the optional line is counted, their talk request opens its case at once, and HR is alerted with
// a button to the case and no answers in the text. Someone who stops after two questions is
// counted with the two answers.
func TestCheckInSavedAsAnsweredWithoutTheOptionalLine(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	q := h.startDialog(cadreB.ID)
	for _, d := range []string{"ci:a:w:1", "ci:a:s:4", "ci:a:sup:partly", "ci:a:ben:ok", "ci:a:talk:1"} {
		h.press(cadreB.ID, q.ID, d)
	}
	// Stops here: no 跳过, no line.
	got, err := h.store.CheckIn(h.ctx, cadreB.ID, "2026-W47")
	if err != nil || !got.Complete() || got.Wellbeing != 1 || !got.Talk {
		t.Fatalf("after five answers and no line: stored %+v, %v", got, err)
	}
	cs, _ := h.store.Cases(h.ctx, true)
	if len(cs) != 1 || cs[0].UserID != cadreB.ID {
		t.Fatalf("cases = %+v; want 李强's, opened at once", cs)
	}
	for _, staff := range []int64{hrUser.ID, admin.ID} {
		alert := h.waitText(staff, "希望与组织谈心谈话")
		if !hasButton(alert, "cs:v:"+cs[0].ID) {
			t.Errorf("alert to %d has no button to the case: %+v", staff, alert.Buttons)
		}
		for _, s := range []string{cadreB.Name, "身心", "压力", "支持", "待遇", "发改委"} {
			if strings.Contains(alert.Text, s) {
				t.Errorf("alert to %d carries %q: %q", staff, s, alert.Text)
			}
		}
	}
	if n := len(h.tg.MessagesTo(cadreA.ID)); n != 1 {
		t.Errorf("a cadre got %d messages, want only the prompt (no alert)", n)
	}
	// The alert's button opens the case for HR (an audited view).
	alert := h.waitText(hrUser.ID, "希望与组织谈心谈话")
	if v := h.press(hrUser.ID, alert.ID, "cs:v:"+cs[0].ID); !strings.Contains(v.Text, "身心状态 1") {
		t.Errorf("HR opening the alerted case: %q", v.Text)
	}

	// 王芳 answers two questions and stops.
	q = h.startDialog(cadreC.ID)
	h.press(cadreC.ID, q.ID, "ci:a:w:4")
	h.press(cadreC.ID, q.ID, "ci:a:s:2")
	aggs, err := h.store.Aggregates(h.ctx, []string{"2026-W47"}, "")
	if err != nil {
		t.Fatal(err)
	}
	a := aggs[0]
	if sizes := a.Sizes(); a.Responses != 2 || sizes[1] != 2 || sizes[2] != 2 || sizes[3] != 1 || sizes[5] != 1 || a.Talk != 1 {
		t.Errorf("aggregate = %+v (sizes %v); want 2 responses, 2 wellbeing and stress answers, 1 of the rest", a, sizes)
	}
	// 取消 on a fresh check-in takes back what it saved.
	h.press(cadreC.ID, q.ID, "ci:cancel")
	if _, err := h.store.CheckIn(h.ctx, cadreC.ID, "2026-W47"); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("after 取消 the partial answer is still stored: %v", err)
	}
	if aggs, _ := h.store.Aggregates(h.ctx, []string{"2026-W47"}, ""); aggs[0].Responses != 1 {
		t.Errorf("after 取消 responses = %d, want 1", aggs[0].Responses)
	}
}

// Typing 跳过 at the optional line is the 跳过 button, not a note reading "跳过".
func TestTypedSkipIsTheSkipButton(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	q := h.startDialog(cadreA.ID)
	done := h.answer(cadreA.ID, q.ID, 4, 2, "enough", "ok", false, "跳过")
	if !strings.Contains(done.Text, "已记录") {
		t.Errorf("after typing 跳过: %q", done.Text)
	}
	if c, err := h.store.CheckIn(h.ctx, cadreA.ID, "2026-W47"); err != nil || c.Note != "" {
		t.Errorf("stored %+v, %v; want no note", c, err)
	}
}

// Participation counts everyone who was prompted plus anyone who answered without being
// prompted (HR, admins), so it never exceeds 100%.
func TestParticipationNeverExceedsAHundredPercent(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	for _, u := range []ganwei.User{cadreA, cadreB, cadreC, cadreD, cadreE, hrUser} {
		q := h.startDialog(u.ID)
		h.answer(u.ID, q.ID, 4, 2, "enough", "ok", false, "")
	}
	if sum := h.summary(admin.ID, "/summary"); !strings.Contains(sum, "本期参与：6 / 6 人（100%）") {
		t.Errorf("summary with HR answering too:\n%s", sum)
	}
}

// An answer to a check-in whose period has closed in the meantime is not added to that period:
// its figures are on show now, and a change would give the answer away.
func TestAnswerAfterThePeriodClosedDoesNotChangeIt(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	h.clock.Set(time.Date(2026, 11, 27, 15, 50, 0, 0, shanghai)) // the last minutes of 2026-W47
	q := h.startDialog(cadreA.ID)
	h.press(cadreA.ID, q.ID, "ci:a:w:4")
	h.clock.Set(time.Date(2026, 11, 27, 16, 5, 0, 0, shanghai)) // the next prompt: 2026-W47 closes
	r := h.press(cadreA.ID, q.ID, "ci:a:s:5")
	if !strings.Contains(r.Text, "已经结束") {
		t.Errorf("answer after the close: %q", r.Text)
	}
	c, err := h.store.CheckIn(h.ctx, cadreA.ID, "2026-W47")
	if err != nil || c.Wellbeing != 4 || c.Stress != 0 {
		t.Errorf("2026-W47 answer = %+v, %v; want the wellbeing given before the close only", c, err)
	}
}

// 取消 pressed after the check-in's period has closed does not take the answer back out of that
// period: its figures are on show, and readings before and after the withdrawal would give the
// answer away. Neither does a second round's 取消 put the earlier answer back, nor does the
// optional line, sent after the person moved to another unit, move the answer between the
// closed period's units.
func TestClosedPeriodFiguresDoNotChangeAfterTheClose(t *testing.T) {
	// A dialog opened in the last minutes of 2026-W47 and continued (within the dialog's 30
	// minutes) just after the next prompt closed it.
	lastMinutes := time.Date(2026, 11, 27, 15, 50, 0, 0, shanghai)
	closed := time.Date(2026, 11, 27, 16, 5, 0, 0, shanghai)
	figures := func(h *harness, unit string) ganwei.Aggregate {
		t.Helper()
		aggs, err := h.store.Aggregates(h.ctx, []string{"2026-W47"}, unit)
		if err != nil {
			t.Fatalf("aggregates: %v", err)
		}
		return *aggs[0]
	}
	t.Run("取消 of a first round", func(t *testing.T) {
		rd := redistest.New(t)
		h := newHarness(t, rd.Client, rd.Prefix)
		h.clock.Set(lastMinutes)
		q := h.startDialog(cadreA.ID)
		h.press(cadreA.ID, q.ID, "ci:a:w:1")
		h.press(cadreA.ID, q.ID, "ci:a:s:5")
		before := figures(h, "")
		h.clock.Set(closed)
		h.press(cadreA.ID, q.ID, "ci:cancel")
		if after := figures(h, ""); after.Responses != before.Responses || after.WellbeingSum != before.WellbeingSum || after.StressSum != before.StressSum {
			t.Errorf("2026-W47 overall changed after it closed: before %+v, after %+v", before, after)
		}
		if c, err := h.store.CheckIn(h.ctx, cadreA.ID, "2026-W47"); err != nil || c == nil || c.Wellbeing != 1 {
			t.Errorf("2026-W47 answer after 取消 past the close = %+v, %v; want it kept", c, err)
		}
	})
	t.Run("取消 of a second round", func(t *testing.T) {
		rd := redistest.New(t)
		h := newHarness(t, rd.Client, rd.Prefix)
		q := h.startDialog(cadreA.ID)
		h.answer(cadreA.ID, q.ID, 4, 2, "enough", "ok", false, "")
		h.clock.Set(lastMinutes)
		q = h.startDialog(cadreA.ID)
		h.press(cadreA.ID, q.ID, "ci:a:w:1")
		before := figures(h, "")
		h.clock.Set(closed)
		h.press(cadreA.ID, q.ID, "ci:cancel")
		if after := figures(h, ""); after.WellbeingSum != before.WellbeingSum || after.WellbeingDist != before.WellbeingDist {
			t.Errorf("2026-W47 overall changed after it closed: before %+v, after %+v", before, after)
		}
	})
	t.Run("optional line after a move to another unit", func(t *testing.T) {
		rd := redistest.New(t)
		h := newHarness(t, rd.Client, rd.Prefix)
		h.clock.Set(lastMinutes)
		q := h.startDialog(cadreA.ID)
		for _, data := range []string{"ci:a:w:1", "ci:a:s:5", "ci:a:sup:enough", "ci:a:ben:ok", "ci:a:talk:0"} {
			h.press(cadreA.ID, q.ID, data)
		}
		before := figures(h, cadreA.Unit)
		h.clock.Set(closed)
		moved := cadreA
		moved.Unit = cadreD.Unit
		if err := h.store.SaveUser(h.ctx, &moved); err != nil {
			t.Fatal(err)
		}
		h.say(cadreA.ID, "最近家里老人住院，有些分心")
		if after := figures(h, cadreA.Unit); after.Responses != before.Responses || after.WellbeingSum != before.WellbeingSum {
			t.Errorf("2026-W47 %s changed after it closed: before %+v, after %+v", cadreA.Unit, before, after)
		}
		if after := figures(h, cadreD.Unit); after.Responses != 0 {
			t.Errorf("2026-W47 %s gained an answer after it closed: %+v", cadreD.Unit, after)
		}
	})
}

// The optional line typed while Redis is down cannot be saved (nor can the bot tell that a
// check-in is open): the person is told it was not saved and to send it again, rather than
// getting only a policy answer and believing the line reached the organisation. It does not
// reach the model either.
func TestCheckInLineTypedDuringAnOutageIsNotLostSilently(t *testing.T) {
	lib, err := openLibrary(Env{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	srv := redistest.StartServer(t)
	rd := redistest.NewOn(t, srv)
	spy := &spyPhraser{}
	h := newHarnessAnswering(t, rd.Client, rd.Prefix, &knowledge.Answerer{Library: lib, Phraser: spy, PhraseTimeout: time.Second})
	q := h.startDialog(cadreA.ID)
	for _, d := range []string{"ci:a:w:4", "ci:a:s:2", "ci:a:sup:enough", "ci:a:ben:ok", "ci:a:talk:0"} {
		h.press(cadreA.ID, q.ID, d)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("stop redis: %v", err)
	}
	before := len(h.tg.MessagesTo(cadreA.ID))
	h.settle(h.tg.SendText(cadreA.ID, "最近母亲住院，干部考核压力大"))
	if err := srv.Restart(); err != nil {
		t.Fatalf("restart redis: %v", err)
	}
	told := false
	for _, m := range h.tg.MessagesTo(cadreA.ID)[before:] {
		told = told || strings.Contains(m.Text, "没有保存")
	}
	if !told {
		t.Errorf("the line typed during the outage got %+v; want to be told it was not saved", h.tg.MessagesTo(cadreA.ID)[before:])
	}
	spy.mu.Lock()
	defer spy.mu.Unlock()
	if len(spy.seen) != 0 {
		t.Errorf("the model saw %q during the outage", spy.seen)
	}
}

// 开始填写 on the new period's prompt, pressed while a dialog of the period just closed is still
// open, starts the new period's check-in rather than continuing the closed one (whose next
// answer could only be refused).
func TestNewPromptStartsTheNewPeriodWhileTheOldDialogIsOpen(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	h.clock.Set(time.Date(2026, 11, 27, 15, 50, 0, 0, shanghai))
	q := h.startDialog(cadreA.ID)
	h.press(cadreA.ID, q.ID, "ci:a:w:4")
	h.clock.Set(time.Date(2026, 11, 27, 16, 5, 0, 0, shanghai)) // 2026-W48's prompt is out
	h.app.checkins.Kick()
	prompt := h.waitText(cadreA.ID, "本期关爱问卷（2026年第48周）")
	r := h.press(cadreA.ID, prompt.ID, "ci:go")
	if !strings.Contains(r.Text, "2026年第48周") || !strings.Contains(r.Text, "1/5") {
		t.Fatalf("开始填写 on the 2026-W48 prompt showed %q; want 2026-W48's first question", r.Text)
	}
	r = h.press(cadreA.ID, prompt.ID, "ci:a:w:2")
	if c, err := h.store.CheckIn(h.ctx, cadreA.ID, "2026-W48"); err != nil || c.Wellbeing != 2 {
		t.Errorf("2026-W48 answer = %+v, %v (last message %q); want wellbeing 2", c, err, r.Text)
	}
}
