package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

// pressed returns the update the stand-in made for the press.
func pressed(t *testing.T, tg *telegramtest.Server, updateID int64) *models.Update {
	t.Helper()
	for _, u := range tg.Pending() {
		if u.ID == updateID {
			return &u
		}
	}
	t.Fatalf("update %d not pending", updateID)
	return nil
}

// TestLongButtonPayloadIsStoredAndReferenced: Telegram refuses callback data over 64 bytes, so a
// longer payload is stored (in Redis, shared by replicas) and the button carries a reference; a
// press delivers the feature's payload whole, and so do the pressed message's other buttons.
func TestLongButtonPayloadIsStoredAndReferenced(t *testing.T) {
	h := newHarness(t, bot.Config{GlobalRate: -1, PerChatRate: -1})
	ctx := context.Background()
	front := h.bot.Front(h.store)
	long := "kb:src:" + strings.Repeat("K-123|", 20) // 127 bytes
	kb := ganwei.Buttons([]ganwei.Button{{Label: "原文", Action: long}}, []ganwei.Button{{Label: "好", Action: "fb:up:1"}})
	const user = 501
	h.tg.SetUser(models.User{ID: user, FirstName: "张"})
	id, err := front.Send(ctx, user, "回答", kb)
	if err != nil {
		t.Fatalf("send with a long payload: %v", err)
	}
	msg, _ := h.tg.LastMessageTo(user)
	data := msg.Buttons[0][0].CallbackData
	if len(data) > bot.MaxCallbackData || data == long {
		t.Fatalf("button carries %q (%d bytes); want a reference within %d bytes", data, len(data), bot.MaxCallbackData)
	}
	if got := msg.Buttons[1][0].CallbackData; got != "fb:up:1" {
		t.Errorf("a short payload went out as %q, want it unchanged", got)
	}
	// Another replica (its own Front on the same Redis) resolves the press.
	other := h.bot.Front(h.store)
	ev, ok, err := other.Event(ctx, pressed(t, h.tg, h.tg.PressButton(user, id, data)))
	if err != nil || !ok || ev.Action == nil {
		t.Fatalf("event: ok=%v err=%v ev=%+v", ok, err, ev)
	}
	if ev.Action.Payload != long || ev.From != user || ev.ChatID != user || ev.Action.MessageID != id || ev.Action.MessageText != "回答" {
		t.Errorf("press gave %+v / %+v; want the long payload on message %d from %d", ev, ev.Action, id, user)
	}
	if ev.Action.Buttons[0][0].Action != long || ev.Action.Buttons[1][0].Action != "fb:up:1" {
		t.Errorf("the message's buttons read back as %+v", ev.Action.Buttons)
	}
	// Re-rendering the read-back keyboard (an edit keeping the other buttons) works and stores nothing new.
	if err := other.Edit(ctx, user, id, "回答", ev.Action.Buttons); err != nil {
		t.Fatalf("edit with read-back buttons: %v", err)
	}
	if again, _ := h.tg.LastMessageTo(user); again.Buttons[0][0].CallbackData != data {
		t.Errorf("re-rendered reference %q, want the same %q", again.Buttons[0][0].CallbackData, data)
	}
}

// TestForgedOrExpiredReferenceIsAStaleButton: a reference that is not stored gives an empty
// payload, which the handlers answer as a stale button.
func TestForgedOrExpiredReferenceIsAStaleButton(t *testing.T) {
	h := newHarness(t, bot.Config{GlobalRate: -1, PerChatRate: -1})
	front := h.bot.Front(h.store)
	h.tg.SetUser(models.User{ID: 502, FirstName: "李"})
	ev, ok, err := front.Event(context.Background(), pressed(t, h.tg, h.tg.PressButton(502, 77, "~AAAAAAAAAAAAAAAAAAAA")))
	if err != nil || !ok || ev.Action.Payload != "" {
		t.Errorf("forged reference gave payload %q (ok=%v err=%v), want empty", ev.Action.Payload, ok, err)
	}
}

// TestBlockedRecipientIsReportedNeutrally: Telegram's 403 reaches the features as
// ganwei.ErrRecipientBlocked, so reminders and check-ins record it without knowing Telegram.
func TestBlockedRecipientIsReportedNeutrally(t *testing.T) {
	h := newHarness(t, bot.Config{GlobalRate: -1, PerChatRate: -1})
	front := h.bot.Front(nil)
	h.tg.FailChat(503, telegramtest.Forbidden)
	_, err := front.Send(context.Background(), 503, "您好", nil)
	if !errors.Is(err, ganwei.ErrRecipientBlocked) || !errors.Is(err, bot.ErrBlocked) {
		t.Errorf("send to a blocked person: %v; want ganwei.ErrRecipientBlocked (and bot.ErrBlocked) in the chain", err)
	}
}

// TestEventsFromUpdates: messages and presses become events; a group message is not private;
// other updates are dropped; menus and deep links are rendered for Telegram.
func TestEventsFromUpdates(t *testing.T) {
	h := newHarness(t, bot.Config{GlobalRate: -1, PerChatRate: -1})
	ctx := context.Background()
	front := h.bot.Front(nil)
	ev, ok, _ := front.Event(ctx, &models.Update{ID: 9, Message: &models.Message{Text: "/help", From: &models.User{ID: 7, FirstName: "王", LastName: "五"},
		Chat: models.Chat{ID: -100, Type: models.ChatTypeSupergroup}}})
	if !ok || ev.Private || ev.From != 7 || ev.ChatID != -100 || ev.Text != "/help" || ev.Name != "王 五" || ev.ID != 9 {
		t.Errorf("group message became %+v", ev)
	}
	if _, ok, _ := front.Event(ctx, &models.Update{ID: 10, EditedMessage: &models.Message{Text: "x"}}); ok {
		t.Error("an edited message became an event")
	}
	if err := front.SetCommands(ctx, 7, []ganwei.MenuCommand{{Name: "help", Description: "帮助"}}); err != nil {
		t.Fatal(err)
	}
	if got := h.tg.Commands(telegramtest.ScopeChat(7)); len(got) != 1 || got[0].Command != "help" || got[0].Description != "帮助" {
		t.Errorf("menu set as %+v", got)
	}
	if got := bot.InviteLink("ganwei_bot", "ABC"); got != "https://t.me/ganwei_bot?start=ABC" {
		t.Errorf("deep link %q", got)
	}
}
