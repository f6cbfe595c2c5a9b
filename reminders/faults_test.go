package reminders_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

const oneStep = `
steps:
  - {id: notice, title: 任职提醒告知, needs_ack: true, remind_every: 1 workday, remind_times: 1, escalate: true, text: "告知（模板，以组织部正式文本为准）"}
`

func (h *harness) appoint(id int64, position string) *ganwei.Appointment {
	h.t.Helper()
	a, created, err := h.svc.Appoint(h.ctx, &ganwei.Appointment{TelegramID: id, Name: "陈刚", Position: position, Unit: "七都镇", CreatedBy: hr.ID})
	if err != nil || !created {
		h.t.Fatalf("Appoint: created=%v err=%v", created, err)
	}
	return a
}

// TestCrashBetweenClaimAndSend: a worker claims the step and dies before sending. Another
// replica does not take it while the lease runs, and delivers it once the lease has expired.
func TestCrashBetweenClaimAndSend(t *testing.T) {
	h := newHarness(t, harnessOpts{seqYAML: oneStep, start: at("2026-11-26 10:00"), noHandlers: true})
	h.appoint(leader.ID, "党委书记")

	// The doomed process: claims, then never sends nor completes.
	jobs, err := h.store.ClaimReminderJobs(h.ctx, "dead-replica", h.clock.Now(), reminders.DefaultLease, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim = %v, %v; want 1 job", jobs, err)
	}
	// A restarted replica with its own connection.
	client, err := redisstore.NewClient(h.redis.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	store2 := redisstore.New(client, h.redis.Prefix)
	store2.Now = h.clock.Now
	h.svc = h.newService(store2)

	if n := h.tick(); n != 0 || len(h.tg.MessagesTo(leader.ID)) != 0 {
		t.Fatalf("while the lease runs the new replica took %d jobs", n)
	}
	h.clock.Set(h.clock.Now().Add(reminders.DefaultLease + time.Second))
	if n := h.tick(); n != 1 {
		t.Fatalf("after the lease the new replica took %d jobs, want 1", n)
	}
	if msgs := h.tg.MessagesTo(leader.ID); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "告知") {
		t.Fatalf("leader got %v, want the 告知 once", msgs)
	}
	// The dead worker's late completion (if it came back) is fenced off by its lost lease.
	if ok, err := h.store.CompleteReminderJob(h.ctx, jobs[0], ganwei.JobResult{Status: ganwei.StepFailed}); ok || err != nil {
		t.Errorf("stale completion applied=%v err=%v; want refused", ok, err)
	}
	if st := h.only().Step("notice"); st.Status != ganwei.StepSent {
		t.Errorf("status = %s, want sent", st.Status)
	}
}

func TestTelegramFaults(t *testing.T) {
	t.Run("429 waits retry_after", func(t *testing.T) {
		h := newHarness(t, harnessOpts{seqYAML: oneStep, start: at("2026-11-26 10:00"), noHandlers: true})
		h.appoint(leader.ID, "党委书记")
		h.tg.FailNext("sendMessage", 1, telegramtest.TooManyRequests(7))
		h.tick()
		if n := len(h.tg.MessagesTo(leader.ID)); n != 1 {
			t.Fatalf("leader got %d messages, want 1", n)
		}
		if len(h.sleeps) != 1 || h.sleeps[0] != 7*time.Second {
			t.Errorf("sender waited %v, want [7s] (retry_after)", h.sleeps)
		}
		if st := h.only().Step("notice"); st.Status != ganwei.StepSent {
			t.Errorf("status = %s, want sent", st.Status)
		}
	})
	t.Run("500 retries with backoff", func(t *testing.T) {
		h := newHarness(t, harnessOpts{seqYAML: oneStep, start: at("2026-11-26 10:00"), noHandlers: true})
		h.appoint(leader.ID, "党委书记")
		h.tg.FailNext("sendMessage", 2, telegramtest.InternalError)
		h.tick()
		if n := len(h.tg.MessagesTo(leader.ID)); n != 1 {
			t.Fatalf("leader got %d messages, want 1", n)
		}
		if len(h.sleeps) != 2 || h.sleeps[1] <= h.sleeps[0] {
			t.Errorf("sender waited %v, want two growing backoffs", h.sleeps)
		}
	})
	t.Run("500 beyond the retries tries again later", func(t *testing.T) {
		h := newHarness(t, harnessOpts{seqYAML: oneStep, start: at("2026-11-26 10:00"), noHandlers: true})
		h.appoint(leader.ID, "党委书记")
		h.tg.FailNext("sendMessage", 5, telegramtest.InternalError) // the Sender's MaxAttempts
		h.tick()
		if st := h.only().Step("notice"); st.Status != ganwei.StepScheduled || len(h.tg.MessagesTo(leader.ID)) != 0 {
			t.Fatalf("status = %s after Telegram stayed down, want scheduled", st.Status)
		}
		h.tick()
		if n := len(h.tg.MessagesTo(leader.ID)); n != 0 {
			t.Fatalf("retried at once (%d messages); want a pause first", n)
		}
		h.clock.Set(h.clock.Now().Add(2 * time.Minute))
		h.tick()
		if n := len(h.tg.MessagesTo(leader.ID)); n != 1 {
			t.Fatalf("leader got %d messages after Telegram recovered, want 1", n)
		}
	})
	t.Run("403 marks failed and tells HR", func(t *testing.T) {
		h := newHarness(t, harnessOpts{seqYAML: oneStep, start: at("2026-11-26 08:00"), noHandlers: true})
		h.appoint(leader.ID, "党委书记")
		h.tg.FailChat(leader.ID, telegramtest.Forbidden)
		h.tick()
		st := h.only().Step("notice")
		if st.Status != ganwei.StepFailed || st.Error == "" {
			t.Fatalf("step = %+v, want failed with a reason", st)
		}
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
			t.Errorf("%d send attempts to the leader, want 1 (403 is not retried)", n)
		}
		msgs := h.tg.MessagesTo(hr.ID)
		if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "无法送达") || !strings.Contains(msgs[0].Text, "陈刚") {
			t.Fatalf("HR got %v, want one 无法送达 notice at once", msgs)
		}
		h.clock.Set(at("2026-11-30 10:00"))
		h.tick()
		if n := attempts(); n != 1 {
			t.Errorf("after failing, %d attempts to the blocked chat, want still 1", n)
		}
		if got := h.last(hr.ID).Text; !strings.Contains(got, "每日提醒") || !strings.Contains(got, "无法送达") {
			t.Errorf("the next digest = %q, want it to list the undeliverable step", got)
		}
	})
}

// TestDuplicateRegistrationIsAtomic: many HR clicks at once register one sequence.
func TestDuplicateRegistrationIsAtomic(t *testing.T) {
	h := newHarness(t, harnessOpts{seqYAML: oneStep, start: at("2026-11-26 10:00"), noHandlers: true})
	const n = 20
	created := make(chan bool, n)
	for range n {
		go func() {
			_, ok, err := h.svc.Appoint(h.ctx, &ganwei.Appointment{TelegramID: leader.ID, Name: "陈刚", Position: " 党委书记 "})
			if err != nil {
				t.Error(err)
			}
			created <- ok
		}()
	}
	count := 0
	for range n {
		if <-created {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d of %d concurrent registrations created a sequence, want 1", count, n)
	}
	if _, ok, _ := h.svc.Appoint(h.ctx, &ganwei.Appointment{TelegramID: leader.ID, Name: "陈刚", Position: "镇长"}); !ok {
		t.Error("another post for the same person was refused")
	}
}
