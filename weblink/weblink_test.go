package weblink_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/weblink"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// TestLinkRequestsAreRateLimited: five links per person per ten minutes, then a polite refusal
// until the window has passed; another person is not affected.
func TestLinkRequestsAreRateLimited(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	s := &weblink.Service{Users: store, Store: store, PublicURL: "http://x"}
	hr := ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: testkit.HRID})
	for i := range weblink.MaxLinkRequests {
		if _, err := s.Issue(hr); err != nil {
			t.Fatalf("link %d: %v", i+1, err)
		}
	}
	_, err := s.Issue(hr)
	if ganwei.ErrorCode(err) != ganwei.EFORBIDDEN || ganwei.ErrorMessage(err) != weblink.MsgTooManyLinks {
		t.Errorf("sixth link: %v, want %q", err, weblink.MsgTooManyLinks)
	}
	if _, err := s.IssueFor(ctx, testkit.AdminID); err != nil {
		t.Errorf("another person's link: %v", err)
	}
}

// TestStoredTokensAreHashed: neither the link token nor the session id appears in Redis.
func TestStoredTokensAreHashed(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	s := &weblink.Service{Users: store, Store: store, PublicURL: "http://x"}
	link, err := s.IssueFor(ctx, testkit.HRID)
	if err != nil {
		t.Fatal(err)
	}
	token := link[len("http://x"+weblink.SignInPath):]
	keys, _ := r.Client.Keys(ctx, r.Prefix+"*").Result()
	ws, err := s.SignIn(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	keys2, _ := r.Client.Keys(ctx, r.Prefix+"*").Result()
	for _, k := range append(keys, keys2...) {
		v, _ := r.Client.Get(ctx, k).Result()
		for _, secret := range []string{token, ws.ID} {
			if contains(k, secret) || contains(v, secret) {
				t.Errorf("key %s holds a secret in clear", k)
			}
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
