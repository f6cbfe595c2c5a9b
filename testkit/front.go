// Package testkit is what tests of the feature layer share: a recording fake front end (Front),
// a fixed clock and the Shanghai time zone, so that handler tests need neither Telegram nor a
// copy of these helpers of their own.
package testkit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ganwei-bot/ganwei"
)

// Sent is one message a feature sent through the fake front end, as it stands now (edits
// applied).
type Sent struct {
	ID       int
	ChatID   int64
	Text     string
	Buttons  ganwei.Keyboard
	File     string // filename, for a document or photo
	Photo    bool
	Caption  string
	Edits    int // how many times it was replaced
	Document []byte
}

// Answer is one acknowledgement of a button press.
type Answer struct {
	ActionID string
	Text     string
	Alert    bool
}

// Front is a ganwei.Messenger that records everything, for tests of handlers and schedulers. It
// also makes Events (Say, Press) the way a front end would deliver them. The zero value is ready.
type Front struct {
	mu      sync.Mutex
	msgs    []*Sent
	answers []Answer
	menus   map[int64][]ganwei.MenuCommand
	nextAct int
	// FailSend, when set, is returned by Send for that chat (a blocked person, an outage).
	FailSend func(chatID int64) error
	// LinkBase makes InviteLink return LinkBase+code; empty gives no link.
	LinkBase string
	// People, when set, makes the fake behave as a Telegram front end for pushes: a send marked
	// ganwei.ToPerson is recorded under the person's Telegram account id (their private chat),
	// or under the person id when they have no Telegram account. Unset, the number is kept.
	People interface {
		PushTarget(ctx context.Context, personID int64) (*ganwei.User, string, error)
	}
}

// chat is where a send is recorded (see People).
func (f *Front) chat(ctx context.Context, chatID int64) int64 {
	if f.People == nil || !ganwei.IsToPerson(ctx) {
		return chatID
	}
	u, _, err := f.People.PushTarget(ctx, chatID)
	if err != nil {
		return chatID
	}
	if id, ok := u.AccountOn(ganwei.PlatformTelegram).TelegramID(); ok {
		return id
	}
	return chatID
}

var _ ganwei.Messenger = (*Front)(nil)

// Send implements ganwei.Messenger.
func (f *Front) Send(ctx context.Context, chatID int64, text string, kb ganwei.Keyboard) (int, error) {
	chatID = f.chat(ctx, chatID)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.FailSend != nil {
		if err := f.FailSend(chatID); err != nil {
			return 0, err
		}
	}
	m := &Sent{ID: len(f.msgs) + 1, ChatID: chatID, Text: text, Buttons: kb}
	f.msgs = append(f.msgs, m)
	return m.ID, nil
}

// Edit implements ganwei.Messenger.
func (f *Front) Edit(ctx context.Context, chatID int64, messageID int, text string, kb ganwei.Keyboard) error {
	chatID = f.chat(ctx, chatID)
	f.mu.Lock()
	defer f.mu.Unlock()
	if messageID < 1 || messageID > len(f.msgs) || f.msgs[messageID-1].ChatID != chatID {
		return ganwei.Errorf(ganwei.ENOTFOUND, "no message %d in chat %d", messageID, chatID)
	}
	m := f.msgs[messageID-1]
	m.Text, m.Buttons = text, kb
	m.Edits++
	return nil
}

// AnswerAction implements ganwei.Messenger.
func (f *Front) AnswerAction(_ context.Context, actionID, text string, alert bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, Answer{ActionID: actionID, Text: text, Alert: alert})
	return nil
}

// SendDocument implements ganwei.Messenger.
func (f *Front) SendDocument(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	chatID = f.chat(ctx, chatID)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, &Sent{ID: len(f.msgs) + 1, ChatID: chatID, File: filename, Document: data, Caption: caption})
	return nil
}

// SendPhoto implements ganwei.Messenger.
func (f *Front) SendPhoto(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	chatID = f.chat(ctx, chatID)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, &Sent{ID: len(f.msgs) + 1, ChatID: chatID, File: filename, Photo: true, Document: data, Caption: caption})
	return nil
}

// SetCommands implements ganwei.Messenger.
func (f *Front) SetCommands(ctx context.Context, chatID int64, cmds []ganwei.MenuCommand) error {
	chatID = f.chat(ctx, chatID)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.menus == nil {
		f.menus = map[int64][]ganwei.MenuCommand{}
	}
	f.menus[chatID] = slices.Clone(cmds)
	return nil
}

// InviteLink implements ganwei.Messenger.
func (f *Front) InviteLink(code string) string {
	if f.LinkBase == "" {
		return ""
	}
	return f.LinkBase + code
}

// Messages returns copies of the messages sent to chatID, oldest first.
func (f *Front) Messages(chatID int64) []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Sent
	for _, m := range f.msgs {
		if m.ChatID == chatID {
			out = append(out, *m)
		}
	}
	return out
}

// Last returns the newest message sent to chatID; ok is false when there is none.
func (f *Front) Last(chatID int64) (Sent, bool) {
	ms := f.Messages(chatID)
	if len(ms) == 0 {
		return Sent{}, false
	}
	return ms[len(ms)-1], true
}

// Answers returns the acknowledgements of button presses, oldest first.
func (f *Front) Answers() []Answer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.answers)
}

// Count is how many messages were sent, to any chat.
func (f *Front) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.msgs)
}

// Menu returns the command names last set for chatID (0: the default menu).
func (f *Front) Menu(chatID int64) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for _, c := range f.menus[chatID] {
		names = append(names, c.Name)
	}
	return names
}

// Say is the Event of person from typing text in their private chat.
func Say(from int64, text string) ganwei.Event {
	return ganwei.Event{From: from, Account: ganwei.TelegramAccount(from), Name: "测试", ChatID: from, Private: true, Text: text}
}

// Press is the Event of person from pressing the button labelled label on message m (as the
// front end would deliver it: the payload, the message's id, text and buttons). It fails when
// the message has no such button.
func (f *Front) Press(from int64, m Sent, label string) (ganwei.Event, error) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Label == label || strings.Contains(b.Label, label) {
				f.mu.Lock()
				f.nextAct++
				id := fmt.Sprintf("act-%d", f.nextAct)
				f.mu.Unlock()
				return ganwei.Event{From: from, Account: ganwei.TelegramAccount(from), Name: "测试", ChatID: m.ChatID, Private: true, Action: &ganwei.Action{
					ID: id, Payload: b.Action, MessageID: m.ID, MessageText: m.Text, Buttons: m.Buttons,
				}}, nil
			}
		}
	}
	return ganwei.Event{}, fmt.Errorf("message %d has no button %q (buttons: %v)", m.ID, label, m.Buttons)
}
