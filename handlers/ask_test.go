package handlers_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/testkit"
)

func TestRejectedKnowledgeEditIsToldToEveryAdmin(t *testing.T) {
	m := &testkit.Front{}
	h := &handlers.Handlers{Messenger: m, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AdminIDs: map[int64]bool{11: true, 22: true}}
	h.NotifyKnowledgeRejected(context.Background(), errors.New("reload knowledge: layer1:local.yaml K-99: 缺少 answer"))
	for _, id := range []int64{11, 22} {
		got := m.Messages(id)
		if len(got) != 1 || !strings.Contains(got[0].Text, "知识库更新未生效") || !strings.Contains(got[0].Text, "上一版") || !strings.Contains(got[0].Text, "缺少 answer") {
			t.Errorf("admin %d was told %+v; want one message saying the edit was refused, the old base stays, and why", id, got)
		}
	}
	if n := len(m.Messages(11)) + len(m.Messages(22)); n != 2 {
		t.Errorf("%d messages went to the admins, want 1 each", n)
	}
}
