package bot_test

import (
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
)

// TestStopStartsNothingMoreFromTheQueue: from the stop signal on, workers finish what they hold
// and start nothing more; what was read but not started goes back to the inbox (README,
// SIGTERM). Before, a worker that finished while the reader was still in its blocking read
// started the next queued update, which then ran into the drain bound.
func TestStopStartsNothingMoreFromTheQueue(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	b := h.replica(t, with(unpaced, func(c *bot.Config) { c.Workers, c.ShutdownTimeout = 2, 2*time.Second }), nil)
	gate, entered := make(chan struct{}), make(chan int64, 10)
	b.SetHandler(answering(b, gate, entered))
	stop := run(t, b)
	var batch []ganwei.InboxUpdate
	for _, id := range ids(1, 3) {
		batch = append(batch, ganwei.InboxUpdate{ID: id, Payload: mustJSON(t, userUpdate(id))})
	}
	if _, err := h.store.AcceptUpdates(ctx, batch, 0); err != nil {
		t.Fatal(err)
	}
	started := map[int64]bool{<-entered: true, <-entered: true} // both workers busy, one queued
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	<-b.IntakeClosed()
	gate <- struct{}{}
	gate <- struct{}{}
	if err := <-stopped; err != nil {
		t.Fatalf("Run = %v", err)
	}
	select {
	case id := <-entered:
		t.Fatalf("update %d was started after the stop signal (already started: %v)", id, started)
	default:
	}
	if st, err := h.store.InboxStats(ctx); err != nil || st.Depth != 1 {
		t.Fatalf("inbox holds %d (%v) after the stop, want the 1 not started", st.Depth, err)
	}
}
