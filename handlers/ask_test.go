package handlers_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei/handlers"
)

// recordingMessenger keeps what handlers send, by chat.
type recordingMessenger struct {
	mu   sync.Mutex
	sent map[int64][]string
}

var _ handlers.Messenger = (*recordingMessenger)(nil)

func (m *recordingMessenger) Send(_ context.Context, chatID int64, text string, _ *models.InlineKeyboardMarkup) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sent == nil {
		m.sent = map[int64][]string{}
	}
	m.sent[chatID] = append(m.sent[chatID], text)
	return len(m.sent[chatID]), nil
}
func (m *recordingMessenger) Edit(context.Context, int64, int, string, *models.InlineKeyboardMarkup) error {
	return nil
}
func (m *recordingMessenger) AnswerCallback(context.Context, string, string, bool) error { return nil }
func (m *recordingMessenger) SendDocument(context.Context, int64, string, []byte, string) error {
	return nil
}
func (m *recordingMessenger) SendPhoto(context.Context, int64, string, []byte, string) error {
	return nil
}
func (m *recordingMessenger) SetCommands(context.Context, int64, []models.BotCommand) error {
	return nil
}

func TestRejectedKnowledgeEditIsToldToEveryAdmin(t *testing.T) {
	m := &recordingMessenger{}
	h := &handlers.Handlers{Messenger: m, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AdminIDs: map[int64]bool{11: true, 22: true}}
	h.NotifyKnowledgeRejected(context.Background(), errors.New("reload knowledge: layer1:local.yaml K-99: 缺少 answer"))
	for _, id := range []int64{11, 22} {
		got := m.sent[id]
		if len(got) != 1 || !strings.Contains(got[0], "知识库更新未生效") || !strings.Contains(got[0], "上一版") || !strings.Contains(got[0], "缺少 answer") {
			t.Errorf("admin %d was told %q; want one message saying the edit was refused, the old base stays, and why", id, got)
		}
	}
	if len(m.sent) != 2 {
		t.Errorf("messages went to %d chats, want the 2 admins", len(m.sent))
	}
}
