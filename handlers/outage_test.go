package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/testkit"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// countingPhraser stands for the language model and counts what reached it.
type countingPhraser struct{ calls atomic.Int64 }

func (c *countingPhraser) Phrase(_ context.Context, _ string, passages []knowledge.Passage) (string, error) {
	c.calls.Add(1)
	return "模型答复 [" + passages[0].ID + "]", nil
}

// chatHarness drives the handlers with events directly, and the recording fake front end as
// their Messenger.
type chatHarness struct {
	t      *testing.T
	ctx    context.Context
	front  *testkit.Front
	hs     *handlers.Handlers
	nextID int64
}

func (c *chatHarness) say(from int64, text string) string {
	c.t.Helper()
	c.nextID++
	before := len(c.front.Messages(from))
	c.hs.Handle(c.ctx, ganwei.Event{ID: c.nextID, From: from, Account: ganwei.TelegramAccount(from), Name: "测试", ChatID: from, Private: true, Text: text})
	msgs := c.front.Messages(from)
	if len(msgs) != before+1 {
		c.t.Fatalf("%q got %d replies, want 1", text, len(msgs)-before)
	}
	return msgs[len(msgs)-1].Text
}

func newChatHarness(t *testing.T, store *redisstore.Store, phraser knowledge.Phraser, now func() time.Time) *chatHarness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	front := &testkit.Front{}
	lib, err := knowledge.Open("")
	if err != nil {
		t.Fatal(err)
	}
	hs := &handlers.Handlers{Users: store, Dialogs: store, Questions: store, Messenger: front, Logger: logger,
		Answerer:  &knowledge.Answerer{Library: lib, Phraser: phraser},
		Reminders: &reminders.Service{Queue: store, Users: store, Logger: logger}, Notices: store, Now: now}
	hs.Register()
	return &chatHarness{t: t, ctx: ctx, front: front, hs: hs}
}

// TestRedisOutageKeepsPolicyAnswers: with the Redis server killed, policy questions are still
// answered from the knowledge base in memory, for a person seen a moment ago and for a stranger
// alike, without the model (the text might be an open check-in's line); what must write or read
// stored data says so in one sentence, and an HR user is told "unavailable", not "denied".
// Ping (what /readyz runs) fails during the outage and succeeds as soon as Redis is back, and
// writes work again at once. Before the fix every update failed with "出了点问题".
func TestRedisOutageKeepsPolicyAnswers(t *testing.T) {
	srv := redistest.StartServer(t)
	client, err := redisstore.NewClient("redis://" + srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	store := redisstore.New(client, "outage")
	model := &countingPhraser{}
	c := newChatHarness(t, store, model, nil)
	const hr, cadre, stranger = 10002, 20001, 30003
	for _, u := range []ganwei.User{{ID: hr, Name: "李娟", Role: ganwei.RoleHR}, {ID: cadre, Name: "张伟", Role: ganwei.RoleCadre}} {
		if err := store.SaveUser(c.ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	const question = "我犯了错误，能不能容错？"
	if got := c.say(cadre, question); !strings.Contains(got, "模型答复") {
		t.Fatalf("with Redis up the answer = %q, want the model's", got)
	}
	if got := c.say(hr, "/whoami"); !strings.Contains(got, "李娟") {
		t.Fatalf("/whoami = %q", got)
	}
	modelCalls := model.calls.Load()

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, who := range []int64{cadre, stranger, hr} {
		got := c.say(who, question)
		if !strings.Contains(got, "容错") || !strings.Contains(got, "来源") {
			t.Errorf("during the outage %d got %q, want the policy answer with its source", who, got)
		}
	}
	if n := model.calls.Load() - modelCalls; n != 0 {
		t.Errorf("during the outage %d questions reached the model, want 0", n)
	}
	oneSentence := func(s string) bool { return strings.Count(s, "。") == 1 && strings.HasSuffix(s, "。") }
	for _, tc := range []struct {
		who  int64
		text string
	}{
		{hr, "/reminders"}, // reads stored data
		{hr, "/appoint 20002 陈刚 党委书记 七都镇 2026-11-02"}, // must write a dialog
		{stranger, "/reminders"},     // unknown identity: unavailable, not denied
		{cadre, "/start ABCDEFGHJK"}, // binding writes
	} {
		got := c.say(tc.who, tc.text)
		if !strings.Contains(got, "暂时连不上") || !oneSentence(got) {
			t.Errorf("%d %q during the outage got %q, want one sentence saying storage is unreachable", tc.who, tc.text, got)
		}
	}
	if err := store.Ping(c.ctx); ganwei.ErrorCode(err) != ganwei.EUNAVAILABLE {
		t.Errorf("Ping during the outage = %v, want EUNAVAILABLE (so /readyz says 503)", err)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := store.Ping(c.ctx); err != nil {
		t.Fatalf("Ping after Redis came back = %v, want nil", err)
	}
	if err := store.SaveUser(c.ctx, &ganwei.User{ID: hr, Name: "李娟", Role: ganwei.RoleHR}); err != nil {
		t.Fatalf("a write right after Redis came back: %v", err)
	}
	if got := c.say(hr, "/reminders"); strings.Contains(got, "暂时连不上") {
		t.Errorf("after the outage /reminders = %q", got)
	}
}

// blackHole accepts connections and never answers: a hung Redis (SIGSTOP, a dead network path).
func blackHole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, conn); conn.Close() }()
		}
	}()
	return ln.Addr().String()
}

// TestHungRedisStillAnswersPolicyQuestions: with Redis accepting connections but never
// answering, policy questions are answered and a write says it could not be saved. The time each
// reply took is logged (it is a figure for the report, not an assertion): the first update waits
// on one short timeout, the next ones inside the breaker's cooldown on none.
func TestHungRedisStillAnswersPolicyQuestions(t *testing.T) {
	client, err := redisstore.NewClient("redis://" + blackHole(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	c := newChatHarness(t, redisstore.New(client, "hung"), nil, nil)
	for i, q := range []string{"我犯了错误，能不能容错？", "干部容错纠错怎么认定", "/reminders", "三个区分开来是什么"} {
		start := time.Now()
		got := c.say(int64(20001+i), q)
		t.Logf("%q answered in %v", q, time.Since(start).Round(time.Millisecond))
		if q == "/reminders" {
			if !strings.Contains(got, "暂时连不上") {
				t.Errorf("/reminders with Redis hung = %q, want the one-sentence notice", got)
			}
			continue
		}
		if !strings.Contains(got, "来源") {
			t.Errorf("%q with Redis hung = %q, want a policy answer", q, got)
		}
	}
}
