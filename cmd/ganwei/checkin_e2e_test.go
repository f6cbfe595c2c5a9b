package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
	"github.com/ganwei-bot/ganwei/testkit"
)

const e2eTimeout = 20 * time.Second

var shanghai = testkit.Shanghai

// The people of the end-to-end tests: five cadres in two units, HR and an admin.
var (
	cadreA = ganwei.User{ID: 7000000001, Name: "张伟", Unit: "发改委", Role: ganwei.RoleCadre}
	cadreB = ganwei.User{ID: 7000000002, Name: "李强", Unit: "发改委", Role: ganwei.RoleCadre}
	cadreC = ganwei.User{ID: 7000000003, Name: "王芳", Unit: "发改委", Role: ganwei.RoleCadre}
	cadreD = ganwei.User{ID: 7000000004, Name: "赵敏", Unit: "七都镇", Role: ganwei.RoleCadre}
	cadreE = ganwei.User{ID: 7000000005, Name: "孙磊", Unit: "七都镇", Role: ganwei.RoleCadre}
	hrUser = ganwei.User{ID: 7000000010, Name: "李娟", Unit: "区委组织部", Role: ganwei.RoleHR}
	admin  = ganwei.User{ID: 7000000011, Name: "王敏", Unit: "区委组织部", Role: ganwei.RoleAdmin}
)

// harness is a running bot against the stand-in and a real Redis.
type harness struct {
	t     *testing.T
	tg    *telegramtest.Server
	store *redisstore.Store
	clock *testkit.Clock
	app   *app
	stop  func()
	ctx   context.Context

	answerer *knowledge.Answerer
}

// newHarness seeds the people and starts the app; the clock stands on Friday 2026-11-20 16:30 in
// Shanghai, just after the default prompt time, so the prompt loop prompts every cadre at start
// (period 2026-W47); newHarness waits until it has.
// Setup functions run on the stand-in before the app starts (to make a chat fail, say); cadres
// whose chat fails are not waited for.
func newHarness(t *testing.T, client redis.UniversalClient, prefix string, setup ...func(*telegramtest.Server) []int64) *harness {
	t.Helper()
	return newHarnessAnswering(t, client, prefix, nil, setup...)
}

// newHarnessAnswering is newHarness with a knowledge base (nil: none, as the tests that do not
// ask policy questions run).
func newHarnessAnswering(t *testing.T, client redis.UniversalClient, prefix string, answerer *knowledge.Answerer, setup ...func(*telegramtest.Server) []int64) *harness {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 11, 20, 16, 30, 0, 0, shanghai))
	tg := telegramtest.New(telegramtest.WithClock(clock.Now))
	t.Cleanup(tg.Close)
	store := redisstore.New(client, prefix)
	store.Now = clock.Now
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	t.Cleanup(cancel)
	for _, u := range []ganwei.User{cadreA, cadreB, cadreC, cadreD, cadreE, hrUser, admin} {
		tg.SetUser(models.User{ID: u.ID, FirstName: u.Name})
		u := u
		if err := store.SaveUser(ctx, &u); err != nil {
			t.Fatalf("seed %s: %v", u.Name, err)
		}
	}
	skip := map[int64]bool{}
	for _, f := range setup {
		for _, id := range f(tg) {
			skip[id] = true
		}
	}
	h := &harness{t: t, tg: tg, store: store, clock: clock, ctx: ctx, answerer: answerer}
	h.start()
	for _, u := range []ganwei.User{cadreA, cadreB, cadreC, cadreD, cadreE} {
		if !skip[u.ID] {
			h.waitText(u.ID, "本期关爱问卷")
		}
	}
	return h
}

// start runs an app (again) on the same stand-in and store: a restart.
func (h *harness) start() {
	h.t.Helper()
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		h.t.Fatalf("config: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("GANWEI_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	a, err := newApp(h.ctx, cfg, h.store, bot.Config{
		Token: h.tg.Token(), APIURL: h.tg.URL(), PollTimeout: time.Second,
		GlobalRate: -1, PerChatRate: -1, UserRate: 100, UserBurst: 100,
	}, h.answerer, logger)
	if err != nil {
		h.t.Fatalf("newApp: %v", err)
	}
	runCtx, cancel := context.WithCancel(h.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.run(runCtx, "", nil); err != nil {
			h.t.Errorf("app.run: %v", err)
		}
	}()
	h.app = a
	h.stop = func() { cancel(); <-done }
	h.t.Cleanup(h.stop)
}

// settle waits until the bot has handled the update.
func (h *harness) settle(id int64) {
	h.t.Helper()
	if err := h.app.bot.WaitHandled(h.ctx, id); err != nil {
		h.t.Fatalf("update %d not handled: %v", id, err)
	}
}

func (h *harness) say(uid int64, text string) telegramtest.Message {
	h.t.Helper()
	h.settle(h.tg.SendText(uid, text))
	m, _ := h.tg.LastMessageTo(uid)
	return m
}

func (h *harness) press(uid int64, msgID int, data string) telegramtest.Message {
	h.t.Helper()
	h.settle(h.tg.PressButton(uid, msgID, data))
	m, _ := h.tg.LastMessageTo(uid)
	return m
}

// summary sends a /summary command and returns the summary's text (the trend chart follows it
// as a photo).
func (h *harness) summary(uid int64, cmd string) string {
	h.t.Helper()
	before := len(h.tg.MessagesTo(uid))
	h.say(uid, cmd)
	for _, m := range h.tg.MessagesTo(uid)[before:] {
		if strings.Contains(m.Text, "关爱问卷汇总") || strings.Contains(m.Text, "没有找到单位") {
			return m.Text
		}
	}
	h.t.Fatalf("%s sent no summary", cmd)
	return ""
}

// waitText waits for a message to uid containing want and returns it.
func (h *harness) waitText(uid int64, want string) telegramtest.Message {
	h.t.Helper()
	var found telegramtest.Message
	err := h.tg.WaitUntil(h.ctx, func() bool {
		for _, m := range h.tg.MessagesTo(uid) {
			if strings.Contains(m.Text, want) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		var texts []string
		for _, m := range h.tg.MessagesTo(uid) {
			texts = append(texts, m.Text)
		}
		h.t.Fatalf("no message to %d containing %q; got %q", uid, want, texts)
	}
	return found
}

func hasButton(m telegramtest.Message, data string) bool {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.CallbackData == data {
				return true
			}
		}
	}
	return false
}

// answer runs the whole dialog on message msgID with the given button values; note "" skips.
func (h *harness) answer(uid int64, msgID int, w, s int, sup, ben string, talk bool, note string) telegramtest.Message {
	h.t.Helper()
	t := "0"
	if talk {
		t = "1"
	}
	for _, data := range []string{"ci:a:w:" + strconv.Itoa(w), "ci:a:s:" + strconv.Itoa(s), "ci:a:sup:" + sup, "ci:a:ben:" + ben, "ci:a:talk:" + t} {
		m := h.press(uid, msgID, data)
		if m.ID != msgID {
			h.t.Fatalf("after %s the last message is %q, want the dialog message edited", data, m.Text)
		}
	}
	if note == "" {
		return h.press(uid, msgID, "ci:skip")
	}
	return h.say(uid, note)
}

// startDialog sends /checkin and returns the dialog message.
func (h *harness) startDialog(uid int64) telegramtest.Message {
	h.t.Helper()
	m := h.say(uid, "/checkin")
	if !strings.Contains(m.Text, "1/5") {
		h.t.Fatalf("/checkin answered %q, want the first question", m.Text)
	}
	return m
}

func TestCheckInEndToEnd(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)

	// Friday after 16:00: the prompt went out to every cadre (newHarness waited), not to HR.
	prompt := h.waitText(cadreA.ID, "本期关爱问卷")
	if !hasButton(prompt, "ci:go") {
		t.Fatalf("prompt %q has no start button", prompt.Text)
	}
	if n := len(h.tg.MessagesTo(hrUser.ID)); n != 0 {
		t.Errorf("HR got %d messages from the prompt round, want none", n)
	}

	// The prompt's button starts the dialog in place; a skipped free text ends it.
	q := h.press(cadreA.ID, prompt.ID, "ci:go")
	if q.ID != prompt.ID || !strings.Contains(q.Text, "1/5") || !hasButton(q, "ci:cancel") {
		t.Fatalf("after 开始填写: %q, want the first question in the same message", q.Text)
	}
	// Back works: answer, go back, answer again.
	h.press(cadreA.ID, q.ID, "ci:a:w:2")
	back := h.press(cadreA.ID, q.ID, "ci:back")
	if !strings.Contains(back.Text, "1/5") {
		t.Fatalf("after back: %q, want the first question again", back.Text)
	}
	done := h.answer(cadreA.ID, q.ID, 4, 3, "enough", "ok", false, "")
	if !strings.Contains(done.Text, "已记录") || !strings.Contains(done.Text, "接下来") {
		t.Fatalf("final message %q, want 已记录 and what happens next", done.Text)
	}
	got, err := h.store.CheckIn(h.ctx, cadreA.ID, "2026-W47")
	if err != nil || got.Wellbeing != 4 || got.Stress != 3 || got.Note != "" {
		t.Fatalf("stored answer = %+v, %v; want wellbeing 4, stress 3, no note", got, err)
	}

	// HR's summary counts it; the period is running, so no figures are shown yet.
	if sum := h.summary(hrUser.ID, "/summary"); !strings.Contains(sum, "本期参与：1 / 5 人") || !strings.Contains(sum, "本期结束后显示") {
		t.Fatalf("summary after one answer:\n%s", sum)
	}

	// Two more in 发改委 (one asks for a talk, with a free-text line) and two in 七都镇.
	m := h.startDialog(cadreB.ID)
	talk := h.answer(cadreB.ID, m.ID, 2, 5, "lacking", "pending", true, "最近家里老人住院，想请组织帮忙协调")
	if !strings.Contains(talk.Text, "已记录") || !strings.Contains(talk.Text, "联系") {
		t.Fatalf("talk request answer: %q, want 已记录 and that someone will be in touch", talk.Text)
	}
	m = h.startDialog(cadreC.ID)
	h.answer(cadreC.ID, m.ID, 5, 2, "partly", "ok", false, "")
	m = h.startDialog(cadreD.ID)
	h.answer(cadreD.ID, m.ID, 3, 3, "enough", "ok", false, "")
	m = h.startDialog(cadreE.ID)
	h.answer(cadreE.ID, m.ID, 4, 4, "enough", "ok", false, "")

	// While the week runs its figures stay hidden: read before and after one answer, they would
	// give that answer away.
	if text := h.summary(hrUser.ID, "/summary"); !strings.Contains(text, "本期参与：5 / 5 人（100%）") || strings.Contains(text, "平均") {
		t.Errorf("summary of the running week:\n%s", text)
	}
	// The next Friday's prompt closes the week; its figures appear.
	h.clock.Set(time.Date(2026, 11, 27, 16, 30, 0, 0, shanghai))
	photos := len(h.tg.Calls("sendPhoto"))
	text := h.summary(hrUser.ID, "/summary")
	// 七都镇 has two answers; showing 发改委's three would give them away (everyone minus 发改委),
	// so 发改委 is hidden too.
	for _, want := range []string{"上期（2026年第47周）参与：5 / 5 人（100%）", "身心状态：平均 3.6", "• 发改委：为防推算其他单位，不显示", "• 七都镇：作答不足 3 人，不显示", "待跟进事项：1 件"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "七都镇：2") {
		t.Errorf("summary shows figures of a unit with 2 answers:\n%s", text)
	}
	if err := h.tg.WaitUntil(h.ctx, func() bool { return len(h.tg.Calls("sendPhoto")) > photos }); err != nil {
		t.Fatalf("no trend chart sent with the summary")
	}
	for _, m := range h.tg.MessagesTo(hrUser.ID) {
		if m.File != nil && m.Method == "sendPhoto" {
			if !bytes.HasPrefix(m.File.Data, []byte("\x89PNG")) {
				t.Errorf("trend chart is not a PNG")
			}
			if out := os.Getenv("GANWEI_CHART_OUT"); out != "" {
				_ = os.WriteFile(out, m.File.Data, 0o644)
			}
		}
	}
	if unit := h.summary(hrUser.ID, "/summary 七都镇"); !strings.Contains(unit, "不显示统计数据") || strings.Contains(unit, "平均") {
		t.Errorf("unit summary with 2 answers shows figures:\n%s", unit)
	}

	// The talk request opened a case; HR opens it, which is audited, and moves it on.
	cases := h.say(hrUser.ID, "/cases")
	if !strings.Contains(cases.Text, "李强") || len(cases.Buttons) != 1 {
		t.Fatalf("/cases: %q with %d buttons, want 李强's case", cases.Text, len(cases.Buttons))
	}
	view := h.press(hrUser.ID, cases.ID, cases.Buttons[0][0].CallbackData)
	for _, want := range []string{"希望谈心谈话", "身心状态较差", "待遇未落实", "老人住院", "审计日志"} {
		if !strings.Contains(view.Text, want) {
			t.Errorf("case view lacks %q:\n%s", want, view.Text)
		}
	}
	log, err := h.store.AuditLog(h.ctx, 10)
	if err != nil || len(log) < 2 || log[0].Action != ganwei.AuditViewCase || log[0].Subject != cadreB.ID || log[0].Actor != hrUser.ID || log[1].Action != ganwei.AuditListCases {
		t.Fatalf("audit log = %+v, %v; want HR's view of 李强's case after the list", log, err)
	}
	if r := h.say(admin.ID, "/audit"); !strings.Contains(r.Text, "李娟 查看了 李强 的2026年第47周回答") {
		t.Errorf("/audit for the admin: %q", r.Text)
	}
	assigned := h.press(hrUser.ID, view.ID, view.Buttons[0][0].CallbackData)
	if !strings.Contains(assigned.Text, "已指派") || !hasButton(assigned, strings.Replace(view.Buttons[0][0].CallbackData, "cs:a:", "cs:c:", 1)) {
		t.Errorf("after 我来跟进: %q", assigned.Text)
	}

	// A cadre calling HR commands is refused.
	for _, cmd := range []string{"/summary", "/cases", "/export", "/audit"} {
		if r := h.say(cadreA.ID, cmd); !strings.Contains(r.Text, "仅对") {
			t.Errorf("cadre %s answered %q, want a refusal", cmd, r.Text)
		}
	}
	// The cadre sees their own history.
	if r := h.say(cadreB.ID, "/mycheckins"); !strings.Contains(r.Text, "2026年第47周") || !strings.Contains(r.Text, "老人住院") {
		t.Errorf("/mycheckins: %q", r.Text)
	}
	// HR's export is an xlsx without per-person rows.
	h.say(hrUser.ID, "/export")
	if err := h.tg.WaitUntil(h.ctx, func() bool { return len(h.tg.Calls("sendDocument")) > 0 }); err != nil {
		t.Fatalf("no export document")
	}
}

func TestCheckInResumesAfterRestart(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	q := h.startDialog(cadreA.ID)
	h.press(cadreA.ID, q.ID, "ci:a:w:5")
	// Text typed at a button step (this harness has no knowledge base) gets a reminder that the
	// check-in is open, which keeps waiting.
	before := len(h.tg.MessagesTo(cadreA.ID))
	h.say(cadreA.ID, "容错是什么")
	if got := h.tg.MessagesTo(cadreA.ID)[before:]; len(got) != 1 || !strings.Contains(got[0].Text, "问卷还没填完") {
		t.Fatalf("a question mid-check-in got %+v; want a reminder that the check-in is open", got)
	}
	h.press(cadreA.ID, q.ID, "ci:a:s:1")

	h.stop() // the process goes away mid-dialog
	h.start()

	// /checkin picks up where the person was.
	again := h.say(cadreA.ID, "/checkin")
	if !strings.Contains(again.Text, "接着上次的进度") || !strings.Contains(again.Text, "3/5") {
		t.Fatalf("after restart /checkin said %q, want to continue at question 3", again.Text)
	}
	h.press(cadreA.ID, again.ID, "ci:a:sup:partly")
	h.press(cadreA.ID, again.ID, "ci:a:ben:ok")
	h.press(cadreA.ID, again.ID, "ci:a:talk:0")
	done := h.press(cadreA.ID, again.ID, "ci:skip")
	if !strings.Contains(done.Text, "已记录") {
		t.Fatalf("final: %q", done.Text)
	}
	got, err := h.store.CheckIn(h.ctx, cadreA.ID, "2026-W47")
	if err != nil || got.Wellbeing != 5 || got.Stress != 1 || got.Support != ganwei.SupportPartly {
		t.Fatalf("stored = %+v, %v; want the answers from before and after the restart", got, err)
	}
	// A second check-in in the period replaces the first.
	q = h.startDialog(cadreA.ID)
	if !strings.Contains(q.Text, "替换") {
		t.Errorf("second /checkin does not say it replaces the first: %q", q.Text)
	}
	done = h.answer(cadreA.ID, q.ID, 3, 3, "enough", "ok", false, "")
	if !strings.Contains(done.Text, "已替换") {
		t.Errorf("final of the second answer: %q", done.Text)
	}
	aggs, err := h.store.Aggregates(h.ctx, []string{"2026-W47"}, "")
	if err != nil || aggs[0].Responses != 1 || aggs[0].WellbeingSum != 3 {
		t.Fatalf("aggregate after a second answer = %+v, %v; want 1 response, wellbeing sum 3", aggs[0], err)
	}
}

func TestForgetMeLeavesNoPersonalKey(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	q := h.startDialog(cadreB.ID)
	h.answer(cadreB.ID, q.ID, 1, 5, "lacking", "pending", true, "需要帮助")
	cases := h.say(hrUser.ID, "/cases")
	h.press(hrUser.ID, cases.ID, cases.Buttons[0][0].CallbackData) // an audited view
	// Leave a dialog open too, and a pause.
	h.say(hrUser.ID, "/pause "+strconv.FormatInt(cadreB.ID, 10))
	q = h.startDialog(cadreB.ID)
	h.press(cadreB.ID, q.ID, "ci:a:w:3")

	confirm := h.say(cadreB.ID, "/forgetme")
	if !hasButton(confirm, "fg:yes") {
		t.Fatalf("/forgetme: %q, want a confirmation button", confirm.Text)
	}
	done := h.press(cadreB.ID, confirm.ID, "fg:yes")
	if !strings.Contains(done.Text, "已删除") {
		t.Fatalf("after confirming: %q", done.Text)
	}

	uid := strconv.FormatInt(cadreB.ID, 10)
	keys, err := rd.Client.Keys(h.ctx, rd.Prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, uid) {
			t.Errorf("personal key left: %s", k)
		}
		if strings.HasSuffix(k, ":audit") {
			continue // the audit log keeps who viewed whose data: that is its purpose
		}
		for _, v := range dumpValues(t, h.ctx, rd.Client, k) {
			if strings.Contains(v, uid) || strings.Contains(v, cadreB.Name) || strings.Contains(v, "需要帮助") {
				t.Errorf("key %s still holds %q", k, v)
			}
		}
	}
	// The aggregates keep their count without identity, the case keeps its history.
	aggs, _ := h.store.Aggregates(h.ctx, []string{"2026-W47"}, "")
	if aggs[0].Responses != 1 {
		t.Errorf("aggregate responses after /forgetme = %d, want 1", aggs[0].Responses)
	}
	cs, _ := h.store.Cases(h.ctx, false)
	if len(cs) != 1 || cs[0].UserID != 0 {
		t.Errorf("cases after /forgetme = %+v, want one without identity", cs)
	}
	if r := h.say(cadreB.ID, "/whoami"); !strings.Contains(r.Text, "访客") {
		t.Errorf("after /forgetme /whoami = %q, want a guest", r.Text)
	}
}

// dumpValues returns every value stored in key, whatever its type.
func dumpValues(t *testing.T, ctx context.Context, c redis.UniversalClient, key string) []string {
	t.Helper()
	typ, err := c.Type(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	switch typ {
	case "string":
		return []string{c.Get(ctx, key).Val()}
	case "hash":
		var out []string
		for f, v := range c.HGetAll(ctx, key).Val() {
			out = append(out, f, v)
		}
		return out
	case "set":
		return c.SMembers(ctx, key).Val()
	case "zset":
		return c.ZRange(ctx, key, 0, -1).Val()
	case "list":
		return c.LRange(ctx, key, 0, -1).Val()
	}
	return nil
}

func TestCheckInRedisDownMidDialog(t *testing.T) {
	srv := redistest.StartServer(t)
	rd := redistest.NewOn(t, srv)
	h := newHarness(t, rd.Client, rd.Prefix)
	q := h.startDialog(cadreA.ID)
	for _, d := range []string{"ci:a:w:4", "ci:a:s:2", "ci:a:sup:enough", "ci:a:ben:ok", "ci:a:talk:0"} {
		h.press(cadreA.ID, q.ID, d)
	}
	before := len(h.tg.MessagesTo(cadreA.ID))
	if err := srv.Stop(); err != nil {
		t.Fatalf("stop redis: %v", err)
	}
	h.settle(h.tg.PressButton(cadreA.ID, q.ID, "ci:skip"))
	msgs := h.tg.MessagesTo(cadreA.ID)
	if len(msgs) <= before || !strings.Contains(msgs[len(msgs)-1].Text, "没有保存") {
		t.Fatalf("with Redis down the person was told %q, want a clear message that nothing was saved", msgs[len(msgs)-1].Text)
	}
	for _, m := range msgs {
		if strings.Contains(m.Text, "已记录") {
			t.Fatalf("told 已记录 although Redis was down")
		}
	}
	if err := srv.Restart(); err != nil {
		t.Fatalf("restart redis: %v", err)
	}
	if _, err := h.store.CheckIn(h.ctx, cadreA.ID, "2026-W47"); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("answer after the outage: err = %v, want none stored", err)
	}
	aggs, err := h.store.Aggregates(h.ctx, []string{"2026-W47"}, "")
	if err != nil || aggs[0].Responses != 0 {
		t.Errorf("aggregate after the outage = %+v, %v; want no half-written count", aggs, err)
	}
}

func TestCheckInReminderAndPause(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix)
	q := h.startDialog(cadreA.ID)
	h.answer(cadreA.ID, q.ID, 4, 2, "enough", "ok", false, "")
	if r := h.say(hrUser.ID, "/pause 七都镇"); !strings.Contains(r.Text, "已暂停") {
		t.Fatalf("/pause: %q", r.Text)
	}
	// A restart in between must not prompt anyone twice.
	h.stop()
	h.start()
	// Monday 10:05, the next working day: one gentle reminder to those who have not answered
	// and are not paused.
	h.clock.Set(time.Date(2026, 11, 23, 10, 5, 0, 0, shanghai))
	h.app.checkins.Kick()
	h.waitText(cadreB.ID, "提醒一下")
	h.waitText(cadreC.ID, "提醒一下")
	h.app.checkins.Kick() // a second look sends nothing more
	for _, u := range []ganwei.User{cadreA, cadreB, cadreC, cadreD, cadreE} {
		prompts, reminders := 0, 0
		for _, m := range h.tg.MessagesTo(u.ID) {
			if strings.Contains(m.Text, "本期关爱问卷（") && strings.Contains(m.Text, "请您填写") {
				prompts++
			}
			if strings.Contains(m.Text, "提醒一下") {
				reminders++
			}
		}
		wantReminders := 0
		if u.ID == cadreB.ID || u.ID == cadreC.ID {
			wantReminders = 1
		}
		if prompts != 1 || reminders != wantReminders {
			t.Errorf("%s got %d prompts and %d reminders, want 1 and %d", u.Name, prompts, reminders, wantReminders)
		}
	}
}

// A cadre who blocked the bot is not retried, and HR's summary says someone could not be reached.
func TestBlockedPromptIsCounted(t *testing.T) {
	rd := redistest.New(t)
	h := newHarness(t, rd.Client, rd.Prefix, func(tg *telegramtest.Server) []int64 {
		tg.FailChat(cadreE.ID, telegramtest.Forbidden)
		return []int64{cadreE.ID}
	})
	err := h.tg.WaitUntil(h.ctx, func() bool {
		a, err := h.store.Aggregates(h.ctx, []string{"2026-W47"}, "")
		return err == nil && a[0].Blocked == 1
	})
	if err != nil {
		t.Fatalf("blocked prompt not counted")
	}
	if r := h.summary(hrUser.ID, "/summary"); !strings.Contains(r, "1 人已屏蔽机器人") {
		var texts []string
		for _, m := range h.tg.MessagesTo(hrUser.ID) {
			texts = append(texts, m.Text)
		}
		t.Errorf("summary does not tell HR about the blocked prompt: %q", texts)
	}
}
