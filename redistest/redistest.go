// Package redistest gives tests a real Redis to talk to, and cleans up after
// them.
//
// New picks the server in this order:
//
//  1. REDIS_URL, when set. The server is someone else's, so the test never
//     flushes it: it gets a unique key prefix and, at cleanup, only keys
//     under that prefix are deleted (SCAN + DEL). An unreachable REDIS_URL
//     fails the test.
//  2. A private redis-server, when the binary is on PATH: started once per
//     test binary on a free loopback port with no persistence, shared by
//     all tests (each still gets its own prefix), and killed when the test
//     binary ends. Call Main from TestMain for an orderly stop; on Linux the
//     server also dies with the test process if Main is not used.
//  3. With CI=true and neither of the above, the test fails: CI must test
//     against real Redis, never skip and never silently use a fake.
//  4. Otherwise an embedded miniredis, logged as such, so `go test ./...`
//     stays meaningful on a laptop without Redis.
//
// Fault tests that need to take Redis down mid-operation use StartServer,
// which always gives the test a server of its own (redis-server or, outside
// CI, miniredis) with Stop and Restart.
//
// Benchmarks read Redis.RoundTrips to report network round trips per op.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Server kinds, reported in Redis.Kind and Server.Kind.
const (
	KindURL      = "REDIS_URL"    // the server named by REDIS_URL
	KindPrivate  = "redis-server" // a redis-server started by this package
	KindEmbedded = "miniredis"    // an in-process miniredis
)

// Redis is one test's handle on Redis.
type Redis struct {
	// Client is connected to the server; it is closed at cleanup.
	Client redis.UniversalClient
	// Prefix starts every key this test may write, e.g. "t:TestFoo:3f2a9c:".
	// Give it to the store under test as its key prefix: cleanup deletes
	// exactly the keys under it and nothing else.
	Prefix string
	// Addr is the server's host:port.
	Addr string
	// URL is a redis:// URL for the same server and database, for code
	// under test that takes REDIS_URL (the prefix must be passed apart).
	URL string
	// Kind says which server this is (KindURL, KindPrivate, KindEmbedded).
	Kind string
	// RoundTrips counts the commands and round trips Client made since the
	// helper returned.
	RoundTrips *RoundTrips
}

// InCI reports whether the tests run in CI (CI set, as CI services and .ci/run do), where
// a test that cannot reach what it needs (Redis here, chromium for the console's browser
// test) fails instead of skipping.
func InCI() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("CI"))) {
	case "", "0", "false", "no":
		return false
	}
	return true
}

// choice is the outcome of the decision order in the package doc.
type choice int

const (
	useURL choice = iota
	usePrivate
	useFail
	useEmbedded
)

// decide applies the decision order; it is separate so tests can check the
// order without changing the process environment.
func decide(redisURL string, haveBinary, ci bool) choice {
	switch {
	case redisURL != "":
		return useURL
	case haveBinary:
		return usePrivate
	case ci:
		return useFail
	default:
		return useEmbedded
	}
}

func haveRedisServer() bool {
	_, err := exec.LookPath("redis-server")
	return err == nil
}

// shared is the per-binary server used by New when REDIS_URL is unset.
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// New returns a Redis for tb, chosen as the package doc describes, and
// registers cleanup of the test's keys and client.
func New(tb testing.TB) *Redis {
	tb.Helper()
	redisURL := os.Getenv("REDIS_URL")
	switch decide(redisURL, haveRedisServer(), InCI()) {
	case useURL:
		opt, err := redis.ParseURL(redisURL)
		if err != nil {
			tb.Fatalf("redistest: REDIS_URL is not a valid redis URL: %v", err)
		}
		return newRedis(tb, opt, KindURL, redisURL)
	case useFail:
		tb.Fatalf("redistest: CI=true but no Redis: set REDIS_URL or install redis-server (CI must test against a real Redis)")
		return nil
	default:
		shared.once.Do(func() { shared.srv, shared.err = startServer() })
		if shared.err != nil {
			tb.Fatalf("redistest: %v", shared.err)
		}
		if shared.srv.Kind == KindEmbedded {
			tb.Logf("redistest: no REDIS_URL and no redis-server on PATH; using embedded miniredis")
		}
		return NewOn(tb, shared.srv)
	}
}

// NewOn returns a Redis for tb on srv (from StartServer), with its own key
// prefix and cleanup, like New.
func NewOn(tb testing.TB, srv *Server) *Redis {
	tb.Helper()
	return newRedis(tb, &redis.Options{Addr: srv.Addr}, srv.Kind, "redis://"+srv.Addr)
}

func newRedis(tb testing.TB, opt *redis.Options, kind, url string) *Redis {
	tb.Helper()
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		tb.Fatalf("redistest: %s at %s unreachable: %v", kind, opt.Addr, err)
	}
	r := &Redis{Client: c, Prefix: newPrefix(tb.Name()), Addr: opt.Addr, URL: url, Kind: kind, RoundTrips: &RoundTrips{}}
	c.AddHook(r.RoundTrips)
	tb.Cleanup(func() {
		// A benchmark may leave hundreds of thousands of keys: give the
		// deletion time, and fail the test when keys are left in a server
		// that still answers (that would be someone else's Redis filling
		// up). The test may have stopped the server on purpose; then there
		// is nothing left to delete.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		err := DeletePrefix(ctx, c, r.Prefix)
		// A test that stopped and restarted the server may leave the client's
		// pool repeating its last dial error for a second more (go-redis waits
		// for a background dial to succeed): while the server accepts
		// connections, retry for up to 3 s.
		for i := 0; err != nil && i < 30 && accepts(r.Addr); i++ {
			time.Sleep(100 * time.Millisecond)
			err = DeletePrefix(ctx, c, r.Prefix)
		}
		if err != nil {
			if c.Ping(ctx).Err() == nil {
				tb.Errorf("redistest: cleanup of %s*: %v", r.Prefix, err)
			} else {
				tb.Logf("redistest: cleanup of %s* skipped, server down: %v", r.Prefix, err)
			}
		}
		c.Close()
	})
	return r
}

// newPrefix builds a key prefix unique to this test and run. Only
// [A-Za-z0-9_:-] survive from the test name, so the prefix is never a SCAN
// glob pattern by accident.
func newPrefix(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	return "t:" + b.String() + ":" + hex.EncodeToString(rnd[:]) + ":"
}

// DeletePrefix deletes every key starting with prefix, using SCAN so a large
// shared database is not blocked. prefix must not contain glob characters.
func DeletePrefix(ctx context.Context, c redis.UniversalClient, prefix string) error {
	if prefix == "" || strings.ContainsAny(prefix, `*?[]\`) {
		return fmt.Errorf("refusing to delete by unsafe prefix %q", prefix)
	}
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := c.Del(ctx, batch...).Err()
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return fmt.Errorf("delete keys: %w", err)
			}
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scan keys: %w", err)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("delete keys: %w", err)
	}
	return nil
}

// accepts reports whether a TCP connection to addr opens (the server is up), asking no client pool.
func accepts(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// Main runs the tests and then stops the private server New may have
// started. Use it as:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Close()
	}
	os.Exit(code)
}

// StartServer starts a server owned by tb alone, for fault tests that stop
// and restart it: a redis-server when the binary is on PATH, else (outside
// CI) an embedded miniredis. It is closed at cleanup.
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	if !haveRedisServer() && InCI() {
		tb.Fatalf("redistest: CI=true but redis-server is not on PATH; StartServer needs it")
	}
	srv, err := startServer()
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(srv.Close)
	return srv
}

// startServer starts a redis-server if there is one, else miniredis.
func startServer() (*Server, error) {
	if haveRedisServer() {
		return startRedisServer()
	}
	m, err := miniredis.Run()
	if err != nil {
		return nil, fmt.Errorf("start miniredis: %w", err)
	}
	return &Server{Addr: m.Addr(), Kind: KindEmbedded, mini: m}, nil
}
