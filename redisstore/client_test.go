package redisstore_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
)

// hungRedis accepts connections and reads commands but never answers, like a Redis stopped
// with SIGSTOP or behind a dead network path. It counts the bytes it received.
func hungRedis(t *testing.T) (addr string, received *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	received = &atomic.Int64{}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				buf := make([]byte, 4096)
				for {
					n, err := conn.Read(buf)
					received.Add(int64(n))
					if err != nil {
						return
					}
				}
			}()
			select {
			case <-done:
				return
			default:
			}
		}
	}()
	return ln.Addr().String(), received
}

// TestHungRedisCostsOneTimeoutNotOnePerCommand: with Redis hung, the first command fails after
// its (short) timeout with EUNAVAILABLE; the commands that follow within the cooldown fail at
// once without reaching the server, so an update that would make several Redis calls waits on
// one timeout, not several in a row. Ping still asks the server, so /readyz stays truthful.
// Before the fix every command waited out go-redis's 3-second read timeout, three retries each.
func TestHungRedisCostsOneTimeoutNotOnePerCommand(t *testing.T) {
	addr, received := hungRedis(t)
	client, err := redisstore.NewClientWith("redis://"+addr, redisstore.ClientOptions{Timeout: 100 * time.Millisecond, Cooldown: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	store := redisstore.New(client, "hung")
	ctx := context.Background()

	start := time.Now()
	if _, err := store.User(ctx, 1); ganwei.ErrorCode(err) != ganwei.EUNAVAILABLE {
		t.Fatalf("first command: %v, want EUNAVAILABLE", err)
	}
	t.Logf("first command failed after %v", time.Since(start))
	before := received.Load()
	if before == 0 {
		t.Fatal("the first command never reached the server")
	}
	start = time.Now()
	for i := 0; i < 5; i++ {
		if err := store.SaveUser(ctx, &ganwei.User{ID: 1, Name: "张伟", Role: ganwei.RoleCadre}); ganwei.ErrorCode(err) != ganwei.EUNAVAILABLE {
			t.Fatalf("command during the cooldown: %v, want EUNAVAILABLE", err)
		}
		if _, err := store.Dialog(ctx, 1); ganwei.ErrorCode(err) != ganwei.EUNAVAILABLE {
			t.Fatalf("command during the cooldown: %v, want EUNAVAILABLE", err)
		}
	}
	t.Logf("10 more commands failed in %v", time.Since(start))
	if got := received.Load(); got != before {
		t.Errorf("commands during the cooldown sent %d bytes to the hung server, want none", got-before)
	}
	if err := store.Ping(ctx); ganwei.ErrorCode(err) != ganwei.EUNAVAILABLE {
		t.Fatalf("Ping = %v, want EUNAVAILABLE", err)
	}
	if received.Load() == before {
		t.Error("Ping did not ask the server; /readyz would not notice Redis coming back")
	}
}
