package redistest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func TestNewGivesWorkingClientAndCleansOnlyItsPrefix(t *testing.T) {
	ctx := context.Background()
	var prefix, url string
	outside := "redistest-outside-" + t.Name()
	t.Run("inner", func(t *testing.T) {
		r := redistest.New(t)
		t.Logf("kind %s at %s", r.Kind, r.Addr)
		prefix, url = r.Prefix, r.URL
		if !strings.HasPrefix(prefix, "t:") || !strings.Contains(prefix, "inner") {
			t.Errorf("prefix = %q, want t:<test name>:...", prefix)
		}
		for _, k := range []string{"a", "b", "c"} {
			if err := r.Client.Set(ctx, r.Prefix+k, "1", 0).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}
		}
		if err := r.Client.Set(ctx, outside, "keep", 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
	})
	// The inner test's cleanup has run: its keys are gone, others stay.
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	defer c.Del(ctx, outside)
	if n, err := c.Exists(ctx, prefix+"a", prefix+"b", prefix+"c").Result(); err != nil || n != 0 {
		t.Errorf("keys under prefix after cleanup = %d, %v; want 0", n, err)
	}
	if got, err := c.Get(ctx, outside).Result(); err != nil || got != "keep" {
		t.Errorf("key outside prefix = %q, %v; want keep", got, err)
	}
}

func TestPrefixesDiffer(t *testing.T) {
	a, b := redistest.New(t), redistest.New(t)
	if a.Prefix == b.Prefix {
		t.Errorf("two helpers share prefix %q", a.Prefix)
	}
}

func TestRoundTrips(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	r.Client.Set(ctx, r.Prefix+"x", "1", 0)
	r.Client.Get(ctx, r.Prefix+"x")
	_, err := r.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, r.Prefix+"n")
		p.Incr(ctx, r.Prefix+"n")
		p.Get(ctx, r.Prefix+"n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.RoundTrips.Trips(), int64(3); got != want {
		t.Errorf("Trips = %d, want %d", got, want)
	}
	if got, want := r.RoundTrips.Commands(), int64(5); got != want {
		t.Errorf("Commands = %d, want %d", got, want)
	}
	r.RoundTrips.Reset()
	if r.RoundTrips.Trips() != 0 || r.RoundTrips.Commands() != 0 {
		t.Errorf("Reset left %d trips, %d commands", r.RoundTrips.Trips(), r.RoundTrips.Commands())
	}
}

func TestStartServerStopAndRestart(t *testing.T) {
	ctx := context.Background()
	srv := redistest.StartServer(t)
	r := redistest.NewOn(t, srv)
	if err := r.Client.Set(ctx, r.Prefix+"k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := r.Client.Get(ctx, r.Prefix+"k").Err(); err == nil || err == redis.Nil {
		t.Fatalf("GET during outage: err = %v, want a connection error", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if err := r.Client.Ping(ctx).Err(); err != nil {
		t.Errorf("PING after restart: %v", err)
	}
}

func BenchmarkRoundTripsReport(b *testing.B) {
	ctx := context.Background()
	r := redistest.New(b)
	r.RoundTrips.Reset()
	for b.Loop() {
		r.Client.Incr(ctx, r.Prefix+"n")
	}
	r.RoundTrips.Report(b)
}
