package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
)

// BenchmarkWhoamiEvent handles one /whoami event from a bound person end to end on the fake
// front end and reports the Redis round trips it took (finding the person, reading their
// dialog).
func BenchmarkWhoamiEvent(b *testing.B) {
	r := redistest.New(b)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := store.SaveUser(ctx, &ganwei.User{ID: 20001, Name: "张伟", Unit: "发改委", Role: ganwei.RoleCadre}); err != nil {
		b.Fatal(err)
	}
	front := &testkit.Front{}
	h := &handlers.Handlers{Users: store, Dialogs: store, Questions: store, Messenger: front,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h.Register()
	ev := testkit.Say(20001, "/whoami")
	h.Handle(ctx, ev) // load the scripts
	r.RoundTrips.Reset()
	for b.Loop() {
		h.Handle(ctx, ev)
	}
	b.ReportMetric(float64(r.RoundTrips.Trips())/float64(b.N), "trips/op")
}
