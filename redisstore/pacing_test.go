package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei/redisstore"
)

// TestPacerSharedAcrossReplicas: two replicas' pacers on one Redis share the per-chat budget
// (Telegram: about 1 message a second to one chat, short bursts allowed) and the global one.
func TestPacerSharedAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	var waited time.Duration
	newPacer := func() *waitingPacer {
		p := s.Pacer(30, 1, 3)
		p.Now = clk.Now
		return &waitingPacer{p: p, sleep: func(d time.Duration) { waited += d; clk.Add(d) }}
	}
	a, b := newPacer(), newPacer()
	for i, p := range []*waitingPacer{a, b, a} {
		if err := p.Wait(ctx, 42); err != nil {
			t.Fatal(err)
		}
		if waited != 0 {
			t.Fatalf("message %d within the burst waited %s", i+1, waited)
		}
	}
	if err := b.Wait(ctx, 42); err != nil {
		t.Fatal(err)
	}
	if waited != time.Second {
		t.Fatalf("4th message to one chat (from the other replica) waited %s, want 1s", waited)
	}

	// Overall: 30 a second. 30 messages to different chats go at once, the 31st waits one
	// emission interval (34 ms, rounded up so as never to exceed the rate).
	waited = 0
	clk.Add(time.Hour)
	for i := range 30 {
		if err := a.Wait(ctx, int64(1000+i)); err != nil {
			t.Fatal(err)
		}
	}
	if waited != 0 {
		t.Fatalf("30 messages to 30 chats waited %s, want none", waited)
	}
	if err := b.Wait(ctx, 2000); err != nil {
		t.Fatal(err)
	}
	if waited != 34*time.Millisecond {
		t.Fatalf("the 31st message waited %s, want 34ms", waited)
	}
}

// waitingPacer asks a Pacer until it allows the message, as bot.Sender does, moving the test
// clock instead of sleeping.
type waitingPacer struct {
	p     *redisstore.Pacer
	sleep func(time.Duration)
}

func (w *waitingPacer) Wait(ctx context.Context, chatID int64) error {
	for {
		wait, err := w.p.Reserve(ctx, chatID)
		if err != nil || wait == 0 {
			return err
		}
		w.sleep(wait)
	}
}
