package reminders_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei/bot"
)

// BenchmarkDrain10k drains due steps (10,000 by default) through the shared Sender's rate limiter
// against the stand-in, with one scheduler replica. It reports the messages per second achieved
// against the configured global limit, Redis round trips per step, and duplicates (must be 0).
//
//	go test ./reminders/ -run '^$' -bench Drain -benchtime 1x
//	GANWEI_BENCH_RATE=30 GANWEI_BENCH_STEPS=600 go test ./reminders/ -run '^$' -bench Drain -benchtime 1x
//	GANWEI_BENCH_SHARED=1 go test ./reminders/ -run '^$' -bench Drain -benchtime 1x   (with the Redis pacer serve uses)
func BenchmarkDrain10k(b *testing.B) {
	steps := envInt("GANWEI_BENCH_STEPS", 10000)
	limit := envInt("GANWEI_BENCH_RATE", 1000)
	const base = 7_000_000_000
	for range b.N {
		b.StopTimer()
		h := newHarness(b, harnessOpts{seqYAML: bulkStep, start: at("2026-11-26 08:00"), noHandlers: true, globalRate: float64(limit)})
		h.bulkAppoint(b, base, steps)
		if os.Getenv("GANWEI_BENCH_SHARED") != "" {
			// As in serve: the budget is shared through Redis as well as kept locally.
			// The harness fakes Sleep for its fault tests; shared pacing must really wait.
			h.bot.Sender().Shared = h.store.Pacer(float64(limit), 1, 3)
			h.bot.Sender().Sleep = bot.SleepContext
		}
		counter := &countingMessenger{next: h.bot.Front(nil)}
		h.svc.Messenger = counter
		h.redis.RoundTrips.Reset()
		b.StartTimer()
		start := time.Now()
		for int(counter.n.Load()) < steps {
			if _, err := h.svc.Tick(h.ctx); err != nil {
				b.Fatal(err)
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		trips := h.redis.RoundTrips.Trips()
		calls := h.tg.Calls("sendMessage")
		chats := map[string]bool{}
		for _, c := range calls {
			chats[c.Params["chat_id"]] = true
		}
		b.ReportMetric(float64(steps)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(limit), "limit/s")
		b.ReportMetric(float64(trips)/float64(steps), "trips/step")
		b.ReportMetric(float64(len(calls)-len(chats)), "duplicates")
		if len(calls) != steps || len(chats) != steps {
			b.Errorf("%d messages to %d chats, want %d each", len(calls), len(chats), steps)
		}
		b.StartTimer()
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
