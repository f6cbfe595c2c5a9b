package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

// benchBot is a bot on the stand-in and a real Redis whose round trips are counted.
func benchBot(b *testing.B) (*bot.Bot, *redistest.Redis, *redisstore.Store, *telegramtest.Server) {
	b.Helper()
	tg := telegramtest.New()
	b.Cleanup(tg.Close)
	r := redistest.New(b)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	bt, err := bot.New(context.Background(), bot.Config{Token: tg.Token(), APIURL: tg.URL(), UserRate: 1e9, UserBurst: 1 << 30, GlobalRate: -1, PerChatRate: -1},
		store, bot.NewMetrics(), quiet)
	if err != nil {
		b.Fatal(err)
	}
	return bt, r, store, tg
}

func textUpdate(id int64, text string) *models.Update {
	return &models.Update{ID: id, Message: &models.Message{ID: int(id), Text: text,
		Chat: models.Chat{ID: 42, Type: models.ChatTypePrivate}, From: &models.User{ID: 42, FirstName: "张伟"}}}
}

// runBench runs the bot (polling the stand-in, workers on the inbox) until the benchmark ends.
func runBench(b *testing.B, bt *bot.Bot) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = bt.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return ctx
}

// BenchmarkMiddlewareChain measures one update through the inbox (accept with dedupe, take,
// done: Redis round trips) and the middleware (observe, recover, per-user rate limit), to a
// handler that does nothing.
func BenchmarkMiddlewareChain(b *testing.B) {
	bt, r, _, _ := benchBot(b)
	done := make(chan struct{}, 1)
	bt.SetHandler(func(context.Context, *models.Update) { done <- struct{}{} })
	ctx := runBench(b, bt)
	r.RoundTrips.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bt.ProcessUpdate(ctx, textUpdate(int64(i+1), "你好")); err != nil {
			b.Fatal(err)
		}
		<-done
	}
	b.StopTimer()
	r.RoundTrips.Report(b)
}

// BenchmarkHelpCommand measures /help end to end: middleware, user lookup in Redis, routing, and
// the reply through the paced sender to the stand-in over HTTP.
func BenchmarkHelpCommand(b *testing.B) {
	bt, r, store, tg := benchBot(b)
	h := &handlers.Handlers{Users: store, Dialogs: store, Questions: store, Messenger: bt.Front(nil), Logger: quiet, Now: time.Now}
	h.Register()
	bt.SetHandler(bt.Front(nil).Updates(h.Handle))
	ctx := runBench(b, bt)
	r.RoundTrips.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := int64(i + 1)
		if err := bt.ProcessUpdate(ctx, textUpdate(id, "/help")); err != nil {
			b.Fatal(err)
		}
		if err := bt.WaitHandled(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	r.RoundTrips.Report(b)
	if got := len(tg.MessagesTo(42)); got != b.N {
		b.Fatalf("sent %d replies for %d updates", got, b.N)
	}
}

// BenchmarkWebhookToReply measures the whole path of one update under concurrent load, as
// Telegram drives it: webhook POST (decode, store in the inbox), a worker takes it, /help is
// answered through the Sender to the stand-in (pacing off), and the entry is marked done. ns/op
// is the inverse of throughput; profile it with -cpuprofile.
func BenchmarkWebhookToReply(b *testing.B) {
	tg := telegramtest.New()
	b.Cleanup(tg.Close)
	r := redistest.New(b)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	bt, err := bot.New(context.Background(), bot.Config{Token: tg.Token(), APIURL: tg.URL(),
		WebhookURL: "https://bot.example.test/hook", WebhookSecret: hookSecret,
		UserRate: 1e9, UserBurst: 1 << 30, GlobalRate: -1, PerChatRate: -1}, store, nil, quiet)
	if err != nil {
		b.Fatal(err)
	}
	front := bt.Front(nil)
	h := &handlers.Handlers{Users: store, Dialogs: store, Questions: store, Messenger: front, Logger: quiet, Now: time.Now}
	h.Register()
	handled := make(chan struct{}, b.N)
	handle := front.Updates(h.Handle)
	bt.SetHandler(func(ctx context.Context, upd *models.Update) { handle(ctx, upd); handled <- struct{}{} })
	srv := httptest.NewServer(bt.HTTPHandler(nil))
	b.Cleanup(srv.Close)
	ctx := runBench(b, bt)
	if err := bt.WaitStarted(ctx); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next atomic.Int64
	b.SetParallelism(20) // 40 connections on 2 cores, Telegram's default max_connections
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := next.Add(1)
			user := id%5000 + 1
			upd := models.Update{ID: id, Message: &models.Message{ID: int(id), Text: "/help",
				Entities: []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Length: 5}},
				Chat:     models.Chat{ID: user, Type: models.ChatTypePrivate}, From: &models.User{ID: user, FirstName: "张伟"}}}
			body, _ := json.Marshal(upd)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hook", bytes.NewReader(body))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hookSecret)
			resp, err := client.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Errorf("webhook: %v %v", resp, err)
				return
			}
			resp.Body.Close()
		}
	})
	for range next.Load() {
		<-handled
	}
	b.StopTimer()
	tg.Reset()
}
