package bot

import (
	"context"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
)

// EventHandler handles one platform-neutral event (handlers.Handlers.Handle).
type EventHandler func(ctx context.Context, ev ganwei.Event)

// Updates adapts an EventHandler to the bot's UpdateHandler: each message or button press
// becomes a ganwei.Event (button references resolved); other updates (edits, channel posts,
// member changes) are dropped, as the features have nothing to say to them.
func (f *Front) Updates(h EventHandler) UpdateHandler {
	return func(ctx context.Context, upd *models.Update) {
		ev, ok, err := f.Event(ctx, upd)
		if err != nil {
			// The payload store cannot answer: say so on the button, as for any storage outage.
			if upd.CallbackQuery != nil {
				_ = f.sender.AnswerCallback(ctx, upd.CallbackQuery.ID, unavailableText, true)
			}
			return
		}
		if ok {
			h(ctx, ev)
		}
	}
}

// unavailableText answers a press whose stored payload cannot be read right now.
const unavailableText = "系统暂时无法读取这个按钮，请稍后再试。"

// Event converts a Telegram update to a ganwei.Event; ok is false for updates that are neither
// a message nor a button press.
func (f *Front) Event(ctx context.Context, upd *models.Update) (ev ganwei.Event, ok bool, err error) {
	ev.ID = upd.ID
	switch {
	case upd.Message != nil:
		msg := upd.Message
		if msg.From != nil {
			ev.From, ev.Name = msg.From.ID, fullName(msg.From)
			ev.Account = ganwei.TelegramAccount(msg.From.ID)
		}
		ev.ChatID = msg.Chat.ID
		ev.Private = msg.Chat.Type == models.ChatTypePrivate
		ev.Text = msg.Text
		return ev, true, nil
	case upd.CallbackQuery != nil:
		cq := upd.CallbackQuery
		ev.From, ev.Name = cq.From.ID, fullName(&cq.From)
		ev.Account = ganwei.TelegramAccount(cq.From.ID)
		ev.ChatID, ev.Private = cq.From.ID, true
		payload, err := f.payload(ctx, cq.Data)
		if err != nil {
			return ev, false, err
		}
		act := &ganwei.Action{ID: cq.ID, Payload: payload}
		if m := cq.Message.Message; m != nil {
			ev.ChatID = m.Chat.ID
			ev.Private = m.Chat.Type == "" || m.Chat.Type == models.ChatTypePrivate
			act.MessageID, act.MessageText = m.ID, m.Text
			if m.ReplyMarkup != nil {
				act.Buttons = f.buttons(ctx, m.ReplyMarkup.InlineKeyboard)
			}
		}
		ev.Action = act
		return ev, true, nil
	}
	return ev, false, nil
}

// buttons reads a message's inline keyboard back as a ganwei.Keyboard (references resolved when
// possible; one that cannot be stays a reference, which renders back unchanged).
func (f *Front) buttons(ctx context.Context, rows [][]models.InlineKeyboardButton) ganwei.Keyboard {
	kb := make(ganwei.Keyboard, 0, len(rows))
	for _, row := range rows {
		out := make([]ganwei.Button, 0, len(row))
		for _, b := range row {
			p, err := f.payload(ctx, b.CallbackData)
			if err != nil || p == "" {
				p = b.CallbackData
			}
			out = append(out, ganwei.Button{Label: b.Text, Action: p})
		}
		kb = append(kb, out)
	}
	return kb
}

func fullName(u *models.User) string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}
