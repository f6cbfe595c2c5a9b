package bot_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/ganwei-bot/ganwei/bot"
)

// TestSameUpdateToTwoReplicasAtOnceIsAnsweredOnce: Telegram's resend of an update can land on
// another replica while the first delivery is still being stored; both get 200 and the update is
// answered once.
func TestSameUpdateToTwoReplicasAtOnceIsAnsweredOnce(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	hook := with(unpaced, func(c *bot.Config) { c.WebhookURL, c.WebhookSecret = "https://bot.example.test/hook", hookSecret })
	var urls []string
	for range 2 {
		b := h.replica(t, hook, nil)
		b.SetHandler(answering(b, nil, nil))
		srv := httptest.NewServer(b.HTTPHandler(nil))
		t.Cleanup(srv.Close)
		run(t, b)
		if err := b.WaitStarted(ctx); err != nil {
			t.Fatal(err)
		}
		urls = append(urls, srv.URL+"/hook")
	}
	all := ids(1, 30)
	var wg sync.WaitGroup
	for _, id := range all {
		for _, url := range urls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, err := h.tg.DeliverWebhook(ctx, url, hookSecret, userUpdate(id))
				if err != nil || code != http.StatusOK {
					t.Errorf("delivery of %d to %s = %d, %v; want 200", id, url, code, err)
				}
			}()
		}
	}
	wg.Wait()
	h.checkAnsweredOnce(t, ctx, all)
}
