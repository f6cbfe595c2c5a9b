package redisstore

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClientOptions bound how long one Redis command may take. With Redis unreachable or hung, an
// update must not wait on several long timeouts in a row: policy answers do not need Redis at
// all, and anything that must write should say so at once.
type ClientOptions struct {
	// DialTimeout bounds opening a connection (GANWEI_REDIS_DIAL_TIMEOUT, default 1s).
	DialTimeout time.Duration
	// Timeout bounds reading a reply and writing a command (GANWEI_REDIS_TIMEOUT, default
	// 500ms). Blocking commands (XREADGROUP BLOCK) get their block time on top, as go-redis does.
	Timeout time.Duration
	// Cooldown is how long, after a command failed for want of Redis, further commands fail at
	// once without trying (default 1s). Ping always tries, so /readyz tells the truth and a
	// Redis that came back is used again as soon as anyone pings it.
	Cooldown time.Duration
}

// Defaults for ClientOptions left zero.
const (
	DefaultDialTimeout = time.Second
	DefaultTimeout     = 500 * time.Millisecond
	DefaultCooldown    = time.Second
)

func (o ClientOptions) withDefaults() ClientOptions {
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Cooldown <= 0 {
		o.Cooldown = DefaultCooldown
	}
	return o
}

// errRedisDown is what commands get while the breaker is open: Redis failed moments ago.
var errRedisDown = errors.New("redis unreachable moments ago; not trying again yet")

// breaker fails commands fast for Cooldown after one failed for want of Redis, so that an update
// pays for one timeout, not one per command. It is a go-redis hook on the client.
type breaker struct {
	cooldown time.Duration
	now      func() time.Time

	mu        sync.Mutex
	openUntil time.Time
}

type probeKey struct{}

// probing marks a context whose commands always try (readiness pings).
func probing(ctx context.Context) context.Context { return context.WithValue(ctx, probeKey{}, true) }

func (b *breaker) open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now().Before(b.openUntil)
}

// record opens the breaker after a failure that says Redis is unreachable, and closes it after a
// success. A caller's own deadline or cancellation says nothing about Redis.
func (b *breaker) record(ctx context.Context, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err == nil || errors.Is(err, redis.Nil):
		b.openUntil = time.Time{}
	case ctx.Err() != nil:
	case unreachable(err):
		b.openUntil = b.now().Add(b.cooldown)
	default:
		b.openUntil = time.Time{} // Redis answered, even if with an error
	}
}

// unreachable reports whether err means Redis did not answer (as opposed to answering with an
// error).
func unreachable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, errRedisDown)
}

func (b *breaker) DialHook(next redis.DialHook) redis.DialHook { return next }

func (b *breaker) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if ctx.Value(probeKey{}) == nil && b.open() {
			cmd.SetErr(errRedisDown)
			return errRedisDown
		}
		err := next(ctx, cmd)
		b.record(ctx, err)
		return err
	}
}

func (b *breaker) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if ctx.Value(probeKey{}) == nil && b.open() {
			for _, c := range cmds {
				c.SetErr(errRedisDown)
			}
			return errRedisDown
		}
		err := next(ctx, cmds)
		b.record(ctx, err)
		return err
	}
}
