package reminders_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

// shippedSequence is the sequence file the binary embeds, so that the date cases run on the
// real five lists and the real working-day offsets.
func shippedSequence(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../knowledge/sequence/sequence.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stepMarkers tell the six shipped steps apart in what the leader received.
var stepMarkers = []string{"任职提醒告知", "权力清单】", "责任清单】", "负面清单】", "风险防控清单】", "任职满月回访"}

// sentSteps lists, in arrival order, which step each message to the leader was (reminders of
// an unacknowledged step excluded), with the local time it arrived.
func (h *harness) sentSteps() (names []string, times []string) {
	for _, m := range h.tg.MessagesTo(leader.ID) {
		if strings.HasPrefix(m.Text, "【提醒】") {
			continue
		}
		for _, mark := range stepMarkers {
			if strings.Contains(m.Text, mark) {
				names = append(names, strings.Trim(mark, "】"))
				times = append(times, time.Unix(int64(m.Date), 0).In(shanghai).Format("01-02 15:04"))
			}
		}
	}
	return names, times
}

// TestBackdatedAppointmentSendsPassedStepsInOrderADayApart: registered on 11月26日 for an
// appointment on 11月2日, four lists are already past their dates. The welcome goes first, at
// once; the passed lists follow in sequence order one working day apart (skipping the weekend),
// and the 满月回访 keeps its place after them. Before the fix all five went out in the first
// round, in whatever order the workers finished.
func TestBackdatedAppointmentSendsPassedStepsInOrderADayApart(t *testing.T) {
	h := newHarness(t, harnessOpts{seqYAML: shippedSequence(t), start: at("2026-11-26 10:00"), noHandlers: true}) // a Thursday
	a, created, err := h.svc.Appoint(h.ctx, &ganwei.Appointment{TelegramID: leader.ID, Name: "陈刚", Position: "党委书记", Unit: "七都镇", Date: "2026-11-02"})
	if err != nil || !created {
		t.Fatalf("Appoint: %v", err)
	}
	wantDue := []string{"2026-11-26 10:00", "2026-11-27 09:00", "2026-11-30 09:00", "2026-12-01 09:00", "2026-12-02 09:00", "2026-12-03 09:00"}
	for i, st := range a.Steps {
		if !st.DueAt.Equal(at(wantDue[i])) {
			t.Errorf("step %s due %s, want %s", st.ID, st.DueAt.In(shanghai).Format("2006-01-02 15:04"), wantDue[i])
		}
	}
	for day := at("2026-11-26 10:00"); !day.After(at("2026-12-04 10:00")); day = day.Add(time.Hour) {
		h.clock.Set(day)
		h.tick()
	}
	names, times := h.sentSteps()
	want := []string{"任职提醒告知", "权力清单", "责任清单", "负面清单", "风险防控清单", "任职满月回访"}
	wantTimes := []string{"11-26 10:00", "11-27 09:00", "11-30 09:00", "12-01 09:00", "12-02 09:00", "12-03 09:00"}
	if strings.Join(names, ",") != strings.Join(want, ",") || strings.Join(times, ",") != strings.Join(wantTimes, ",") {
		t.Fatalf("leader got\n %v at %v\nwant\n %v at %v", names, times, want, wantTimes)
	}
}

// TestStepDueWhileDownGoesOutNextWorkingDay: the 权力清单 falls due on Friday 09:00 while the bot
// is down; the bot comes back on Saturday. It does not send on the weekend but on Monday at the
// send time, and HR's view shows the new date. A step merely a few minutes late (a long fan-out)
// still goes at once, and a welcome registered on a Saturday goes at once (HR is at work then).
func TestStepDueWhileDownGoesOutNextWorkingDay(t *testing.T) {
	const seq = `
send_at: "09:00"
send_until: "17:30"
steps:
  - {id: notice, title: 任职提醒告知, text: "任职提醒告知（模板）"}
  - {id: power, title: 权力清单, due: 2 workdays, text: "【权力清单】（模板）"}
`
	t.Run("back on Saturday", func(t *testing.T) {
		h := newHarness(t, harnessOpts{seqYAML: seq, start: at("2026-11-25 10:00"), noHandlers: true}) // Wednesday
		h.appoint(leader.ID, "党委书记")
		h.tick()
		// Down from Wednesday afternoon until Saturday 11:00.
		for _, now := range []string{"2026-11-28 11:00", "2026-11-29 16:00", "2026-11-30 08:59"} {
			h.clock.Set(at(now))
			h.tick()
			if n := len(h.tg.MessagesTo(leader.ID)); n != 1 {
				t.Fatalf("at %s the leader has %d messages, want 1 (nothing on the weekend)", now, n)
			}
		}
		if st := h.only().Step("power"); !st.DueAt.Equal(at("2026-11-30 09:00")) {
			t.Errorf("power due %v, want shown as 2026-11-30 09:00", st.DueAt.In(shanghai))
		}
		h.clock.Set(at("2026-11-30 09:00"))
		h.tick()
		if got := h.last(leader.ID); !strings.Contains(got.Text, "权力清单") || time.Unix(int64(got.Date), 0).Weekday() != time.Monday {
			t.Fatalf("Monday 09:00 the leader got %q, want the 权力清单", got.Text)
		}
	})
	t.Run("back on Friday evening", func(t *testing.T) {
		h := newHarness(t, harnessOpts{seqYAML: seq, start: at("2026-11-25 10:00"), noHandlers: true})
		h.appoint(leader.ID, "党委书记")
		h.tick()
		h.clock.Set(at("2026-11-27 20:00"))
		h.tick()
		if n := len(h.tg.MessagesTo(leader.ID)); n != 1 {
			t.Fatalf("Friday 20:00: the leader has %d messages, want 1 (after working hours)", n)
		}
		if st := h.only().Step("power"); !st.DueAt.Equal(at("2026-11-30 09:00")) {
			t.Errorf("power due %v, want 2026-11-30 09:00", st.DueAt.In(shanghai))
		}
	})
	t.Run("a few minutes late goes at once", func(t *testing.T) {
		h := newHarness(t, harnessOpts{seqYAML: seq, start: at("2026-11-25 10:00"), noHandlers: true})
		h.appoint(leader.ID, "党委书记")
		h.tick()
		h.clock.Set(at("2026-11-27 09:20"))
		h.tick()
		if n := len(h.tg.MessagesTo(leader.ID)); n != 2 {
			t.Fatalf("20 minutes late the leader has %d messages, want 2", n)
		}
	})
	t.Run("welcome registered on Saturday goes at once", func(t *testing.T) {
		h := newHarness(t, harnessOpts{seqYAML: seq, start: at("2026-11-28 15:00"), noHandlers: true})
		h.appoint(leader.ID, "党委书记")
		h.tick()
		if n := len(h.tg.MessagesTo(leader.ID)); n != 1 {
			t.Fatalf("the leader has %d messages, want the welcome at once", n)
		}
	})
}

// chatNotFound is what Telegram answers for a wrong id or someone who never opened the bot.
var chatNotFound = telegramtest.Fault{Code: 400, Description: "Bad Request: chat not found"}

// TestChatNotFoundIsUndeliverableAndHRHearsOnce: a 400 "chat not found" is not retried; the step
// is marked undeliverable, HR is told once with the name and what to do, and later steps that
// fail the same way do not tell HR again (the daily digest keeps listing them). Before the fix
// the 400 was retried every minute for ever and HR never heard.
func TestChatNotFoundIsUndeliverableAndHRHearsOnce(t *testing.T) {
	const seq = `
send_at: "09:00"
steps:
  - {id: notice, title: 任职提醒告知, needs_ack: true, text: "任职提醒告知（模板）"}
  - {id: power, title: 权力清单, due: 1 workday, needs_ack: true, text: "【权力清单】（模板）"}
`
	h := newHarness(t, harnessOpts{seqYAML: seq, start: at("2026-11-26 10:00"), noHandlers: true})
	h.appoint(leader.ID, "党委书记")
	h.tg.FailChat(leader.ID, chatNotFound)
	h.tick()
	attempts := func() int {
		n := 0
		for _, c := range h.tg.Calls("sendMessage") {
			if c.Params["chat_id"] == "20002" {
				n++
			}
		}
		return n
	}
	if n := attempts(); n != 1 {
		t.Errorf("%d attempts to the unknown chat, want 1 (a 400 is not retried)", n)
	}
	st := h.only().Step("notice")
	if st.Status != ganwei.StepFailed || !strings.Contains(st.Error, "chat not found") {
		t.Fatalf("notice = %+v, want failed: chat not found", st)
	}
	msgs := h.tg.MessagesTo(hr.ID)
	if len(msgs) < 1 || !strings.Contains(msgs[0].Text, "【四项清单·无法送达】") || !strings.Contains(msgs[0].Text, "陈刚") ||
		!strings.Contains(msgs[0].Text, "通过 Telegram 发给") || strings.Contains(msgs[0].Text, "20002") || !strings.Contains(msgs[0].Text, "/start") {
		t.Fatalf("HR got %v, want one 无法送达 notice naming 陈刚 and the channel (not an id), and what to do", msgs)
	}
	h.clock.Set(at("2026-11-26 10:05"))
	h.tick()
	if n := attempts(); n != 1 {
		t.Errorf("after failing, %d attempts, want still 1", n)
	}
	// The next step fails the same way the next working day: HR is not told a second time.
	h.clock.Set(at("2026-11-27 09:00"))
	h.tick()
	if st := h.only().Step("power"); st.Status != ganwei.StepFailed {
		t.Fatalf("power = %s, want failed", st.Status)
	}
	notices := 0
	for _, m := range h.tg.MessagesTo(hr.ID) {
		if strings.Contains(m.Text, "【四项清单·无法送达】") {
			notices++
		}
	}
	if notices != 1 {
		t.Errorf("HR got %d 无法送达 notices about one person, want 1", notices)
	}
	if got := h.last(hr.ID).Text; !strings.Contains(got, "每日提醒") || strings.Count(got, "无法送达") != 3 { // header + 2 lines
		t.Errorf("the digest = %q, want both undeliverable steps listed", got)
	}
}

// TestDigestGoesToHRWhoLookAfterTheUnit: with a scoping rule in place each HR user's digest
// lists only the units they look after, and someone whose units have nothing overdue gets no
// digest; configured administrators see everything. Without a rule (today) every HR user gets
// every line.
func TestDigestGoesToHRWhoLookAfterTheUnit(t *testing.T) {
	h := newHarness(t, harnessOpts{seqYAML: oneStep, start: at("2026-11-26 08:00"), noHandlers: true})
	townHR := ganwei.User{ID: 10003, Name: "王芳", Unit: "七都镇", Role: ganwei.RoleHR}
	if err := h.store.SaveUser(h.ctx, &townHR); err != nil {
		t.Fatal(err)
	}
	h.svc.AdminIDs = map[int64]bool{10009: true}
	h.svc.LooksAfter = func(u *ganwei.User, unit string) bool { return u.Unit == unit }
	h.appoint(leader.ID, "党委书记") // unit 七都镇
	h.tg.FailChat(leader.ID, telegramtest.Forbidden)
	h.tick()
	h.clock.Set(at("2026-11-27 09:00"))
	h.tick()
	digest := func(id int64) int {
		n := 0
		for _, m := range h.tg.MessagesTo(id) {
			if strings.Contains(m.Text, "【四项清单·每日提醒】") && strings.Contains(m.Text, "陈刚") {
				n++
			}
		}
		return n
	}
	if digest(townHR.ID) != 1 || digest(10009) != 1 {
		t.Errorf("digests: town HR %d, admin %d; want 1 each", digest(townHR.ID), digest(10009))
	}
	if n := len(h.tg.MessagesTo(hr.ID)); n != 0 {
		t.Errorf("HR of another unit got %d messages about 七都镇, want none", n)
	}
}

// TestAppointReadsChineseDates: the one-line /appoint reads the dates HR types in Chinese, keeps
// them out of the unit's name, and shows the date read back with the plan before anything is
// registered; the 确认登记 button registers. Before the fix "七都镇 2026年11月2日" became the
// unit ("祝贺您任七都镇 2026年11月2日党委书记") and the sequence started at once.
func TestAppointReadsChineseDates(t *testing.T) {
	for _, line := range []string{
		"/appoint 20002 陈刚 党委书记 七都镇 2026年11月2日",
		"/appoint 20002 陈刚 党委书记 七都镇 11月2日",
		"/appoint 20002 陈刚 党委书记 七都镇 2026.11.2",
		"/appoint 20002 陈刚 党委书记 七都镇 2026/11/2",
		"/appoint 20002 陈刚 党委书记 七都镇 2026年 11月 2日",
		"/appoint 20002 陈刚 党委书记 七都镇2026年11月2日",
		"/appoint 20002 陈刚 党委书记 2026-11-02 七都镇",
	} {
		t.Run(line, func(t *testing.T) {
			h := newHarness(t, harnessOpts{seqYAML: shippedSequence(t), start: at("2026-11-26 10:00")})
			h.say(hr.ID, line)
			preview := h.last(hr.ID)
			if !strings.Contains(preview.Text, "任职日期：2026年11月2日（星期一）") || !strings.Contains(preview.Text, "单位：七都镇\n") ||
				!strings.Contains(preview.Text, "11月27日 09:00") || len(preview.Buttons) != 1 {
				t.Fatalf("preview = %q", preview.Text)
			}
			if list, _ := h.store.Appointments(h.ctx); len(list) != 0 {
				t.Fatal("registered before HR confirmed")
			}
			h.press(hr.ID, preview.ID, preview.Buttons[0][0].CallbackData)
			a := h.only()
			if a.Unit != "七都镇" || a.Date != "2026-11-02" {
				t.Fatalf("registered unit %q date %q, want 七都镇 and 2026-11-02", a.Unit, a.Date)
			}
			h.tick()
			if got := h.last(leader.ID).Text; !strings.Contains(got, "祝贺您任七都镇党委书记") {
				t.Errorf("welcome = %q", got)
			}
		})
	}
}

// TestAppointRefusesAmbiguousDates: a date that could be read two ways, or does not exist, is
// refused with the reason and nothing is registered or previewed; in the dialog the question is
// asked again.
func TestAppointRefusesAmbiguousDates(t *testing.T) {
	h := newHarness(t, harnessOpts{seqYAML: oneStep, start: at("2026-11-26 10:00")})
	for line, want := range map[string]string{
		"/appoint 20002 陈刚 党委书记 七都镇 11/2":       "几月几日",
		"/appoint 20002 陈刚 党委书记 七都镇 2/11/2026":  "顺序不明确",
		"/appoint 20002 陈刚 党委书记 七都镇 2026年2月30日": "没有30日",
	} {
		h.say(hr.ID, line)
		if m := h.last(hr.ID); !strings.Contains(m.Text, want) || len(m.Buttons) != 0 {
			t.Errorf("%s: bot said %q with buttons %v, want a refusal saying %q", line, m.Text, m.Buttons, want)
		}
	}
	// The guided dialog asks again.
	h.say(hr.ID, "/appoint")
	h.say(hr.ID, "20002")
	h.say(hr.ID, "党委书记")
	h.say(hr.ID, "七都镇")
	h.say(hr.ID, "11.2")
	if got := h.last(hr.ID).Text; !strings.Contains(got, "几月几日") {
		t.Fatalf("dialog answered %q to 11.2", got)
	}
	h.say(hr.ID, "2026年11月2日")
	if got := h.last(hr.ID).Text; !strings.Contains(got, "任职日期：2026年11月2日（星期一）") || !strings.Contains(got, "已到期的清单不会同时发出") {
		t.Fatalf("dialog preview = %q", got)
	}
	if list, _ := h.store.Appointments(h.ctx); len(list) != 0 {
		t.Fatal("something was registered")
	}
}

// TestDigestWaitsForWorkingHours: a bot that comes back in the evening does not send HR the
// daily digest at night; it goes out the next working morning.
func TestDigestWaitsForWorkingHours(t *testing.T) {
	h := newHarness(t, harnessOpts{seqYAML: oneStep, start: at("2026-11-26 08:00"), noHandlers: true})
	h.appoint(leader.ID, "党委书记")
	h.tg.FailChat(leader.ID, telegramtest.Forbidden) // something for the digest to list
	h.tick()
	digests := func() int {
		n := 0
		for _, m := range h.tg.MessagesTo(hr.ID) {
			if strings.Contains(m.Text, "【四项清单·每日提醒】") {
				n++
			}
		}
		return n
	}
	h.clock.Set(at("2026-11-26 20:30"))
	h.tick()
	if n := digests(); n != 0 {
		t.Fatalf("%d digests at 20:30, want none at night", n)
	}
	h.clock.Set(at("2026-11-27 09:00"))
	h.tick()
	if n := digests(); n != 1 {
		t.Fatalf("%d digests the next morning, want 1", n)
	}
}
