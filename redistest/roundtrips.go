package redistest

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

// RoundTrips is a go-redis hook counting commands and network round trips: a
// single command is one round trip, a pipeline or MULTI/EXEC transaction of
// n commands is one round trip and n commands. The commands go-redis sends
// to set up a new connection (HELLO, AUTH, SELECT, CLIENT SETINFO) also pass
// through hooks; they are not counted, being the cost of a dial rather than
// of an operation. It is safe for concurrent use.
type RoundTrips struct {
	trips, cmds atomic.Int64
}

var _ redis.Hook = (*RoundTrips)(nil)

// CountRoundTrips adds a new RoundTrips hook to c and returns it.
func CountRoundTrips(c redis.UniversalClient) *RoundTrips {
	rt := &RoundTrips{}
	c.AddHook(rt)
	return rt
}

// Trips returns the round trips counted since the last Reset.
func (rt *RoundTrips) Trips() int64 { return rt.trips.Load() }

// Commands returns the commands counted since the last Reset.
func (rt *RoundTrips) Commands() int64 { return rt.cmds.Load() }

// Reset sets both counts to zero, e.g. after a benchmark's setup.
func (rt *RoundTrips) Reset() {
	rt.trips.Store(0)
	rt.cmds.Store(0)
}

// Report adds "redis-trips/op" and "redis-cmds/op" to b's results. Call it
// after the timed loop, having called Reset before it.
func (rt *RoundTrips) Report(b *testing.B) {
	if b.N == 0 {
		return
	}
	b.ReportMetric(float64(rt.Trips())/float64(b.N), "redis-trips/op")
	b.ReportMetric(float64(rt.Commands())/float64(b.N), "redis-cmds/op")
}

// DialHook implements redis.Hook; dials are not round trips of a command.
func (rt *RoundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (rt *RoundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "hello" {
			return next(ctx, cmd)
		}
		rt.trips.Add(1)
		rt.cmds.Add(1)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (rt *RoundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if isConnSetup(cmds) {
			return next(ctx, cmds)
		}
		rt.trips.Add(1)
		rt.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// isConnSetup reports whether cmds is the pipeline go-redis runs on a new
// connection.
func isConnSetup(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		switch c.Name() {
		case "hello", "auth", "select":
		case "client":
			if len(c.Args()) < 2 {
				return false
			}
			sub, _ := c.Args()[1].(string)
			switch strings.ToLower(sub) {
			case "setinfo", "setname", "maint_notifications":
			default:
				return false
			}
		default:
			return false
		}
	}
	return len(cmds) > 0
}
