package wecom_test

// Attacks on the 企业微信 callback from outside: what someone who can reach the URL, or who
// captured a callback on the way, would post. Each test passes only while the promise of issue 13
// ("signature and timestamp checked, replays dropped, a bad signature gets 401 and is logged
// without the body") holds.

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/inbox"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/wecom"
	"github.com/ganwei-bot/ganwei/wecomtest"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// callbackRig is the callback alone on a real Redis and its own inbox pool, whose handler only
// counts what reaches it: what it counts is what the bot would have answered.
type callbackRig struct {
	t       *testing.T
	url     string
	logs    *syncBuffer
	store   *redisstore.Store
	now     time.Time
	cb      *wecom.Callback
	handled atomic.Int64
}

func newCallbackRig(t *testing.T, adjust ...func(*wecom.Callback)) *callbackRig {
	rd := redistest.New(t)
	store := redisstore.New(rd.Client, rd.Prefix+"ganwei")
	r := &callbackRig{t: t, logs: &syncBuffer{}, store: store, now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.NewTextHandler(r.logs, nil))
	pool := inbox.New(store, inbox.Config{Workers: 2}, inbox.NewMetrics(prometheus.NewRegistry()), logger)
	pool.Handle(ganwei.SourceWeCom, func(context.Context, ganwei.InboxUpdate) { r.handled.Add(1) })
	pool.Start()
	t.Cleanup(func() { pool.Stop(time.Second) })
	cb := &wecom.Callback{Crypto: crypto, AgentID: strconv.FormatInt(wecomtest.AgentID, 10),
		Front:  &wecom.Front{Store: store},
		Pool:   pool,
		Store:  store,
		Logger: logger,
		Now:    func() time.Time { return r.now }}
	r.cb = cb
	for _, f := range adjust {
		f(cb)
	}
	srv := httptest.NewServer(cb)
	t.Cleanup(srv.Close)
	r.url = srv.URL + wecom.CallbackPath
	return r
}

// queued is how many callbacks were taken into the inbox and handed to the handler, once the
// inbox is empty.
func (r *callbackRig) queued() int64 {
	r.t.Helper()
	r.cb.Wait()
	return r.handled.Load()
}

type sealOpts struct {
	crypto    wecom.Crypto
	at        time.Time // the query timestamp
	nonce     string
	badSig    bool
	agentID   string
	rawInside []byte // the decrypted XML as is, instead of a text message
}

// seal makes a signed, encrypted text callback from userID (MsgId id) as 企业微信 would.
func (r *callbackRig) seal(userID string, id int64, text string, o sealOpts) (url.Values, []byte) {
	r.t.Helper()
	if o.crypto == (wecom.Crypto{}) {
		o.crypto = crypto
	}
	if o.at.IsZero() {
		o.at = r.now
	}
	if o.nonce == "" {
		o.nonce = "n" + strconv.FormatInt(id, 10)
	}
	if o.agentID == "" {
		o.agentID = strconv.FormatInt(wecomtest.AgentID, 10)
	}
	plain := o.rawInside
	if plain == nil {
		var err error
		plain, err = xml.Marshal(wecom.Message{ToUserName: wecomtest.CorpID, FromUserName: userID, CreateTime: o.at.Unix(),
			MsgType: "text", Content: text, MsgID: id, AgentID: o.agentID})
		if err != nil {
			r.t.Fatal(err)
		}
	}
	enc, err := o.crypto.Encrypt(plain)
	if err != nil {
		r.t.Fatal(err)
	}
	ts := strconv.FormatInt(o.at.Unix(), 10)
	sig := o.crypto.Signature(ts, o.nonce, enc)
	if o.badSig {
		sig = crypto.Signature(ts, o.nonce, enc+"x")
	}
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><AgentID><![CDATA[%s]]></AgentID><Encrypt><![CDATA[%s]]></Encrypt></xml>",
		wecomtest.CorpID, o.agentID, enc)
	return url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {o.nonce}}, []byte(body)
}

func (r *callbackRig) post(q url.Values, body []byte) int {
	r.t.Helper()
	resp, err := http.Post(r.url+"?"+q.Encode(), "text/xml", bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestCallbackAttackBadSignatureIs401AndTheBodyIsNotLogged: a forged or tampered callback is
// refused with 401 and nothing of its body (or the message inside) reaches the log or the queue.
func TestCallbackAttackBadSignatureIs401AndTheBodyIsNotLogged(t *testing.T) {
	r := newCallbackRig(t)
	const secret = "SECRET-身份证号-320584199001011234"
	q, body := r.seal("zhangsan", 1, secret, sealOpts{badSig: true})
	if code := r.post(q, body); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d, want 401", code)
	}
	noSig := url.Values{"timestamp": q["timestamp"], "nonce": q["nonce"]}
	if code := r.post(noSig, body); code != http.StatusUnauthorized {
		t.Errorf("no signature: %d, want 401", code)
	}
	// A body made up in clear (no encryption at all) with the secret in it.
	clear := []byte("<xml><Encrypt><![CDATA[" + secret + "]]></Encrypt><Content>" + secret + "</Content></xml>")
	if code := r.post(q, clear); code != http.StatusUnauthorized {
		t.Errorf("clear body with a made-up signature: %d, want 401", code)
	}
	// URL verification with a wrong signature.
	enc, _ := crypto.Encrypt([]byte(secret))
	v := url.Values{"msg_signature": {strings.Repeat("0", 40)}, "timestamp": q["timestamp"], "nonce": q["nonce"], "echostr": {enc}}
	resp, err := http.Get(r.url + "?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var echoed bytes.Buffer
	_, _ = echoed.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || strings.Contains(echoed.String(), secret) {
		t.Errorf("verification with a bad signature: %d %q, want 401 without the plain text", resp.StatusCode, echoed.String())
	}
	logs := r.logs.String()
	if !strings.Contains(logs, "bad signature") {
		t.Errorf("the refusal was not logged: %q", logs)
	}
	for _, leak := range []string{secret, string(body[:60]), enc[:20]} {
		if strings.Contains(logs, leak) {
			t.Errorf("the log holds the body: %q", logs)
		}
	}
	if n := r.queued(); n != 0 {
		t.Errorf("%d refused callbacks were queued", n)
	}
}

// TestCallbackAttackReplays: a captured callback posted again (at once, or re-signed later by a
// retry with the same MsgId) is handled once; one signed more than five minutes before or after
// now is dropped.
func TestCallbackAttackReplays(t *testing.T) {
	r := newCallbackRig(t)
	q, body := r.seal("zhangsan", 10, "你好", sealOpts{})
	for range 3 {
		if code := r.post(q, body); code != http.StatusOK {
			t.Fatalf("callback: %d", code)
		}
	}
	r.now = r.now.Add(4 * time.Minute) // still within the clock skew: the signature is fresh enough
	if code := r.post(q, body); code != http.StatusOK {
		t.Fatalf("replay after 4 minutes: %d", code)
	}
	q2, body2 := r.seal("zhangsan", 10, "你好", sealOpts{nonce: "other"}) // the same message, re-sent
	if code := r.post(q2, body2); code != http.StatusOK {
		t.Fatalf("re-sent message: %d", code)
	}
	if n := r.queued(); n != 1 {
		t.Errorf("one message posted five times was queued %d times, want 1", n)
	}
	r.now = r.now.Add(3 * time.Minute) // 7 minutes after it was signed
	q3, body3 := r.seal("zhangsan", 11, "旧消息", sealOpts{at: r.now.Add(-wecom.MaxClockSkew - time.Second)})
	r.post(q3, body3)
	q4, body4 := r.seal("zhangsan", 12, "未来消息", sealOpts{at: r.now.Add(wecom.MaxClockSkew + time.Second)})
	r.post(q4, body4)
	if code := r.post(q, body); code != http.StatusOK && code != http.StatusUnauthorized {
		t.Errorf("replay after 7 minutes: %d", code)
	}
	if n := r.queued(); n != 1 {
		t.Errorf("stale, future or late-replayed callbacks were queued: %d in the queue, want 1", n)
	}
}

// TestCallbackAttackAnotherCorpOrApp: a message sealed for another corp (even with the same Token
// and key, as a copied configuration would have) or addressed to another app of the corp is
// refused and not queued.
func TestCallbackAttackAnotherCorpOrApp(t *testing.T) {
	r := newCallbackRig(t)
	other := crypto
	other.CorpID = "wwotherCorp000000"
	q, body := r.seal("zhangsan", 20, "你好", sealOpts{crypto: other})
	if code := r.post(q, body); code != http.StatusBadRequest && code != http.StatusForbidden && code != http.StatusUnauthorized {
		t.Errorf("another corp's message: %d, want refused", code)
	}
	q, body = r.seal("zhangsan", 21, "你好", sealOpts{agentID: "1000099"})
	if code := r.post(q, body); code != http.StatusForbidden {
		t.Errorf("another app's message: %d, want 403", code)
	}
	wrongKey := crypto
	wrongKey.AESKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
	q, body = r.seal("zhangsan", 22, "你好", sealOpts{crypto: wrongKey})
	if code := r.post(q, body); code == http.StatusOK {
		t.Errorf("a message sealed with another key: %d, want refused", code)
	}
	if n := r.queued(); n != 0 {
		t.Errorf("%d foreign callbacks were queued", n)
	}
}

// TestCallbackAttackMalformedAndOversized: garbage, XML tricks, a message without a sender and a
// body far beyond any real callback get a 4xx, never a 5xx or a queued event.
func TestCallbackAttackMalformedAndOversized(t *testing.T) {
	r := newCallbackRig(t)
	q, _ := r.seal("zhangsan", 30, "x", sealOpts{})
	bodies := map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("\x00\xff not xml"),
		"json":      []byte(`{"Encrypt":"abc"}`),
		"entities":  []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>`),
		"deep":      []byte(strings.Repeat("<a>", 100000) + strings.Repeat("</a>", 100000)),
		"oversized": []byte("<xml><Encrypt><![CDATA[" + strings.Repeat("A", 3<<20) + "]]></Encrypt></xml>"),
	}
	for name, b := range bodies {
		if code := r.post(q, b); code < 400 || code >= 500 {
			t.Errorf("%s body: %d, want 4xx", name, code)
		}
	}
	for name, inside := range map[string][]byte{
		"no sender":     []byte(`<xml><ToUserName>` + wecomtest.CorpID + `</ToUserName><MsgType>text</MsgType><Content>x</Content><MsgId>31</MsgId></xml>`),
		"not xml":       []byte("plain words"),
		"empty":         []byte(""),
		"wrong message": []byte(`<other><FromUserName>zhangsan</FromUserName></other>`),
	} {
		q, body := r.seal("", 0, "", sealOpts{rawInside: inside, nonce: name})
		if code := r.post(q, body); code < 400 || code >= 500 {
			t.Errorf("decrypted %s: %d, want 4xx", name, code)
		}
	}
	if n := r.queued(); n != 0 {
		t.Errorf("%d malformed callbacks were queued", n)
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		req, _ := http.NewRequest(m, r.url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d, want 405", m, resp.StatusCode)
		}
	}
}

// TestCallbackAttackSlowBody: a sender that announces a body and trickles it (slowloris) is cut
// off once the read timeout has passed instead of holding the connection for ever.
func TestCallbackAttackSlowBody(t *testing.T) {
	r := newCallbackRig(t, func(c *wecom.Callback) { c.ReadTimeout = 200 * time.Millisecond })
	u, err := url.Parse(r.url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	q, _ := r.seal("zhangsan", 40, "x", sealOpts{})
	head := "POST " + u.Path + "?" + q.Encode() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n<xml><Encrypt>"
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	// The rest never comes. The server must answer or hang up well before this guard.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	_, err = conn.Read(buf)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server still waits for the trickled body after 5 s")
	}
	if n := r.queued(); n != 0 {
		t.Errorf("%d callbacks queued from a body that never arrived", n)
	}
}
