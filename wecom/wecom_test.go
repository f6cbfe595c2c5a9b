package wecom_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/wecom"
	"github.com/ganwei-bot/ganwei/wecomtest"
)

var crypto = wecom.Crypto{Token: wecomtest.Token, AESKey: wecomtest.AESKey, CorpID: wecomtest.CorpID}

// A callback sealed the way 企业微信 does opens again, and is refused for another corp or a
// wrong signature.
func TestCryptoRoundTripAndCorpCheck(t *testing.T) {
	enc, err := crypto.Encrypt([]byte("<xml><Content>你好</Content></xml>"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := crypto.Decrypt(enc)
	if err != nil || string(plain) != "<xml><Content>你好</Content></xml>" {
		t.Fatalf("decrypt = %q, %v", plain, err)
	}
	other := crypto
	other.CorpID = "wwother"
	if _, err := other.Decrypt(enc); err == nil {
		t.Error("a message for another corp was opened")
	}
	sig := crypto.Signature("1700000000", "n", enc)
	if !crypto.Verify(sig, "1700000000", "n", enc) || crypto.Verify(sig, "1700000001", "n", enc) {
		t.Error("signature check does not bind the timestamp")
	}
	if !wecom.ValidAESKey(wecomtest.AESKey) || wecom.ValidAESKey("short") {
		t.Error("ValidAESKey")
	}
}

func client(wc *wecomtest.Server, store *redisstore.Store) *wecom.Client {
	return &wecom.Client{BaseURL: wc.URL, CorpID: wecomtest.CorpID, Secret: wecomtest.Secret, AgentID: wecomtest.AgentID, Tokens: store}
}

// Replicas share one access token: eight replicas sending at once fetch it once; after it
// expires, one of them fetches a new one and the others use it.
func TestTokenFetchedOnceForAllReplicas(t *testing.T) {
	rd := redistest.New(t)
	wc := wecomtest.New(t)
	ctx := context.Background()
	send := func() {
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := client(wc, redisstore.New(rd.Client, rd.Prefix)) // a replica of its own
				if err := c.SendText(ctx, "zhangsan", "您好"); err != nil {
					t.Errorf("send: %v", err)
				}
			}()
		}
		wg.Wait()
	}
	send()
	if n := wc.TokenFetches(); n != 1 {
		t.Errorf("gettoken called %d times by eight replicas, want 1", n)
	}
	wc.ExpireToken()
	send()
	if n := wc.TokenFetches(); n != 2 {
		t.Errorf("gettoken called %d times after expiry, want 2", n)
	}
	if got := len(wc.Messages("zhangsan")); got != 16 {
		t.Errorf("%d messages delivered, want 16", got)
	}
}

// The platform's refusals come back with the neutral meaning the features act on.
func TestErrorCodesMapToNeutralOutcomes(t *testing.T) {
	rd := redistest.New(t)
	wc := wecomtest.New(t)
	ctx := context.Background()
	c := client(wc, redisstore.New(rd.Client, rd.Prefix))
	var slept int
	c.Sleep = func(context.Context, time.Duration) error { slept++; return nil }
	wc.NoPrivilege("hidden")
	wc.UnknownUser("gone")
	if err := c.SendText(ctx, "hidden", "x"); !errors.Is(err, ganwei.ErrRecipientBlocked) {
		t.Errorf("60011 → %v, want ErrRecipientBlocked", err)
	}
	if err := c.SendText(ctx, "gone", "x"); !errors.Is(err, ganwei.ErrRecipientUnknown) {
		t.Errorf("81013 → %v, want ErrRecipientUnknown", err)
	}
	wc.RateLimit(3)
	if err := c.SendText(ctx, "zhangsan", "x"); !errors.Is(err, wecom.ErrRateLimited) || slept != 2 {
		t.Errorf("45009 three times → %v after %d pauses, want ErrRateLimited after 2", err, slept)
	}
	if err := c.SendText(ctx, "zhangsan", "after"); err != nil || len(wc.Messages("zhangsan")) != 1 || !strings.Contains(wc.Messages("zhangsan")[0].Text, "after") {
		t.Errorf("after the limit: %v, %+v", err, wc.Messages("zhangsan"))
	}
}

// BenchmarkOpenCallback is the crypto cost of one incoming callback: signature and decryption.
func BenchmarkOpenCallback(b *testing.B) {
	enc, err := crypto.Encrypt([]byte("<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[容错纠错机制适用于哪些情形]]></Content><MsgId>1234567890</MsgId><AgentID>1000002</AgentID></xml>"))
	if err != nil {
		b.Fatal(err)
	}
	sig := crypto.Signature("1700000000", "nonce", enc)
	b.ReportAllocs()
	for b.Loop() {
		if !crypto.Verify(sig, "1700000000", "nonce", enc) {
			b.Fatal("verify")
		}
		if _, err := crypto.Decrypt(enc); err != nil {
			b.Fatal(err)
		}
	}
}
