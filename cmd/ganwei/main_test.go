package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// syncBuffer is a bytes.Buffer safe to read while Main writes logs to it.
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

// testEnv builds an Env from a map.
func testEnv(vars map[string]string, stdin string) (Env, *syncBuffer, *syncBuffer) {
	out, errOut := &syncBuffer{}, &syncBuffer{}
	return Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: out,
		Stderr: errOut,
		Getenv: func(k string) string { return vars[k] },
	}, out, errOut
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"no token", map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, []string{"serve"}, "TELEGRAM_BOT_TOKEN"},
		{"bad token", map[string]string{"TELEGRAM_BOT_TOKEN": "nope"}, []string{"serve"}, "TELEGRAM_BOT_TOKEN"},
		{"no redis", map[string]string{"TELEGRAM_BOT_TOKEN": telegramtest.DefaultToken}, []string{"serve"}, "REDIS_URL"},
		{"bad redis url", map[string]string{"TELEGRAM_BOT_TOKEN": telegramtest.DefaultToken, "REDIS_URL": "http://x"}, []string{"serve"}, "REDIS_URL"},
		{"bad admin ids", map[string]string{"GANWEI_ADMIN_IDS": "12,abc"}, []string{"serve"}, "GANWEI_ADMIN_IDS"},
		{"bad timezone", map[string]string{"GANWEI_TIMEZONE": "Mars/Base"}, []string{"serve"}, "GANWEI_TIMEZONE"},
		{"webhook without secret", map[string]string{"GANWEI_WEBHOOK_URL": "https://x.example/hook"}, []string{"serve"}, "GANWEI_WEBHOOK_SECRET"},
		{"http webhook", map[string]string{"GANWEI_WEBHOOK_URL": "http://x.example/hook"}, []string{"serve"}, "GANWEI_WEBHOOK_URL"},
		{"model without key", map[string]string{"OPENAI_MODEL": "qwen-plus"}, []string{"serve"}, "OPENAI_API_KEY"},
		{"admin without redis", map[string]string{}, []string{"admin", "invite", "--name", "张三", "--unit", "发改委"}, "REDIS_URL"},
		{"bad redis timeout", map[string]string{"GANWEI_REDIS_TIMEOUT": "forever"}, []string{"serve"}, "GANWEI_REDIS_TIMEOUT"},
		{"bad redis dial timeout", map[string]string{"GANWEI_REDIS_DIAL_TIMEOUT": "-1s"}, []string{"serve"}, "GANWEI_REDIS_DIAL_TIMEOUT"},
		{"bad instance id", map[string]string{"GANWEI_INSTANCE_ID": "a#b"}, []string{"serve"}, "GANWEI_INSTANCE_ID"},
		{"bad model timeout", map[string]string{"GANWEI_LLM_TIMEOUT": "soon"}, []string{"serve"}, "GANWEI_LLM_TIMEOUT"},
		{"bad model timeout for ask", map[string]string{"GANWEI_LLM_TIMEOUT": "-5s"}, []string{"ask", "能容错吗"}, "GANWEI_LLM_TIMEOUT"},
		{"bad http addr", map[string]string{"GANWEI_HTTP_ADDR": "8080"}, []string{"serve"}, "GANWEI_HTTP_ADDR"},
		{"bad http addr for the healthcheck", map[string]string{"GANWEI_HTTP_ADDR": "localhost"}, []string{"healthcheck"}, "GANWEI_HTTP_ADDR"},
		{"bad bot username", map[string]string{"GANWEI_BOT_USERNAME": "t.me/ganwei_bot"}, []string{"serve"}, "GANWEI_BOT_USERNAME"},
		{"bad settings for kb check", map[string]string{"GANWEI_LOG_LEVEL": "loud"}, []string{"kb", "check"}, "GANWEI_LOG_LEVEL"},
		{"bad settings for kb export", map[string]string{"GANWEI_TIMEZONE": "Mars/Base"}, []string{"kb", "export"}, "GANWEI_TIMEZONE"},
		{"cluster prefix without hash tag", map[string]string{"TELEGRAM_BOT_TOKEN": telegramtest.DefaultToken,
			"REDIS_URL": "redis://127.0.0.1:1?addr=127.0.0.1:2&addr=127.0.0.1:3"}, []string{"serve"}, "GANWEI_REDIS_PREFIX={ganwei}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, errOut := testEnv(tt.vars, "")
			if code := Main(context.Background(), env, tt.args); code == 0 {
				t.Fatalf("Main(%v) exit 0, want failure", tt.args)
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("stderr %q does not name %s", errOut.String(), tt.want)
			}
		})
	}
}

func TestUnknownSubcommand(t *testing.T) {
	env, _, errOut := testEnv(nil, "")
	if code := Main(context.Background(), env, []string{"fly"}); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), "unknown command") {
		t.Errorf("stderr = %q", errOut.String())
	}
}

// servedBot is `ganwei serve` running in-process against the stand-in and a real Redis.
type servedBot struct {
	tg   *telegramtest.Server
	vars map[string]string
	logs *syncBuffer
	ctx  context.Context // bounds every wait of the test
}

// startServe runs Main(serve) until the test ends, and checks that it then exits 0.
func startServe(t *testing.T, adminIDs string) *servedBot {
	t.Helper()
	tg := telegramtest.New()
	t.Cleanup(tg.Close)
	r := redistest.New(t)
	vars := map[string]string{
		"TELEGRAM_BOT_TOKEN":  tg.Token(),
		"TELEGRAM_API_URL":    tg.URL(),
		"REDIS_URL":           r.URL,
		"GANWEI_REDIS_PREFIX": r.Prefix + "ganwei",
		"GANWEI_ADMIN_IDS":    adminIDs,
		"GANWEI_HTTP_ADDR":    "127.0.0.1:0",
		"GANWEI_BOT_USERNAME": "ganwei_bot",
	}
	env, _, logs := testEnv(vars, "")
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() { exit <- Main(ctx, env, []string{"serve"}) }()
	t.Cleanup(func() {
		cancel()
		if code := <-exit; code != 0 {
			t.Errorf("serve exit code after stop = %d, want 0; logs:\n%s", code, logs.String())
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(wcancel)
	return &servedBot{tg: tg, vars: vars, logs: logs, ctx: wctx}
}

// send sends text as the user and returns the bot's newest message to them.
func (s *servedBot) send(t *testing.T, chatID int64, text string) telegramtest.Message {
	t.Helper()
	before := len(s.tg.MessagesTo(chatID))
	s.tg.SendText(chatID, text)
	msgs, err := s.tg.WaitMessages(s.ctx, chatID, before+1)
	if err != nil {
		t.Fatalf("no reply to %q: %v\nlogs:\n%s", text, err, s.logs.String())
	}
	return msgs[len(msgs)-1]
}

// TestServeEndToEnd runs `ganwei serve` against the Bot API stand-in and a real Redis: /start,
// /help, an invite made with `ganwei admin invite` and bound with /start CODE, an HR command
// refused for a cadre, an unknown command answered, then a clean stop.
func TestServeEndToEnd(t *testing.T) {
	const adminID, cadreID, guestID = 1001, 2002, 3003
	s := startServe(t, "1001")
	tg, vars, logs, wctx := s.tg, s.vars, s.logs, s.ctx
	reply := func(chatID int64, text string) string { t.Helper(); return s.send(t, chatID, text).Text }

	if got := reply(guestID, "/start"); !strings.Contains(got, "敢为助手") || !strings.Contains(got, "邀请码") {
		t.Errorf("/start for a guest = %q", got)
	}
	if got := reply(guestID, "/help"); !strings.Contains(got, "/whoami") || strings.Contains(got, "/invite") {
		t.Errorf("/help for a guest = %q; want cadre commands and no HR ones", got)
	}
	if got := reply(adminID, "/help"); !strings.Contains(got, "/invite") || !strings.Contains(got, "/role") {
		t.Errorf("/help for an admin = %q; want HR and admin commands", got)
	}
	// Command menus: the default menu has no HR commands; the admin's chat has them.
	if err := tg.WaitUntil(wctx, func() bool { return len(tg.Commands(telegramtest.ScopeChat(adminID))) > 0 }); err != nil {
		t.Fatalf("admin menu never set: %v", err)
	}
	for _, c := range tg.Commands(telegramtest.ScopeDefault) {
		if c.Command == "invite" || c.Command == "role" {
			t.Errorf("default menu lists HR command /%s", c.Command)
		}
	}

	// An invite from the command line, while the bot runs.
	aenv, out, aerr := testEnv(vars, "")
	if code := Main(context.Background(), aenv, []string{"admin", "invite", "--name", "张伟", "--unit", "吴江区发改委", "--position", "副主任", "--json"}); code != 0 {
		t.Fatalf("admin invite exit %d: %s", code, aerr.String())
	}
	var inv struct{ Code, Link string }
	if err := json.Unmarshal([]byte(out.String()), &inv); err != nil || inv.Code == "" || !strings.HasSuffix(inv.Link, "?start="+inv.Code) {
		t.Fatalf("admin invite --json = %q (%v)", out.String(), err)
	}
	if got := reply(cadreID, "/start "+inv.Code); !strings.Contains(got, "绑定成功") || !strings.Contains(got, "张伟") {
		t.Errorf("/start CODE = %q", got)
	}
	if got := reply(cadreID, "/whoami"); !strings.Contains(got, "干部") || !strings.Contains(got, "吴江区发改委") {
		t.Errorf("/whoami after binding = %q", got)
	}
	if got := reply(guestID, "/start "+inv.Code); !strings.Contains(got, "已经用过") {
		t.Errorf("reusing a code = %q, want it refused", got)
	}
	if got := reply(guestID, "/start WRONGCODE1"); !strings.Contains(got, "无效") {
		t.Errorf("unknown code = %q", got)
	}
	if got := reply(cadreID, "/invite 李四 七都镇"); !strings.Contains(got, "仅对组织部") {
		t.Errorf("cadre calling /invite = %q, want a polite refusal", got)
	}
	if got := reply(cadreID, "/fly"); !strings.Contains(got, "没有 /fly 这个命令") {
		t.Errorf("unknown command = %q", got)
	}
	if got := reply(adminID, "/invite 李四 七都镇 组织员 组织部"); !strings.Contains(got, "邀请码") {
		t.Errorf("admin /invite = %q", got)
	}
	if got := reply(adminID, "/role 2002 组织部"); !strings.Contains(got, "组织部工作人员") {
		t.Errorf("/role = %q", got)
	}
	if got := reply(cadreID, "/whoami"); !strings.Contains(got, "组织部工作人员") {
		t.Errorf("/whoami after role change = %q", got)
	}
	if strings.Contains(logs.String(), tg.Token()) {
		t.Errorf("the bot token appears in the logs")
	}
}

func TestDemoFromPipe(t *testing.T) {
	env, out, errOut := testEnv(map[string]string{}, "/start\n:as hr\n/help\n:as nobody\n/fly\n")
	if code := Main(context.Background(), env, []string{"demo"}); code != 0 {
		t.Fatalf("demo exit %d: %s", code, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"内存", "张伟> /start", "欢迎使用敢为助手", "/invite", "unknown persona", "没有 /fly 这个命令"} {
		if !strings.Contains(got, want) {
			t.Errorf("demo transcript lacks %q:\n%s", want, got)
		}
	}
}

// TestPolicyAnswersThroughTelegram: a question answered with its source, the 原文 button, a 👍
// recorded, an out-of-scope question declined with related topics, and /unanswered listing it.
func TestPolicyAnswersThroughTelegram(t *testing.T) {
	const hrAdmin, cadre = 1001, 2002
	s := startServe(t, "1001")
	m := s.send(t, cadre, "我犯了错误，能不能容错？")
	if !strings.Contains(m.Text, "容错") || !strings.Contains(m.Text, "来源：") {
		t.Fatalf("answer = %q; want the 容错纠错 policy with its source", m.Text)
	}
	var src, up string
	for _, row := range m.Buttons {
		for _, b := range row {
			switch {
			case strings.HasPrefix(b.CallbackData, "kb:src:"):
				src = b.CallbackData
			case strings.HasPrefix(b.CallbackData, "fb:up:"):
				up = b.CallbackData
			}
		}
	}
	if src == "" || up == "" {
		t.Fatalf("answer buttons = %v; want 原文 and 👍", m.Buttons)
	}
	before := len(s.tg.MessagesTo(cadre))
	s.tg.PressButton(cadre, m.ID, src)
	msgs, err := s.tg.WaitMessages(s.ctx, cadre, before+1)
	if err != nil || !strings.Contains(msgs[len(msgs)-1].Text, "原文") {
		t.Fatalf("原文 button: %v %v", msgs, err)
	}
	s.tg.PressButton(cadre, m.ID, up)
	if err := s.tg.WaitUntil(s.ctx, func() bool {
		cur := s.tg.MessagesTo(cadre)[0]
		for _, row := range cur.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Text, "✅") {
					return true
				}
			}
		}
		return false
	}); err != nil {
		t.Fatalf("👍 not marked on the answer: %v", err)
	}
	// A forged button changes nothing and gets a polite answer.
	s.tg.PressButton(cadre, m.ID, "fb:up:doesnotexist")
	s.tg.PressButton(cadre, m.ID, "kb:e:../../etc")
	if _, err := s.tg.WaitForCall(s.ctx, "answerCallbackQuery", 4); err != nil {
		t.Fatalf("forged buttons not answered: %v", err)
	}

	for _, hello := range []string{"你好", "谢谢！"} {
		if got := s.send(t, cadre, hello).Text; strings.Contains(got, "没有这个问题的答案") {
			t.Errorf("%q got the knowledge base's decline: %q", hello, got)
		}
	}
	out := s.send(t, cadre, "明天苏州天气怎么样")
	if !strings.Contains(out.Text, "没有这个问题的答案") || !strings.Contains(out.Text, "区委组织部干部科") {
		t.Fatalf("out-of-scope reply = %q; want a plain decline with the contact", out.Text)
	}
	if got := s.send(t, cadre, "/unanswered").Text; strings.Contains(got, "天气") || !strings.Contains(got, "邀请码") {
		t.Errorf("guest /unanswered = %q, want refused", got)
	}
	if got := s.send(t, hrAdmin, "/unanswered").Text; !strings.Contains(got, "明天苏州天气怎么样") || strings.Contains(got, "你好") {
		t.Errorf("/unanswered = %q; want the declined question listed and no greetings", got)
	}
	if got := s.send(t, cadre, strings.Repeat("容错", 501)).Text; !strings.Contains(got, "问题有点长") {
		t.Errorf("a 1002-character question = %q; want a request to shorten it", got)
	}
}

// TestServeOddInput: a sticker, a photo, a group message, an oversized message, and the same
// update delivered twice each get a defined outcome.
func TestServeOddInput(t *testing.T) {
	s := startServe(t, "")
	const user = 4004
	from := &models.User{ID: user, FirstName: "王"}
	private := models.Chat{ID: user, Type: models.ChatTypePrivate}

	s.tg.Inject(models.Update{Message: &models.Message{ID: 1, From: from, Chat: private, Sticker: &models.Sticker{FileID: "x"}}})
	msgs, err := s.tg.WaitMessages(s.ctx, user, 1)
	if err != nil || !strings.Contains(msgs[0].Text, "只能看懂文字") {
		t.Fatalf("sticker reply = %v, %v", msgs, err)
	}
	s.tg.Inject(models.Update{Message: &models.Message{ID: 2, From: from, Chat: private, Photo: []models.PhotoSize{{FileID: "p"}}}})
	if msgs, err = s.tg.WaitMessages(s.ctx, user, 2); err != nil || !strings.Contains(msgs[1].Text, "只能看懂文字") {
		t.Fatalf("photo reply = %v, %v", msgs, err)
	}
	const group = -100123
	s.tg.Inject(models.Update{Message: &models.Message{ID: 3, From: from, Chat: models.Chat{ID: group, Type: models.ChatTypeSupergroup}, Text: "/help"}})
	if gm, err := s.tg.WaitMessages(s.ctx, group, 1); err != nil || !strings.Contains(gm[0].Text, "私聊") {
		t.Fatalf("group reply = %v, %v", gm, err)
	}
	if got := s.send(t, user, strings.Repeat("很长的消息", 4000)).Text; !strings.Contains(got, "太长") {
		t.Errorf("oversized message reply = %q", got)
	}

	// The same update twice: one answer.
	before := len(s.tg.MessagesTo(user))
	id := s.tg.SendText(user, "/whoami")
	s.tg.Inject(models.Update{ID: id, Message: &models.Message{ID: 9, From: from, Chat: private, Text: "/whoami"}})
	if _, err := s.tg.WaitMessages(s.ctx, user, before+1); err != nil {
		t.Fatal(err)
	}
	// Handlers run concurrently, so wait for a later update's reply before counting.
	s.tg.SendText(user, "/help")
	if _, err := s.tg.WaitMessages(s.ctx, user, before+2); err != nil {
		t.Fatal(err)
	}
	s.send(t, user, "/cancel")
	if got := len(s.tg.MessagesTo(user)) - before; got != 3 {
		t.Errorf("/whoami delivered twice, /help and /cancel gave %d replies, want 3", got)
	}

	// A person who blocked the bot: the 403 is logged, nothing is retried, the bot carries on.
	s.tg.FailChat(5005, telegramtest.Forbidden)
	s.tg.SendText(5005, "/help")
	if _, err := s.tg.WaitForCall(s.ctx, "sendMessage", len(s.tg.Calls("sendMessage"))+1); err != nil {
		t.Fatal(err)
	}
	if got := s.send(t, user, "/whoami").Text; !strings.Contains(got, "访客") {
		t.Errorf("after a 403 elsewhere the bot answered %q", got)
	}
	blocked := 0
	for _, c := range s.tg.Calls("sendMessage") {
		if c.Params["chat_id"] == "5005" {
			blocked++
		}
	}
	if blocked != 1 {
		t.Errorf("sent %d times to a chat that answered 403, want 1 (no retry)", blocked)
	}
}

// TestFeedbackOnAnswerWithoutKeyboard: a 👍 arriving for a message whose keyboard is already gone
// (another device removed it) is recorded and re-marks the answer, without a crash.
func TestFeedbackOnAnswerWithoutKeyboard(t *testing.T) {
	s := startServe(t, "")
	const user = 6006
	m := s.send(t, user, "躺平的干部会怎么处理")
	var up string
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.CallbackData, "fb:up:") {
				up = b.CallbackData
			}
		}
	}
	if up == "" {
		t.Fatalf("answer has no 👍 button: %v", m.Buttons)
	}
	// A callback whose message carries no reply_markup.
	s.tg.Inject(models.Update{CallbackQuery: &models.CallbackQuery{ID: "cb-nokb", From: models.User{ID: user},
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{ID: m.ID, Date: m.Date, Chat: models.Chat{ID: user, Type: models.ChatTypePrivate}, Text: m.Text}},
		Data: up}})
	if err := s.tg.WaitUntil(s.ctx, func() bool {
		cur, _ := s.tg.LastMessageTo(user)
		return len(cur.Buttons) == 1 && strings.HasPrefix(cur.Buttons[0][0].Text, "✅")
	}); err != nil {
		t.Fatalf("feedback on a message without keyboard: %v", err)
	}
	for _, msg := range s.tg.MessagesTo(user) {
		if strings.Contains(msg.Text, "出了点问题") {
			t.Fatalf("the bot apologised for a crash: %q", msg.Text)
		}
	}
}
