package weblink_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/weblink"
)

// TestAttackLinkSpamFromManyReplicasAtOnce: /web sent thirty times at once, handled by three
// replicas, yields at most MaxLinkRequests links; a cadre's spam touches no counter and gets none.
func TestAttackLinkSpamFromManyReplicasAtOnce(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	seed := redisstore.New(r.Client, r.Prefix+"ganwei")
	if err := testkit.Seed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	var issued, refused atomic.Int32
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			store := redisstore.New(r.Client, r.Prefix+"ganwei") // replica i%3's own service
			s := &weblink.Service{Users: store, Store: store, PublicURL: "http://replica" + string(rune('a'+i%3))}
			_, err := s.Issue(ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: testkit.HRID}))
			switch {
			case err == nil:
				issued.Add(1)
			case ganwei.ErrorMessage(err) == weblink.MsgTooManyLinks:
				refused.Add(1)
			default:
				t.Errorf("issue: %v", err)
			}
		}()
	}
	wg.Wait()
	if issued.Load() != weblink.MaxLinkRequests || refused.Load() != 30-weblink.MaxLinkRequests {
		t.Errorf("30 requests at once: %d links, %d refusals; want %d links", issued.Load(), refused.Load(), weblink.MaxLinkRequests)
	}
	s := &weblink.Service{Users: seed, Store: seed, PublicURL: "http://x"}
	for range 20 {
		if _, err := s.Issue(ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: testkit.CadreID})); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN || ganwei.ErrorMessage(err) == weblink.MsgTooManyLinks {
			t.Fatalf("a cadre's /web: %v, want the staff-only refusal", err)
		}
	}
	if keys, _ := r.Client.Keys(ctx, r.Prefix+"ganwei:weblinkrate:*").Result(); len(keys) != 1 {
		t.Errorf("rate counters %v, want only the officer's", keys)
	}
}
