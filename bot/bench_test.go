package bot_test

import (
	"context"
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
	h := &handlers.Handlers{Users: store, Dialogs: store, Questions: store, Messenger: bt.Sender(), Logger: quiet, Now: time.Now}
	h.Register()
	bt.SetHandler(h.Handle)
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
