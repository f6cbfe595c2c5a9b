package inbox

import (
	"context"
	"sync"
)

// maxBatch bounds one group commit (Telegram's getUpdates hands over at most 100 too).
const maxBatch = 100

// committer runs one Redis call for the items that concurrent callers submit: while a batch is
// with Redis, the next one collects. Under load this turns a round trip per update into a
// round trip per batch (accepting updates, marking them done); alone, an item goes at once.
type committer[T any] struct {
	reqs chan commitReq[T]
	op   func(ctx context.Context, batch []T) (ok int, err error)
	wg   sync.WaitGroup
}

type commitReq[T any] struct {
	item T
	done chan error
}

// startCommitter runs op in n goroutines until ctx ends. op reports that the first ok items of
// a batch succeeded and the rest failed with err.
func startCommitter[T any](ctx context.Context, n int, op func(ctx context.Context, batch []T) (ok int, err error)) *committer[T] {
	c := &committer[T]{reqs: make(chan commitReq[T]), op: op}
	for range n {
		c.wg.Add(1)
		go c.loop(ctx)
	}
	return c
}

// do submits item and waits for its batch's result, or for ctx. An item whose wait ctx ended
// may still be committed.
func (c *committer[T]) do(ctx context.Context, item T) error {
	req := commitReq[T]{item: item, done: make(chan error, 1)}
	select {
	case c.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *committer[T]) loop(ctx context.Context) {
	defer c.wg.Done()
	batch := make([]commitReq[T], 0, maxBatch)
	items := make([]T, 0, maxBatch)
	for {
		batch, items = batch[:0], items[:0]
		select {
		case r := <-c.reqs:
			batch = append(batch, r)
		case <-ctx.Done():
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		for _, r := range batch {
			items = append(items, r.item)
		}
		ok, err := c.op(context.WithoutCancel(ctx), items)
		for i, r := range batch {
			if i < ok {
				r.done <- nil
			} else {
				r.done <- err
			}
		}
	}
}

// wait waits for the loops to end after ctx ended.
func (c *committer[T]) wait() { c.wg.Wait() }
