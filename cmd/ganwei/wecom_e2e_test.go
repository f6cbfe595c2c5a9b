package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/wecomtest"
)

// wecomHarness is `serve` with the 企业微信 channel (and Telegram when asked) against the
// stand-ins and a real Redis, on the end-to-end clock (Friday 2026-11-20 16:30, check-in prompts
// due at start).
type wecomHarness struct {
	t     *testing.T
	wc    *wecomtest.Server
	tg    *telegramtest.Server // nil without Telegram
	store *redisstore.Store
	clock *testkit.Clock
	app   *app
	ctx   context.Context

	mu     sync.Mutex
	sleeps []time.Duration // the client's waits (rate-limit retries), recorded instead of slept
}

// The 企业微信 people: a cadre, a new leader and HR, each first met on 企业微信.
var (
	wzhang = wecomPerson{"zhangwei", ganwei.User{Name: "张伟", Unit: "发改委", Role: ganwei.RoleCadre}}
	wzhao  = wecomPerson{"zhaomin", ganwei.User{Name: "赵敏", Unit: "七都镇", Role: ganwei.RoleCadre}}
	whr    = wecomPerson{"lijuan", ganwei.User{Name: "李娟", Unit: "区委组织部", Role: ganwei.RoleHR}}
)

type wecomPerson struct {
	userID string
	user   ganwei.User
}

// Setup functions run before the app starts and return the 企业微信 cadres that will not get the
// check-in prompt (made unreachable); newWeComHarness waits for the others' prompts.
func newWeComHarness(t *testing.T, withTelegram bool, answerer *knowledge.Answerer, setup ...func(*wecomHarness) []string) *wecomHarness {
	t.Helper()
	rd := redistest.New(t)
	clock := testkit.NewClock(time.Date(2026, 11, 20, 16, 30, 0, 0, shanghai))
	store := redisstore.New(rd.Client, rd.Prefix)
	store.Now = clock.Now
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	t.Cleanup(cancel)
	h := &wecomHarness{t: t, wc: wecomtest.New(t), store: store, clock: clock, ctx: ctx}
	for _, p := range []wecomPerson{wzhang, wzhao, whr} {
		h.seed(p)
	}
	vars := map[string]string{
		"GANWEI_WECOM_CORP_ID": wecomtest.CorpID, "GANWEI_WECOM_AGENT_ID": "1000002",
		"GANWEI_WECOM_SECRET": wecomtest.Secret, "GANWEI_WECOM_TOKEN": wecomtest.Token,
		"GANWEI_WECOM_AES_KEY": wecomtest.AESKey, "GANWEI_WECOM_API_URL": h.wc.URL,
	}
	cfg, err := loadConfig(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	botCfg := bot.Config{GlobalRate: -1, PerChatRate: -1, UserRate: 100, UserBurst: 100, PollTimeout: time.Second}
	if withTelegram {
		h.tg = telegramtest.New(telegramtest.WithClock(clock.Now))
		t.Cleanup(h.tg.Close)
		botCfg.Token, botCfg.APIURL = h.tg.Token(), h.tg.URL()
	}
	skip := map[string]bool{}
	for _, f := range setup {
		for _, u := range f(h) {
			skip[u] = true
		}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("GANWEI_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	a, err := newApp(ctx, cfg, store, botCfg, answerer, logger)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	a.wecom.Front.Client.Sleep = func(_ context.Context, d time.Duration) error {
		h.mu.Lock()
		h.sleeps = append(h.sleeps, d)
		h.mu.Unlock()
		return nil
	}
	h.app = a
	runCtx, stop := context.WithCancel(ctx)
	ready, done := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(done)
		if err := a.run(runCtx, "127.0.0.1:0", ready); err != nil {
			t.Errorf("app.run: %v", err)
		}
	}()
	t.Cleanup(func() { stop(); <-done })
	select {
	case addr := <-ready:
		h.wc.SetCallback("http://" + addr + "/wecom/callback")
	case <-ctx.Done():
		t.Fatal("app did not start listening")
	}
	for _, p := range []wecomPerson{wzhang, wzhao} {
		if !skip[p.userID] {
			h.wc.Wait(t, p.userID, 0, wecomtest.Contains("本期关爱问卷"))
		}
	}
	return h
}

// seed saves a person first met on 企业微信 (person id = their chat id).
func (h *wecomHarness) seed(p wecomPerson) int64 {
	h.t.Helper()
	chat := h.chat(p.userID)
	u := p.user
	u.ID, u.Accounts = chat, []ganwei.Account{ganwei.Account("wecom:" + p.userID)}
	if err := h.store.SaveUser(h.ctx, &u); err != nil {
		h.t.Fatalf("seed %s: %v", u.Name, err)
	}
	return chat
}

func (h *wecomHarness) chat(userID string) int64 {
	h.t.Helper()
	chat, _, err := h.store.WeComChat(h.ctx, userID)
	if err != nil {
		h.t.Fatalf("chat of %s: %v", userID, err)
	}
	return chat
}

// say posts a text as userID, waits until it is handled and returns the newest message to them.
func (h *wecomHarness) say(userID, text string) wecomtest.Message {
	h.t.Helper()
	before := h.wc.Last()
	h.wc.Say(h.t, userID, text)
	h.app.wecom.Wait()
	return h.wc.Wait(h.t, userID, before, func(wecomtest.Message) bool { return true })
}

// press presses a card's button, waits until handled and returns the card as it is now.
func (h *wecomHarness) press(userID string, m wecomtest.Message, label string) wecomtest.Message {
	h.t.Helper()
	h.wc.Press(h.t, userID, m, label)
	h.app.wecom.Wait()
	for _, cur := range h.wc.Messages(userID) {
		if cur.TaskID == m.TaskID {
			return cur
		}
	}
	h.t.Fatalf("card %s gone", m.TaskID)
	return wecomtest.Message{}
}

// newest is the latest message to userID after position after.
func (h *wecomHarness) newest(userID string, after int) wecomtest.Message {
	h.t.Helper()
	var last wecomtest.Message
	for _, m := range h.wc.Messages(userID) {
		if m.Seq > after {
			last = m
		}
	}
	if last.Seq == 0 {
		h.t.Fatalf("nothing new to %s after #%d", userID, after)
	}
	return last
}

func (h *wecomHarness) slept() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.sleeps...)
}

// The callback takes only what 企业微信 signed: the URL verification decrypts echostr, a bad
// signature is refused with 401, a stale timestamp and a replayed callback are dropped.
func TestWeComCallbackChecksSignatureTimestampAndReplays(t *testing.T) {
	h := newWeComHarness(t, false, nil)
	if code, body := h.wc.Verify(t, "echo-1234", false); code != http.StatusOK || body != "echo-1234" {
		t.Errorf("URL verification = %d %q, want 200 with the decrypted echostr", code, body)
	}
	if code, _ := h.wc.Verify(t, "echo-1234", true); code != http.StatusUnauthorized {
		t.Errorf("URL verification with a wrong signature = %d, want 401", code)
	}

	req := h.wc.SayRequest(t, wzhang.userID, "/whoami")
	forged := req
	forged.Query = url.Values(cloneQuery(req.Query))
	forged.Query.Set("msg_signature", strings.Repeat("a", 40))
	if code := h.wc.Post(t, forged); code != http.StatusUnauthorized {
		t.Errorf("forged callback = %d, want 401", code)
	}
	before := h.wc.Last()
	if code := h.wc.Post(t, req); code != http.StatusOK {
		t.Fatalf("callback = %d", code)
	}
	if code := h.wc.Post(t, req); code != http.StatusOK { // 企业微信 retries after 5 s of silence
		t.Fatalf("replayed callback = %d, want 200 (dropped quietly)", code)
	}
	h.app.wecom.Wait()
	h.wc.Wait(t, wzhang.userID, before, wecomtest.Contains("身份："))
	var replies int
	for _, m := range h.wc.Messages(wzhang.userID) {
		if m.Seq > before && strings.Contains(m.Text, "身份：") {
			replies++
		}
	}
	if replies != 1 {
		t.Errorf("a callback posted twice got %d replies, want 1: %+v", replies, h.wc.Messages(wzhang.userID))
	}

	h.wc.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) }
	before = h.wc.Last()
	h.wc.Say(t, wzhang.userID, "/whoami")
	h.app.wecom.Wait()
	h.wc.Now = nil
	if got := h.wc.Messages(wzhang.userID); got[len(got)-1].Seq > before {
		t.Errorf("a callback signed ten minutes ago was answered: %+v", got[len(got)-1])
	}
}

func cloneQuery(q map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
