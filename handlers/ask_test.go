package handlers_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestRejectedKnowledgeEditIsToldToEveryAdmin: each operator of GANWEI_ADMIN_IDS hears once,
// addressed as a person: one bound through Telegram (11), and one who never bound (22), who is
// made a person for the account as at start-up.
func TestRejectedKnowledgeEditIsToldToEveryAdmin(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := store.SaveUser(ctx, &ganwei.User{ID: 11, Name: "陈静", Role: ganwei.RoleCadre}); err != nil {
		t.Fatal(err)
	}
	m := &testkit.Front{}
	h := &handlers.Handlers{Users: store, Messenger: m, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AdminIDs: map[int64]bool{11: true, 22: true}}
	h.NotifyKnowledgeRejected(ctx, errors.New("reload knowledge: layer1:local.yaml K-99: 缺少 answer"))
	p22, err := store.PersonByAccount(ctx, ganwei.TelegramAccount(22))
	if err != nil || p22 < ganwei.PersonIDBase {
		t.Fatalf("the unbound administrator's person: %d, %v", p22, err)
	}
	for _, id := range []int64{11, p22} {
		got := m.Messages(id)
		if len(got) != 1 || !strings.Contains(got[0].Text, "知识库更新未生效") || !strings.Contains(got[0].Text, "上一版") || !strings.Contains(got[0].Text, "缺少 answer") {
			t.Errorf("admin %d was told %+v; want one message saying the edit was refused, the old base stays, and why", id, got)
		}
	}
	if n := m.Count(); n != 2 {
		t.Errorf("%d messages went out, want 1 to each admin", n)
	}
}
