package wecom

import (
	"context"
	"slices"
	"testing"
	"time"
)

// scriptedPacer answers Reserve from a script and records the lane of each call.
type scriptedPacer struct {
	answers []struct {
		wait     time.Duration
		reserved bool
	}
	bulk []bool
}

func (p *scriptedPacer) Reserve(_ context.Context, _ int64, bulk bool) (time.Duration, bool, error) {
	p.bulk = append(p.bulk, bulk)
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a.wait, a.reserved, nil
}

type bulkKey struct{}

// TestPaceWaitsForItsBookedSlotInItsLane: a send asks again after a "not yet" answer and then
// waits for the slot it booked (the reserve-based pacer says how long), and a scheduler's send
// asks in the bulk lane, a reply in the reply lane.
func TestPaceWaitsForItsBookedSlotInItsLane(t *testing.T) {
	for _, bulk := range []bool{false, true} {
		var slept []time.Duration
		p := &scriptedPacer{answers: []struct {
			wait     time.Duration
			reserved bool
		}{{300 * time.Millisecond, false}, {200 * time.Millisecond, true}}}
		f := &Front{Pacer: p, IsBulk: func(ctx context.Context) bool { return ctx.Value(bulkKey{}) != nil },
			Client: &Client{Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}}
		ctx := context.Background()
		if bulk {
			ctx = context.WithValue(ctx, bulkKey{}, true)
		}
		if err := f.pace(ctx, 7); err != nil {
			t.Fatal(err)
		}
		if want := []time.Duration{300 * time.Millisecond, 200 * time.Millisecond}; !slices.Equal(slept, want) {
			t.Errorf("bulk=%v: slept %v, want %v (ask again, then wait for the booked slot)", bulk, slept, want)
		}
		if want := []bool{bulk, bulk}; !slices.Equal(p.bulk, want) {
			t.Errorf("bulk=%v: asked in lanes %v, want %v", bulk, p.bulk, want)
		}
	}
}
