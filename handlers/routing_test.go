package handlers_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
)

// TestGroupsNoticeOncePerGroupPerDay: every message in a group used to get the "private chats
// only" reply; now each group hears it once a day, across replicas (two Handlers on one Redis).
func TestGroupsNoticeOncePerGroupPerDay(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix)
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := newChatHarness(t, store, nil, clock)
	other := newChatHarness(t, store, nil, clock) // a second replica
	group := func(h *chatHarness, chat int64, text string) {
		h.nextID++
		h.hs.Handle(h.ctx, ganwei.Event{ID: h.nextID, From: 20001, Name: "张", ChatID: chat, Text: text})
	}
	const g1, g2 = -100111, -100222
	for _, text := range []string{"/help", "大家好", "容错怎么认定"} {
		group(c, g1, text)
		group(other, g1, text)
	}
	group(c, g2, "/help")
	notices := func(chat int64) int { return len(c.front.Messages(chat)) + len(other.front.Messages(chat)) }
	if n := notices(g1); n != 1 {
		t.Errorf("group 1 got %d notices today from two replicas, want 1", n)
	}
	if n := notices(g2); n != 1 {
		t.Errorf("group 2 got %d notices, want its own 1", n)
	}
	mu.Lock()
	now = now.Add(24 * time.Hour)
	mu.Unlock()
	group(other, g1, "/help")
	group(c, g1, "/help")
	if n := notices(g1); n != 2 {
		t.Errorf("group 1 has %d notices after a second day, want 2", n)
	}
}

// TestSlashWithoutOurCommandIsNotAQuestion: "/", "/@bot" and "/cmd@OtherBot" in a private chat
// are answered with a pointer to /help and never reach the knowledge base or the unanswered
// queue. Before the fix they were answered as policy questions and queued for curators.
func TestSlashWithoutOurCommandIsNotAQuestion(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix)
	c := newChatHarness(t, store, nil, nil)
	c.hs.BotUsername = "ganwei_bot"
	for _, text := range []string{"/", "/@ganwei_bot", "/start@OtherBot", " / ", "/help@other_bot 容错"} {
		if got := c.say(20001, text); !strings.Contains(got, "/help") || strings.Contains(got, "没有这个问题的答案") {
			t.Errorf("%q answered %q, want a pointer to /help", text, got)
		}
	}
	queued, err := store.TopUnanswered(c.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(queued) != 0 {
		t.Errorf("unanswered queue = %+v, want empty", queued)
	}
}
