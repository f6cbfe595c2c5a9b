package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei/redisstore"
)

// slots books n messages from pacers (taking turns, as replicas do) to chat(i) and returns each
// one's slot as an offset from the start; it moves the clock only when a chat must rest.
func slots(t *testing.T, clk *clock, pacers []*redisstore.Pacer, n int, chat func(i int) int64, bulk bool) []time.Duration {
	t.Helper()
	start := clk.Now()
	var out []time.Duration
	for i := range n {
		for {
			wait, reserved, err := pacers[i%len(pacers)].Reserve(context.Background(), chat(i), bulk)
			if err != nil {
				t.Fatal(err)
			}
			if reserved {
				out = append(out, clk.Now().Sub(start)+wait)
				break
			}
			clk.Add(wait)
		}
	}
	return out
}

// maxInWindow is the most slots in any window of length w.
func maxInWindow(slots []time.Duration, w time.Duration) int {
	best := 0
	for i, s := range slots {
		n := 0
		for _, o := range slots[i:] {
			if o >= s && o < s+w {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

// TestPacerNeverAbove30InAnySecond: two replicas booking 90 messages to 90 people never put more
// than 30 in any 1-second window, the first one included (it used to hold 59: a burst of 30 plus
// 30 a second), and each booking is one call.
func TestPacerNeverAbove30InAnySecond(t *testing.T) {
	s, _ := mustOpenStore(t)
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	a, b := s.Pacer(30, 1, 3), s.Pacer(30, 1, 3)
	a.Now, b.Now = clk.Now, clk.Now
	got := slots(t, clk, []*redisstore.Pacer{a, b}, 90, func(i int) int64 { return int64(1000 + i) }, false)
	if n := maxInWindow(got, time.Second); n > 30 {
		t.Fatalf("%d messages in one 1-second window, want at most 30", n)
	}
	if got[29] >= time.Second || got[30] < time.Second {
		t.Fatalf("30th slot at %s, 31st at %s: want 30 in the first second and no more", got[29], got[30])
	}
}

// TestPacerPerChat: a person's chat gets a burst of 3, then one a second; a group one every 3
// seconds (20 a minute), across replicas.
func TestPacerPerChat(t *testing.T) {
	s, _ := mustOpenStore(t)
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	a, b := s.Pacer(30, 1, 3), s.Pacer(30, 1, 3)
	a.Now, b.Now = clk.Now, clk.Now
	person := slots(t, clk, []*redisstore.Pacer{a, b}, 6, func(int) int64 { return 42 }, false)
	if n := maxInWindow(person, time.Second); n > 3 {
		t.Errorf("person: %d messages in one second, want at most 3 (%v)", n, person)
	}
	if last := person[5]; last < 3*time.Second {
		t.Errorf("6th message to one person at %s, want 3 s or later", last)
	}
	group := slots(t, clk, []*redisstore.Pacer{a, b}, 25, func(int) int64 { return -100 }, false)
	if n := maxInWindow(group, time.Minute); n > 20 {
		t.Errorf("group: %d messages in one minute, want at most 20", n)
	}
}

// TestPacerBulkBooksOnlyNearSlots: bulk books no slot beyond the horizon, so a reply asked for
// later still gets one within about the horizon, ahead of the rest of the fan-out.
func TestPacerBulkBooksOnlyNearSlots(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	p := s.Pacer(30, 1, 3)
	p.Now = clk.Now
	booked := 0
	for i := range 100 {
		_, reserved, err := p.Reserve(ctx, int64(1000+i), true)
		if err != nil {
			t.Fatal(err)
		}
		if reserved {
			booked++
		}
	}
	if booked > 31 {
		t.Fatalf("bulk booked %d slots at once, want about a second's worth (30)", booked)
	}
	wait, reserved, err := p.Reserve(ctx, 42, false)
	if err != nil || !reserved || wait > time.Second+34*time.Millisecond {
		t.Fatalf("reply during the fan-out: wait %s, reserved %v, %v; want booked within ~1 s", wait, reserved, err)
	}
}
