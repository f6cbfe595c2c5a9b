package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/wecom"
	"github.com/ganwei-bot/ganwei/wecomtest"
)

// wecomHarness is `serve` with the 企业微信 channel (and Telegram when asked) against the
// stand-ins and a real Redis, on the end-to-end clock (Friday 2026-11-20 16:30, check-in prompts
// due at start).
type wecomHarness struct {
	t     *testing.T
	rd    *redistest.Redis
	wc    *wecomtest.Server
	tg    *telegramtest.Server // nil without Telegram
	store *redisstore.Store
	clock *testkit.Clock
	app   *app
	ctx   context.Context

	mu     sync.Mutex
	sleeps []time.Duration // the client's waits (rate-limit retries), recorded instead of slept

	addr      string        // the app's HTTP listener
	userBurst int           // events one person may send at once (setup may lower it; default 100)
	claimIdle time.Duration // the shared inbox's take-over time (setup may lower it)
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
	h := &wecomHarness{t: t, rd: rd, wc: wecomtest.New(t), store: store, clock: clock, ctx: ctx}
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
	botCfg.ClaimIdle = h.claimIdle
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("GANWEI_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	a, err := newApp(ctx, cfg, store, botCfg, answerer, logger)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	a.wecom.UserRate, a.wecom.UserBurst = 0.001, 100
	if h.userBurst > 0 {
		a.wecom.UserBurst = h.userBurst
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
		h.addr = addr
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

// seed saves a person first met on 企业微信 as the previous version stored them (person id =
// the chat number the 企业微信 front end keeps for their userid); such ids stay, as opaque ids.
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
// With a Telegram bot in the process or without one, the callback goes through the inbox (the
// same dedupe as Telegram's updates); the former 企业微信 queue is gone.
func TestWeComCallbackChecksSignatureTimestampAndReplays(t *testing.T) {
	for _, withTelegram := range []bool{false, true} {
		t.Run(fmt.Sprintf("telegram=%v", withTelegram), func(t *testing.T) { testWeComCallback(t, withTelegram) })
	}
}

func testWeComCallback(t *testing.T, withTelegram bool) {
	h := newWeComHarness(t, withTelegram, nil)
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
	rdb, prefix := h.store.Client(), h.store.Prefix()
	shared, _ := rdb.Keys(h.ctx, prefix+"*update:wecom:*").Result()
	own, _ := rdb.Keys(h.ctx, prefix+"*wecom:event:*").Result()
	if len(shared) == 0 || len(own) != 0 {
		t.Errorf("%d inbox marks, %d former 企业微信-queue marks; want the inbox only", len(shared), len(own))
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

// A stranger on 企业微信 binds with 「绑定 邀请码」, is known by their 企业微信 account from then
// on, gets a policy answer with its source and rates it on the card, and answers the check-in on
// cards that are updated in place.
func TestWeComBindAnswerAndCheckIn(t *testing.T) {
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	answerer, err := newAnswerer(cfg, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	h := newWeComHarness(t, false, answerer)
	code, err := h.store.CreateInvite(h.ctx, &ganwei.Invite{Name: "周敏", Unit: "发改委", Position: "副主任", Role: ganwei.RoleCadre})
	if err != nil {
		t.Fatal(err)
	}
	welcome := h.say("zhoumin", "绑定 "+code)
	if !strings.Contains(welcome.Text+welcome.Title+welcome.Body, "周敏") {
		t.Fatalf("binding answered %+v, want a welcome naming 周敏", welcome)
	}
	id, err := h.store.PersonByAccount(h.ctx, "wecom:zhoumin")
	if err != nil || id <= ganwei.PersonIDBase || id == h.chat("zhoumin") {
		t.Fatalf("wecom:zhoumin bound to %d (%v), want a person id of their own (not the chat number %d)", id, err, h.chat("zhoumin"))
	}
	u, err := h.store.User(h.ctx, id)
	if err != nil || len(u.Accounts) != 1 || u.Accounts[0] != "wecom:zhoumin" {
		t.Fatalf("person %+v (%v), want the one account wecom:zhoumin", u, err)
	}

	before := h.wc.Last()
	h.wc.Say(t, "zhoumin", "容错纠错机制适用于哪些情形")
	h.app.wecom.Wait()
	ans := h.wc.Wait(t, "zhoumin", before, wecomtest.HasButton("👎 没帮助"))
	all := ""
	for _, m := range h.wc.Messages("zhoumin") {
		if m.Seq > before {
			all += m.Text + m.Title + m.Body
		}
	}
	if !strings.Contains(all, "来源：") {
		t.Fatalf("answer %q lacks its source", all)
	}
	rated := h.press("zhoumin", ans, "👍 有帮助")
	if rated.Updates != 1 || rated.ButtonKey("📖 查看原文") == "" || rated.ButtonKey("✅ 有帮助") == "" || len(rated.Buttons) != 3 {
		t.Errorf("rated card = %+v, want it updated once to 原文, ✅ 有帮助 and 👎", rated)
	}

	// The check-in prompt went out at start; the cadre answers it on the card.
	prompt := h.wc.Wait(t, wzhang.userID, 0, wecomtest.Contains("本期关爱问卷"))
	card := h.press(wzhang.userID, prompt, "开始填写")
	for step := 0; step < 8 && !strings.Contains(card.Title+card.Body, "5/5"); step++ {
		card = h.press(wzhang.userID, h.newestCard(wzhang.userID), firstAnswer(h.newestCard(wzhang.userID)))
	}
	card = h.press(wzhang.userID, card, "暂时不用")
	if !strings.Contains(card.Body, "五个问题都已保存") {
		t.Fatalf("after the fifth answer the card is %+v, want the answers saved and the optional line asked", card)
	}
	before = h.wc.Last()
	card = h.press(wzhang.userID, card, "跳过")
	thanks := h.newest(wzhang.userID, before)
	if card.Replaced != "已处理" || len(card.Buttons) != 0 || !strings.Contains(thanks.Text, "/checkin") {
		t.Errorf("after 跳过 the card is %+v and the newest message %+v; want the card closed and the thank-you sent", card, thanks)
	}
}

// firstAnswer is the label of a question card's first answer button.
func firstAnswer(m wecomtest.Message) string {
	for _, b := range m.Buttons {
		if !strings.Contains(b.Text, "上一步") && b.Text != "取消" {
			return b.Text
		}
	}
	return ""
}

// newestCard is the latest card with answer buttons sent to userID.
func (h *wecomHarness) newestCard(userID string) wecomtest.Message {
	h.t.Helper()
	var last wecomtest.Message
	for _, m := range h.wc.Messages(userID) {
		if firstAnswer(m) != "" {
			last = m
		}
	}
	return last
}

// A new leader on 企业微信 gets the 四项清单 step as text with a 已阅知 card; pressing it turns
// the button into "✅ 已阅知 time", even when the access token expired in between (refreshed
// once, the call retried). A frequency limit is waited out and the message still arrives.
func TestWeComAcknowledgeCardTokenExpiryAndRateLimit(t *testing.T) {
	h := newWeComHarness(t, false, nil)
	leader := h.chat(wzhao.userID)
	before := h.wc.Last()
	appt, _, err := h.app.reminders.Appoint(h.ctx, &ganwei.Appointment{PersonID: leader, Name: wzhao.user.Name,
		Position: "党委书记", Unit: "七都镇", Date: "2026-11-20"})
	if err != nil {
		t.Fatalf("appoint: %v", err)
	}
	h.wc.Wait(t, wzhao.userID, before, wecomtest.Contains("任职提醒告知"))
	card := h.wc.Wait(t, wzhao.userID, before, wecomtest.HasButton("已阅知"))
	// Pressed at once: the scheduler may not have recorded the step as sent yet; a press on a
	// step being sent counts all the same.
	if fetches := h.wc.TokenFetches(); fetches != 1 {
		t.Errorf("token fetched %d times before it expired, want once for every send", fetches)
	}

	h.wc.ExpireToken()
	acked := h.press(wzhao.userID, card, "已阅知")
	if want := "✅ 已阅知 11月20日 16:30"; acked.Replaced != want || len(acked.Buttons) != 0 || acked.Updates != 1 {
		t.Errorf("after 已阅知 the card is %+v, want the button renamed %q", acked, want)
	}
	if a, err := h.store.Appointment(h.ctx, appt.ID); err != nil || a.Steps[0].Status != ganwei.StepAcknowledged {
		t.Errorf("step after the press: %+v, %v; want acknowledged", a, err)
	}
	if fetches := h.wc.TokenFetches(); fetches != 2 {
		t.Errorf("token fetched %d times, want 2 (once more after it expired)", fetches)
	}

	h.wc.RateLimit(1)
	if got := h.say(wzhang.userID, "/whoami"); !strings.Contains(got.Text, "身份：") {
		t.Errorf("/whoami under a rate limit answered %+v", got)
	}
	if s := h.slept(); len(s) != 1 || s[0] != 2*time.Second {
		t.Errorf("waits %v, want one 2s pause after 45009", s)
	}
}

// A person the app cannot reach (outside its visibility, 60011) is undeliverable: the reminder
// is not retried and HR hears about it, on 企业微信.
func TestWeComUndeliverableLeaderIsReportedToHR(t *testing.T) {
	nopriv := wecomPerson{"wangfang", ganwei.User{Name: "王芳", Unit: "七都镇", Role: ganwei.RoleGuest}}
	var leader int64
	h := newWeComHarness(t, false, nil, func(h *wecomHarness) []string {
		leader = h.seed(nopriv)
		h.wc.NoPrivilege(nopriv.userID)
		return nil
	})
	before := h.wc.Last()
	if _, _, err := h.app.reminders.Appoint(h.ctx, &ganwei.Appointment{PersonID: leader, Name: nopriv.user.Name,
		Position: "镇长", Unit: "七都镇", Date: "2026-11-20"}); err != nil {
		t.Fatalf("appoint: %v", err)
	}
	alert := h.wc.Wait(t, whr.userID, before, wecomtest.Contains("无法送达"))
	if !strings.Contains(alert.Text, "王芳") {
		t.Errorf("HR alert %q does not name the leader", alert.Text)
	}
	if got := h.wc.Messages(nopriv.userID); len(got) != 0 {
		t.Errorf("the unreachable leader got %+v", got)
	}
}

// One process runs both channels: a Telegram-only cadre is prompted on Telegram; a cadre with
// both accounts who prefers 企业微信 is prompted there and only there, yet a command typed on
// Telegram is answered on Telegram.
func TestBothChannelsInOneProcess(t *testing.T) {
	dual := ganwei.User{ID: 7000000001, Name: "陈静", Unit: "发改委", Role: ganwei.RoleCadre}
	tgOnly := ganwei.User{ID: 7000000002, Name: "李强", Unit: "发改委", Role: ganwei.RoleCadre}
	h := newWeComHarness(t, true, nil, func(h *wecomHarness) []string {
		for _, u := range []ganwei.User{dual, tgOnly} {
			h.tg.SetUser(models.User{ID: u.ID, FirstName: u.Name})
			if err := h.store.SaveUser(h.ctx, &u); err != nil {
				t.Fatal(err)
			}
		}
		if err := h.store.LinkWeComAccount(h.ctx, dual.ID, "chenjing"); err != nil {
			t.Fatal(err)
		}
		if err := h.store.SetPreferredChannel(h.ctx, dual.ID, "wecom"); err != nil {
			t.Fatal(err)
		}
		return nil
	})
	h.wc.Wait(t, "chenjing", 0, wecomtest.Contains("陈静同志，您好"))
	if err := h.tg.WaitUntil(h.ctx, func() bool {
		for _, m := range h.tg.MessagesTo(tgOnly.ID) {
			if strings.Contains(m.Text, "本期关爱问卷") {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("the Telegram-only cadre got no prompt on Telegram: %v", err)
	}
	if got := h.tg.MessagesTo(dual.ID); len(got) != 0 {
		t.Errorf("the cadre who prefers 企业微信 also got %d Telegram messages: %q", len(got), got[0].Text)
	}
	if got := h.wc.Messages(wzhang.userID); len(got) == 0 {
		t.Errorf("the 企业微信 cadre got no prompt")
	}

	id := h.tg.SendText(dual.ID, "/whoami")
	if err := h.app.bot.WaitHandled(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	if m, ok := h.tg.LastMessageTo(dual.ID); !ok || !strings.Contains(m.Text, "陈静") {
		t.Errorf("/whoami on Telegram answered %+v on Telegram, want the profile there", m)
	}
	// On 企业微信 the same person is recognised by the linked account.
	if got := h.say("chenjing", "/whoami"); !strings.Contains(got.Text, "陈静") {
		t.Errorf("/whoami on 企业微信 = %+v, want the linked person", got)
	}

	// The person chooses the channel themselves; someone without the account cannot.
	if got := h.say("chenjing", "/channel telegram"); !strings.Contains(got.Text, "只发到Telegram") {
		t.Errorf("/channel telegram = %q", got.Text)
	}
	if c, _ := h.store.PreferredChannel(h.ctx, dual.ID); c != "telegram" {
		t.Errorf("preferred channel after /channel telegram = %q", c)
	}
	if got := h.say(wzhang.userID, "/channel telegram"); !strings.Contains(got.Text, "还没有绑定Telegram") {
		t.Errorf("/channel telegram without a Telegram account = %q", got.Text)
	}
}

// A person who floods the callback is slowed down like on Telegram: events past the burst are
// dropped and the first dropped one gets a notice.
func TestWeComFloodIsLimitedPerPerson(t *testing.T) {
	h := newWeComHarness(t, false, nil, func(h *wecomHarness) []string { h.userBurst = 2; return nil })
	before := h.wc.Last()
	for i := 0; i < 4; i++ {
		h.wc.Say(t, whr.userID, "/whoami")
	}
	h.app.wecom.Wait()
	var profiles, notices int
	for _, m := range h.wc.Messages(whr.userID) {
		switch {
		case m.Seq <= before:
		case strings.Contains(m.Text, "身份："):
			profiles++
		case strings.Contains(m.Text, "操作有点频繁"):
			notices++
		}
	}
	if profiles != 2 || notices != 1 {
		t.Errorf("four quick messages got %d answers and %d notices, want 2 and 1", profiles, notices)
	}
}

// An upgrade loses nothing a 企业微信-only process accepted: versions before the shared inbox
// queued callbacks in a list of their own (one a replica had taken when it stopped, in its busy
// list; one still queued). The new version moves both into the inbox at start and answers each
// once; the old dedupe marks come along, so a retry 企业微信 sends across the upgrade is not
// answered again.
func TestWeComCallbacksOfTheFormerQueueSurviveTheUpgrade(t *testing.T) {
	h := newWeComHarness(t, false, nil, func(h *wecomHarness) []string {
		c, p := h.rd.Client, h.rd.Prefix
		for i, text := range []string{"/whoami", "/help"} {
			raw, _ := json.Marshal(wecom.Message{FromUserName: wzhang.userID, MsgType: "text", Content: text, MsgID: int64(900 + i), CreateTime: time.Now().Unix()})
			list := p + ":wecom:inbox"
			if i == 0 {
				list = p + ":wecom:inbox:busy:old-host"
			}
			// The layout of the former queue, as QueueWeComEvent and TakeWeComEvent wrote it.
			if err := c.Set(h.ctx, p+":wecom:event:m:"+strconv.Itoa(900+i), "1", time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			if err := c.LPush(h.ctx, list, string(raw)).Err(); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	profile := h.wc.Wait(t, wzhang.userID, 0, wecomtest.Contains("身份："))
	help := h.wc.Wait(t, wzhang.userID, 0, wecomtest.Contains("/checkin"))
	if profile.Seq == 0 || help.Seq == 0 {
		t.Fatal("callbacks of the former queue not handled")
	}
	for _, k := range []string{":wecom:inbox", ":wecom:inbox:busy:old-host"} {
		if n, err := h.rd.Client.Exists(h.ctx, h.rd.Prefix+k).Result(); n != 0 || err != nil {
			t.Errorf("%s still exists (%d, %v)", k, n, err)
		}
	}
	// 企业微信 retries the first one: taken without storing it again.
	raw, _ := json.Marshal(wecom.Message{FromUserName: wzhang.userID, MsgType: "text", Content: "/whoami", MsgID: 900, CreateTime: time.Now().Unix()})
	if n, err := h.store.AcceptUpdates(h.ctx, []ganwei.InboxUpdate{{Source: ganwei.SourceWeCom, Key: "m:900", Payload: raw}}, 0); n != 1 || err != nil {
		t.Fatalf("accept the retry: %d, %v", n, err)
	}
	h.app.wecom.Wait()
	var profiles int
	for _, m := range h.wc.Messages(wzhang.userID) {
		if strings.Contains(m.Text, "身份：") {
			profiles++
		}
	}
	if profiles != 1 {
		t.Errorf("the callback was answered %d times across the upgrade, want 1", profiles)
	}
}

// Callbacks share Telegram's inbox, whether or not Telegram runs in the process: what a replica
// that died held is taken over by a live one after the claim timeout, and the rest is handled
// once.
func TestWeComEventsInTheSharedInboxSurviveACrash(t *testing.T) {
	for _, withTelegram := range []bool{false, true} {
		t.Run(fmt.Sprintf("telegram=%v", withTelegram), func(t *testing.T) { testWeComCrash(t, withTelegram) })
	}
}

func testWeComCrash(t *testing.T, withTelegram bool) {
	h := newWeComHarness(t, withTelegram, nil, func(h *wecomHarness) []string {
		h.claimIdle = 300 * time.Millisecond
		var batch []ganwei.InboxUpdate
		for i, text := range []string{"/whoami", "/help"} {
			raw, _ := json.Marshal(wecom.Message{FromUserName: wzhang.userID, MsgType: "text", Content: text, MsgID: int64(900 + i), CreateTime: time.Now().Unix()})
			batch = append(batch, ganwei.InboxUpdate{Source: ganwei.SourceWeCom, Key: "m:" + strconv.Itoa(900+i), Payload: raw})
		}
		if n, err := h.store.AcceptUpdates(h.ctx, batch, 0); n != 2 || err != nil {
			t.Fatalf("accept: %d %v", n, err)
		}
		// Another replica took the first and died handling it.
		if got, err := h.store.TakeUpdates(h.ctx, "dead-replica", 1, time.Second); len(got) != 1 || err != nil {
			t.Fatalf("take: %v %v", got, err)
		}
		return nil
	})
	profile := h.wc.Wait(t, wzhang.userID, 0, wecomtest.Contains("身份："))
	help := h.wc.Wait(t, wzhang.userID, 0, wecomtest.Contains("/checkin"))
	if profile.Seq == 0 || help.Seq == 0 {
		t.Fatal("events in the shared inbox not handled")
	}
	h.app.wecom.Wait()
	var profiles int
	for _, m := range h.wc.Messages(wzhang.userID) {
		if strings.Contains(m.Text, "身份：") {
			profiles++
		}
	}
	if profiles != 1 {
		t.Errorf("the taken-over event was answered %d times, want 1", profiles)
	}
}

// HR's Excel export arrives on 企业微信 as an uploaded file.
func TestWeComHRExportArrivesAsAFile(t *testing.T) {
	h := newWeComHarness(t, false, nil)
	before := h.wc.Last()
	h.wc.Say(t, whr.userID, "/export")
	h.app.wecom.Wait()
	file := h.wc.Wait(t, whr.userID, before, func(m wecomtest.Message) bool { return m.Type == "file" })
	if !strings.HasSuffix(file.Filename, ".xlsx") {
		t.Errorf("export arrived as %+v, want an .xlsx file", file)
	}
}

// A 企业微信-only process exports the inbox metrics an operator acts on: the backlog and the
// entries its workers finished, by source.
func TestWeComOnlyProcessExportsInboxMetrics(t *testing.T) {
	h := newWeComHarness(t, false, nil)
	h.say(wzhang.userID, "/whoami")
	h.app.wecom.Wait()
	resp, err := http.Get("http://" + h.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"ganwei_inbox_depth 0", "ganwei_inbox_oldest_age_seconds 0",
		`ganwei_inbox_entries_total{result="done",source="wecom"}`, `ganwei_inbox_handle_seconds_count{source="wecom"}`,
		"ganwei_inbox_handlers_abandoned 0"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
