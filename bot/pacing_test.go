package bot_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

// virtualClock is a clock for many goroutines that moves only when all of them sleep: it then
// jumps to the earliest wake-up. Goroutines started with Go count as running until they sleep
// or return; HTTP and Redis calls happen while running, so they take no virtual time. Tests of
// pacing run hours of sending in milliseconds, deterministically.
type virtualClock struct {
	mu       sync.Mutex
	now      time.Time
	running  int
	sleepers []*sleeper
	wg       sync.WaitGroup
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

func newVirtualClock() *virtualClock { return &virtualClock{now: time.Unix(1_800_000_000, 0)} }

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Go runs f as a goroutine the clock waits for.
func (c *virtualClock) Go(f func()) {
	c.mu.Lock()
	c.running++
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() {
			c.mu.Lock()
			c.running--
			c.advanceLocked()
			c.mu.Unlock()
		}()
		f()
	}()
}

// Wait waits for every goroutine started with Go.
func (c *virtualClock) Wait() { c.wg.Wait() }

// Sleep is bot.Sender's Sleep on this clock.
func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	s := &sleeper{until: c.now.Add(d), wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.running--
	c.advanceLocked()
	c.mu.Unlock()
	<-s.wake
	return ctx.Err()
}

func (c *virtualClock) advanceLocked() {
	if c.running > 0 || len(c.sleepers) == 0 {
		return
	}
	sort.Slice(c.sleepers, func(i, j int) bool { return c.sleepers[i].until.Before(c.sleepers[j].until) })
	if t := c.sleepers[0].until; t.After(c.now) {
		c.now = t
	}
	kept := c.sleepers[:0]
	for _, s := range c.sleepers {
		if s.until.After(c.now) {
			kept = append(kept, s)
			continue
		}
		c.running++
		close(s.wake)
	}
	c.sleepers = kept
}

// sends are the sendMessage calls the stand-in received, by the virtual clock.
func sends(tg *telegramtest.Server, chat func(int64) bool) []time.Time {
	var out []time.Time
	for _, c := range tg.Calls("sendMessage") {
		id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		if c.Error == nil && chat(id) {
			out = append(out, c.At)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// busiestWindow is the most sends in any window of length w.
func busiestWindow(at []time.Time, w time.Duration) int {
	best, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// TestPacingAtTheStandIn: two replicas share one Redis budget while a fan-out of 300 bulk
// messages runs from 150 senders, people get replies, one person gets a flurry and a group gets 25 messages. At
// the Bot API stand-in no 1-second window holds more than 30 messages (the first included), no
// person's chat more than 3 in a second, no group more than 20 in a minute; and every reply
// goes out within about a second although the fan-out is still running: replies come first.
func TestPacingAtTheStandIn(t *testing.T) {
	clk := newVirtualClock()
	tg := telegramtest.New(telegramtest.WithClock(clk.Now))
	t.Cleanup(tg.Close)
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	var replicas []*bot.Sender
	calls := &pacerCalls{}
	for range 2 {
		b, err := bot.New(context.Background(), bot.Config{Token: tg.Token(), APIURL: tg.URL()}, store, nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		s := b.Sender()
		p := store.Pacer(bot.DefaultGlobalRate, bot.DefaultPerChatRate, bot.DefaultPerChatBurst)
		p.Now = clk.Now
		s.Shared, s.Sleep = &countingPacer{next: p, calls: calls}, clk.Sleep
		replicas = append(replicas, s)
	}
	ctx := context.Background()
	bulk := bot.WithBulk(ctx)
	send := func(ctx context.Context, s *bot.Sender, chat int64, text string) {
		if _, err := s.Send(ctx, chat, text, nil); err != nil {
			t.Errorf("send to %d: %v", chat, err)
		}
	}

	const fanout = 300
	next := make(chan int, fanout)
	for i := range fanout {
		next <- i
	}
	close(next)
	// Many bulk senders at once: however many there are, bulk books only about a second ahead.
	for w := range 150 {
		s := replicas[w%2]
		clk.Go(func() {
			for i := range next {
				send(bulk, s, int64(100_000+i), "四项清单提醒")
			}
		})
	}
	type reply struct{ asked, sent time.Time }
	var mu sync.Mutex
	var replies []reply
	for k := range 5 {
		clk.Go(func() {
			_ = clk.Sleep(ctx, time.Duration(k+1)*time.Second)
			asked := clk.Now()
			send(ctx, replicas[k%2], int64(200+k), "政策解答")
			mu.Lock()
			replies = append(replies, reply{asked, clk.Now()})
			mu.Unlock()
		})
	}
	clk.Go(func() {
		for i := range 8 {
			send(ctx, replicas[i%2], 42, fmt.Sprintf("第%d部分", i+1))
		}
	})
	clk.Go(func() {
		for i := range 25 {
			send(ctx, replicas[i%2], -100, "群通知")
		}
	})
	clk.Wait()

	all := sends(tg, func(int64) bool { return true })
	if len(all) != fanout+5+8+25 {
		t.Fatalf("the stand-in got %d messages, want %d", len(all), fanout+5+8+25)
	}
	if n := busiestWindow(all, time.Second); n > 30 {
		t.Errorf("%d messages in one 1-second window, want at most 30", n)
	}
	if n := busiestWindow(all[:min(len(all), 60)], time.Second); n > 30 {
		t.Errorf("first second: %d messages, want at most 30 (burst plus rate made 59)", n)
	}
	if n := busiestWindow(sends(tg, func(c int64) bool { return c == 42 }), time.Second); n > bot.DefaultPerChatBurst {
		t.Errorf("one person got %d messages in a second, want at most %d", n, bot.DefaultPerChatBurst)
	}
	if n := busiestWindow(sends(tg, func(c int64) bool { return c == -100 }), time.Minute); n > 20 {
		t.Errorf("a group got %d messages in a minute, want at most 20", n)
	}
	// One Redis call per message when backed up; bulk asks again only when 150 senders want
	// more than the second's worth of slots it may book.
	if n := calls.n(false); n != 5+8+25+calls.rested() {
		t.Errorf("replies and direct messages: %d pacer calls for %d messages (%d after a chat's rest), want one each plus the rests",
			n, 5+8+25, calls.rested())
	}
	if n := calls.n(true); n > 3*fanout {
		t.Errorf("bulk: %d pacer calls for %d messages, want at most 3 each (waiting senders must not all ask at once)", n, fanout)
	}
	t.Logf("pacer calls: %d for %d bulk messages, %d for %d other messages", calls.n(true), fanout, calls.n(false), 5+8+25)
	fanoutEnd := sends(tg, func(c int64) bool { return c >= 100_000 })[fanout-1]
	for _, r := range replies {
		if !r.asked.Before(fanoutEnd) {
			t.Fatalf("a reply asked at %s, after the fan-out ended at %s: the test shows nothing", r.asked, fanoutEnd)
		}
		if wait := r.sent.Sub(r.asked); wait > 1100*time.Millisecond {
			t.Errorf("a reply during the fan-out waited %s, want about a second at most", wait)
		}
	}
}

// pacerCalls counts the shared pacer's calls (Redis round trips) by lane.
type pacerCalls struct {
	mu    sync.Mutex
	calls [2]int
	rests int // reply-lane calls answered "not yet" (a chat must rest first)
}

func (c *pacerCalls) n(bulk bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bulk {
		return c.calls[1]
	}
	return c.calls[0]
}

func (c *pacerCalls) rested() int { c.mu.Lock(); defer c.mu.Unlock(); return c.rests }

type countingPacer struct {
	next  bot.SharedPacer
	calls *pacerCalls
}

func (p *countingPacer) Reserve(ctx context.Context, chatID int64, bulk bool) (time.Duration, bool, error) {
	wait, reserved, err := p.next.Reserve(ctx, chatID, bulk)
	p.calls.mu.Lock()
	defer p.calls.mu.Unlock()
	if bulk {
		p.calls.calls[1]++
	} else {
		p.calls.calls[0]++
		if !reserved {
			p.calls.rests++
		}
	}
	return wait, reserved, err
}
