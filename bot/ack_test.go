package bot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// slowInbox is the real inbox whose first AcceptUpdates is carried out by Redis but whose answer
// comes too late: the client gives up (read timeout, counted as "Redis unavailable") after the
// script ran, as during a fork or fsync stall longer than GANWEI_REDIS_TIMEOUT.
type slowInbox struct {
	ganwei.Inbox
	late atomic.Bool
}

func (s *slowInbox) AcceptUpdates(ctx context.Context, updates []ganwei.InboxUpdate, limit int) (int, error) {
	n, err := s.Inbox.AcceptUpdates(ctx, updates, limit)
	if err == nil && s.late.CompareAndSwap(false, true) {
		return 0, fmt.Errorf("store updates in inbox: %w: %w",
			&ganwei.Error{Code: ganwei.EUNAVAILABLE, Message: "数据服务暂时不可用"}, errors.New("i/o timeout"))
	}
	return n, err
}

// TestSlowRedisAtIntakeDoesNotAnswerTwice: the webhook handles an update in the process when
// Redis cannot store it (README: policy answers keep working while Redis is down). When Redis
// was only slow, the update was stored all the same, and the workers answer it a second time.
func TestSlowRedisAtIntakeDoesNotAnswerTwice(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	cfg := with(unpaced, func(c *bot.Config) { c.WebhookURL, c.WebhookSecret = "https://bot.example.test/hook", hookSecret })
	cfg.Token, cfg.APIURL, cfg.PollTimeout = h.tg.Token(), h.tg.URL(), 2*time.Second
	inbox := &slowInbox{Inbox: h.store}
	b, err := bot.New(context.Background(), cfg, inbox, bot.NewMetrics(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	b.SetHandler(answering(b, nil, nil))
	srv := httptest.NewServer(b.HTTPHandler(nil))
	t.Cleanup(srv.Close)
	run(t, b)
	if err := b.WaitStarted(ctx); err != nil {
		t.Fatal(err)
	}
	if code, err := h.tg.DeliverWebhook(ctx, srv.URL+"/hook", hookSecret, userUpdate(1)); err != nil || code != http.StatusOK {
		t.Fatalf("webhook = %d, %v; want 200", code, err)
	}
	h.checkAnsweredOnce(t, ctx, ids(1, 1))
}
