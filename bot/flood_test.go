package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

// TestFloodWaitsAreHonouredUntilTheReplyGoesOut: Telegram answering 429 with retry_after to six
// sends in a row (its flood control holding on while every worker of every replica wakes at the
// same retry_after and spends the budget again) is waited out, each time for retry_after, and the
// reply is delivered. Giving up after five attempts, as for a 5xx, lost a reply to an update that
// was acknowledged and is marked done: nobody would ever send it.
func TestFloodWaitsAreHonouredUntilTheReplyGoesOut(t *testing.T) {
	h := newHarness(t, bot.Config{})
	s := h.bot.Sender()
	rec := &recordedSleeps{}
	s.Sleep = rec.sleep
	h.tg.FailNext("sendMessage", 6, telegramtest.TooManyRequests(3))
	if _, err := s.Send(context.Background(), 42, "您好，相关政策如下……", nil); err != nil {
		t.Fatalf("Send after six flood waits = %v, want delivered", err)
	}
	if got := len(h.tg.Calls("sendMessage")); got != 7 {
		t.Errorf("sendMessage calls = %d, want 7 (six 429s, then the delivery)", got)
	}
	for _, d := range rec.waited {
		if d != 3*time.Second {
			t.Errorf("waited %v between tries, want retry_after 3s each time (all waits %v)", d, rec.waited)
			break
		}
	}
}

// TestFloodWaitIsBounded: a flood wait that never ends (the bot banned) does not hold a worker
// forever: past MaxFloodWait in all, the message is given up with the 429 as the cause.
func TestFloodWaitIsBounded(t *testing.T) {
	h := newHarness(t, bot.Config{})
	s := h.bot.Sender()
	rec := &recordedSleeps{}
	s.Sleep = rec.sleep
	s.MaxFloodWait = 10 * time.Second
	h.tg.FailNext("sendMessage", 100, telegramtest.TooManyRequests(3))
	if _, err := s.Send(context.Background(), 42, "您好", nil); err == nil {
		t.Fatal("Send under endless flood control delivered, want an error")
	}
	if got := len(h.tg.Calls("sendMessage")); got != 4 {
		t.Errorf("sendMessage calls = %d, want 4 (3 waits of 3s fit in 10s, the 4th does not)", got)
	}
}
