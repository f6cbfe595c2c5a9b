package embeddedredis_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei/embeddedredis"
)

func TestStartServesRedisAndStops(t *testing.T) {
	addr, stop, err := embeddedredis.Start()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Errorf("GET = %q, %v; want v", got, err)
	}
	stop()
	stop() // a second stop must be harmless: demo shutdown paths may overlap
	if err := c.Ping(ctx).Err(); err == nil {
		t.Errorf("PING after stop succeeded, want an error")
	}
}
