package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
)

// blippingInbox is the real inbox whose first UpdateDone fails, as during a Redis failover or a
// dropped connection right after the handler replied.
type blippingInbox struct {
	ganwei.Inbox
	failed atomic.Bool
}

func (b *blippingInbox) UpdateDone(ctx context.Context, refs ...string) error {
	if b.failed.CompareAndSwap(false, true) {
		return fmt.Errorf("mark inbox entries done: %w", errors.New("read tcp: connection reset by peer"))
	}
	return b.Inbox.UpdateDone(ctx, refs...)
}

// TestRedisBlipAfterTheReplyDoesNotAnswerTwice: the README bounds duplicate answers to a
// process dying between its reply and marking the update done. A Redis error on that one
// command, with the process alive, must not make the update look abandoned: it was answered, and
// after the claim timeout another worker answered it a second time.
func TestRedisBlipAfterTheReplyDoesNotAnswerTwice(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	cfg := with(unpaced, func(c *bot.Config) { c.ClaimIdle = 100 * time.Millisecond })
	cfg.Token, cfg.APIURL, cfg.PollTimeout = h.tg.Token(), h.tg.URL(), 2*time.Second
	inbox := &blippingInbox{Inbox: h.store}
	b, err := bot.New(context.Background(), cfg, inbox, bot.NewMetrics(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	b.SetHandler(answering(b, nil, nil))
	run(t, b)
	if err := b.ProcessUpdate(ctx, ptr(userUpdate(1))); err != nil {
		t.Fatal(err)
	}
	h.checkAnsweredOnce(t, ctx, ids(1, 1))
	if !inbox.failed.Load() {
		t.Fatal("the blip was never injected")
	}
}
