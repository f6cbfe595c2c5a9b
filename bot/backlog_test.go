package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
)

// TestAcknowledgedBacklogOfOnePersonIsNotRateLimited: messages a person sent calmly, one a
// minute, while the bot was down or behind (all acknowledged to Telegram, stored in the inbox)
// are handled when the bot catches up. The per-person limit is about how fast the person sent,
// not how fast the backlog is worked off: dropping them loses acknowledged updates and tells a
// cadre who wrote once a minute that they are "操作有点频繁".
func TestAcknowledgedBacklogOfOnePersonIsNotRateLimited(t *testing.T) {
	// The default per-person limit (1/s, burst 8); outgoing pacing off, it is not under test.
	h := newHarness(t, bot.Config{GlobalRate: -1, PerChatRate: -1})
	ctx := wait(t)
	const person = 4242
	const n = 12 // more than the default burst of 8
	sentAt := time.Now().Add(-time.Duration(n+1) * time.Minute)
	var backlog []ganwei.InboxUpdate
	var ids []int64
	for i := range n {
		id := int64(500 + i)
		upd := models.Update{ID: id, Message: &models.Message{ID: i + 1, Text: "请问干部交流政策",
			Date: int(sentAt.Add(time.Duration(i) * time.Minute).Unix()),
			Chat: models.Chat{ID: person, Type: models.ChatTypePrivate}, From: &models.User{ID: person}}}
		payload, err := json.Marshal(upd)
		if err != nil {
			t.Fatal(err)
		}
		backlog = append(backlog, ganwei.InboxUpdate{ID: id, Payload: payload})
		ids = append(ids, id)
	}
	// What the webhook's 200s (or the poll offset) stood for: stored, not yet handled.
	if _, err := h.store.AcceptUpdates(ctx, backlog, 0); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	handled := map[int64]bool{}
	h.bot.SetHandler(func(ctx context.Context, upd *models.Update) {
		mu.Lock()
		handled[upd.ID] = true
		mu.Unlock()
	})
	h.start(t)
	for _, id := range ids {
		if err := h.bot.WaitHandled(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(handled) != n {
		var lost []int64
		for _, id := range ids {
			if !handled[id] {
				lost = append(lost, id)
			}
		}
		t.Errorf("%d of %d acknowledged updates reached the handler; dropped as rate limited: %v", len(handled), n, lost)
	}
	for _, m := range h.tg.MessagesTo(person) {
		if strings.Contains(m.Text, "频繁") {
			t.Errorf("a person who wrote once a minute was told %q", m.Text)
		}
	}
}

// TestBacklogFloodSentInOneSecondIsStillCut: judging the rate by the send time does not open a
// hole: twelve messages a person sent within one second are cut to the burst (8) also when they
// wait in the inbox first.
func TestBacklogFloodSentInOneSecondIsStillCut(t *testing.T) {
	h := newHarness(t, bot.Config{GlobalRate: -1, PerChatRate: -1})
	ctx := wait(t)
	const person = 4343
	sent := int(time.Now().Add(-10 * time.Minute).Unix())
	var backlog []ganwei.InboxUpdate
	var ids []int64
	for i := range 12 {
		id := int64(700 + i)
		payload, err := json.Marshal(models.Update{ID: id, Message: &models.Message{ID: i + 1, Text: "刷屏", Date: sent,
			Chat: models.Chat{ID: person, Type: models.ChatTypePrivate}, From: &models.User{ID: person}}})
		if err != nil {
			t.Fatal(err)
		}
		backlog = append(backlog, ganwei.InboxUpdate{ID: id, Payload: payload})
		ids = append(ids, id)
	}
	if _, err := h.store.AcceptUpdates(ctx, backlog, 0); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	handled := 0
	h.bot.SetHandler(func(ctx context.Context, upd *models.Update) { mu.Lock(); handled++; mu.Unlock() })
	h.start(t)
	for _, id := range ids {
		if err := h.bot.WaitHandled(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if handled != bot.DefaultUserBurst {
		t.Errorf("handled %d of 12 messages sent within one second, want the burst %d", handled, bot.DefaultUserBurst)
	}
}
