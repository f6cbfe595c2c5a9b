package telegramtest_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei/telegramtest"
)

// testTimeout bounds every wait so a broken handler fails the test instead
// of hanging it; nothing waits for this long when things work.
const testTimeout = 10 * time.Second

// newBot starts a stand-in and a real client talking to it. With a handler
// the client also polls for updates until the test ends.
func newBot(t *testing.T, h tgbot.HandlerFunc) (*telegramtest.Server, *tgbot.Bot, context.Context) {
	t.Helper()
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	opts := []tgbot.Option{tgbot.WithServerURL(srv.URL())}
	if h != nil {
		opts = append(opts, tgbot.WithDefaultHandler(h))
	}
	b, err := tgbot.New(srv.Token(), opts...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	if h != nil {
		done := make(chan struct{})
		go func() { b.Start(ctx); close(done) }()
		// Cleanups run last-in first-out: stop polling before srv.Close.
		t.Cleanup(func() { cancel(); <-done })
	} else {
		t.Cleanup(cancel)
	}
	return srv, b, ctx
}

func TestGetMe(t *testing.T) {
	_, b, ctx := newBot(t, nil)
	me, err := b.GetMe(ctx)
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	if got, want := me.Username, telegramtest.DefaultBotUsername; got != want {
		t.Errorf("username = %q, want %q", got, want)
	}
	if !me.IsBot {
		t.Errorf("IsBot = false, want true")
	}
}

func TestWrongTokenIsUnauthorized(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	_, err := tgbot.New("1:wrong", tgbot.WithServerURL(srv.URL()))
	if !errors.Is(err, tgbot.ErrorUnauthorized) {
		t.Fatalf("bot.New with wrong token: err = %v, want ErrorUnauthorized", err)
	}
}

func TestPollingReplyWithKeyboardAndEdit(t *testing.T) {
	// The handler runs in the client's goroutine and may still be reading
	// its response after the server recorded the effect, so it reports its
	// outcome here and the test waits for it before ending.
	handled := make(chan error, 2)
	h := func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
		switch {
		case u.Message != nil:
			_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{
				ChatID:    u.Message.Chat.ID,
				Text:      "你好，" + u.Message.From.FirstName,
				ParseMode: models.ParseModeHTML,
				ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
					{{Text: "是", CallbackData: "yes"}, {Text: "否", CallbackData: "no"}},
					{{Text: "政策", URL: "https://example.org"}},
				}},
			})
			handled <- err
		case u.CallbackQuery != nil:
			msg := u.CallbackQuery.Message.Message
			b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID})
			_, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{
				ChatID: msg.Chat.ID, MessageID: msg.ID, Text: "已选：" + u.CallbackQuery.Data,
			})
			handled <- err
		}
	}
	srv, _, ctx := newBot(t, h)
	srv.SetUser(models.User{ID: 42, FirstName: "李明", Username: "liming"})

	srv.SendText(42, "/start")
	if err := <-handled; err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	msgs, err := srv.WaitMessages(ctx, 42, 1)
	if err != nil {
		t.Fatalf("WaitMessages: %v", err)
	}
	m := msgs[0]
	if m.Text != "你好，李明" || m.ParseMode != "HTML" {
		t.Errorf("message = %q (%s), want 你好，李明 (HTML)", m.Text, m.ParseMode)
	}
	want := [][]telegramtest.Button{
		{{Text: "是", CallbackData: "yes"}, {Text: "否", CallbackData: "no"}},
		{{Text: "政策", URL: "https://example.org"}},
	}
	if len(m.Buttons) != 2 || len(m.Buttons[0]) != 2 || m.Buttons[0][1] != want[0][1] || m.Buttons[1][0] != want[1][0] {
		t.Errorf("buttons = %+v, want %+v", m.Buttons, want)
	}
	// The user's /start took message id 1 in the chat, the reply id 2.
	if m.ID != 2 {
		t.Errorf("reply message id = %d, want 2", m.ID)
	}

	srv.PressButton(42, m.ID, "yes")
	if err := <-handled; err != nil {
		t.Fatalf("EditMessageText: %v", err)
	}
	err = srv.WaitUntil(ctx, func() bool {
		last, _ := srv.LastMessageTo(42)
		return last.Edits == 1
	})
	if err != nil {
		t.Fatalf("waiting for the edit: %v", err)
	}
	last, _ := srv.LastMessageTo(42)
	if last.Text != "已选：yes" || last.Buttons != nil {
		t.Errorf("edited message = %q buttons %v, want 已选：yes without buttons", last.Text, last.Buttons)
	}
	if _, err := srv.WaitForCall(ctx, "answerCallbackQuery", 1); err != nil {
		t.Errorf("answerCallbackQuery not called: %v", err)
	}
}

func TestDuplicateUpdateDeliveredTwice(t *testing.T) {
	var seen atomic.Int64
	h := func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
		seen.Add(1)
		b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "ok"})
	}
	srv, _, ctx := newBot(t, h)
	id := srv.SendText(7, "hello")
	upd := srv.Pending()[0]
	// Wait until the first copy is handled, so the second arrives after
	// the client has advanced its offset past id.
	if _, err := srv.WaitMessages(ctx, 7, 1); err != nil {
		t.Fatal(err)
	}
	if got := srv.Inject(upd); got != id {
		t.Fatalf("Inject kept id %d, want %d", got, id)
	}
	if _, err := srv.WaitMessages(ctx, 7, 2); err != nil {
		t.Fatalf("duplicate not delivered: %v", err)
	}
	if got := seen.Load(); got != 2 {
		t.Errorf("handler saw %d updates, want 2", got)
	}
}

func TestSendDocumentRecordsMultipart(t *testing.T) {
	srv, b, ctx := newBot(t, nil)
	content := []byte("第一条\n第二条\n")
	msg, err := b.SendDocument(ctx, &tgbot.SendDocumentParams{
		ChatID:   5,
		Document: &models.InputFileUpload{Filename: "report.csv", Data: bytes.NewReader(content)},
		Caption:  "月报",
	})
	if err != nil {
		t.Fatalf("SendDocument: %v", err)
	}
	if msg.Document == nil || msg.Document.FileName != "report.csv" || msg.Document.FileSize != int64(len(content)) {
		t.Errorf("result document = %+v, want report.csv of %d bytes", msg.Document, len(content))
	}
	calls := srv.Calls("sendDocument")
	if len(calls) != 1 || len(calls[0].Files) != 1 {
		t.Fatalf("calls = %+v, want one with one file", calls)
	}
	f := calls[0].Files[0]
	if f.Field != "document" || f.Name != "report.csv" || f.Size != len(content) || !bytes.Equal(f.Data, content) {
		t.Errorf("file = %s %q %d bytes, want document report.csv %d bytes", f.Field, f.Name, f.Size, len(content))
	}
	if got := calls[0].Params["caption"]; got != "月报" {
		t.Errorf("caption param = %q, want 月报", got)
	}
	last, _ := srv.LastMessageTo(5)
	if last.File == nil || last.Text != "月报" {
		t.Errorf("stored message = %+v, want the file with its caption", last)
	}
}

func TestFaultsMapToClientErrors(t *testing.T) {
	srv, b, ctx := newBot(t, nil)
	send := func(chat int64) error {
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "x"})
		return err
	}

	srv.FailNext("sendMessage", 1, telegramtest.TooManyRequests(7))
	err := send(1)
	var tooMany *tgbot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
		t.Errorf("after 429: err = %v, want *TooManyRequestsError with RetryAfter 7", err)
	}

	srv.FailNext("sendMessage", 1, telegramtest.InternalError)
	if err := send(1); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("after 500: err = %v, want an error mentioning 500", err)
	}

	srv.FailNext("sendMessage", 1, telegramtest.BadRequest)
	if err := send(1); !errors.Is(err, tgbot.ErrorBadRequest) {
		t.Errorf("after 400: err = %v, want ErrorBadRequest", err)
	}

	if err := send(1); err != nil {
		t.Errorf("faults should be used up: %v", err)
	}

	srv.FailChat(9, telegramtest.Forbidden)
	for range 2 {
		if err := send(9); !errors.Is(err, tgbot.ErrorForbidden) {
			t.Errorf("blocked chat: err = %v, want ErrorForbidden", err)
		}
	}
	if err := send(1); err != nil {
		t.Errorf("other chat affected by FailChat: %v", err)
	}
	srv.HealChat(9)
	if err := send(9); err != nil {
		t.Errorf("after HealChat: %v", err)
	}

	if got := len(srv.MessagesTo(1)); got != 2 {
		t.Errorf("stored messages to chat 1 = %d, want 2 (failed sends are not stored)", got)
	}
	calls := srv.Calls("sendMessage")
	if len(calls) != 8 || calls[0].Error == nil || calls[0].Error.Code != http.StatusTooManyRequests {
		t.Errorf("recorded %d calls, first error %v; want 8 calls, first a 429", len(calls), calls[0].Error)
	}
}

func TestUnknownMethodIsNotFound(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	resp, err := http.Post(srv.URL()+"/bot"+srv.Token()+"/sendTelepathy", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body.String(), `"description":"Not Found"`) {
		t.Errorf("status %d body %s, want 404 Not Found", resp.StatusCode, body.String())
	}
}

func TestCommandsPerScope(t *testing.T) {
	srv, b, ctx := newBot(t, nil)
	everyone := []models.BotCommand{{Command: "start", Description: "开始"}, {Command: "help", Description: "帮助"}}
	hr := append(everyone, models.BotCommand{Command: "invite", Description: "邀请"})
	if _, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: everyone}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: hr, Scope: &models.BotCommandScopeChat{ChatID: 77}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands(telegramtest.ScopeDefault); len(got) != 2 {
		t.Errorf("default commands = %v, want 2", got)
	}
	if got := srv.Commands(telegramtest.ScopeChat(77)); len(got) != 3 || got[2].Command != "invite" {
		t.Errorf("chat 77 commands = %v, want 3 ending with invite", got)
	}
	if _, err := b.DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{Scope: &models.BotCommandScopeChat{ChatID: 77}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.CommandScopes(); len(got) != 1 || got[0] != telegramtest.ScopeDefault {
		t.Errorf("scopes after delete = %v, want [default]", got)
	}
	_, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Start", Description: "x"}}})
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		t.Errorf("upper-case command: err = %v, want ErrorBadRequest", err)
	}
}

func TestWebhook(t *testing.T) {
	srv, b, ctx := newBot(t, nil)
	ok, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: "https://bot.example/hook", SecretToken: "s3cret"})
	if err != nil || !ok {
		t.Fatalf("SetWebhook = %v, %v", ok, err)
	}
	if got := srv.Webhook(); got.URL != "https://bot.example/hook" || got.SecretToken != "s3cret" {
		t.Errorf("webhook = %+v", got)
	}
	info, err := b.GetWebhookInfo(ctx)
	if err != nil || info.URL != "https://bot.example/hook" {
		t.Errorf("GetWebhookInfo = %+v, %v", info, err)
	}

	var gotSecret atomic.Value
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotSecret.Store(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer hook.Close()
	upd := models.Update{Message: &models.Message{ID: 1, Date: 1, Chat: models.Chat{ID: 1, Type: "private"}, Text: "hi"}}
	if code, err := srv.DeliverWebhook(ctx, hook.URL, "s3cret", upd); err != nil || code != http.StatusOK {
		t.Errorf("with secret: %d, %v; want 200", code, err)
	}
	if code, err := srv.DeliverWebhook(ctx, hook.URL, "", upd); err != nil || code != http.StatusUnauthorized {
		t.Errorf("without secret: %d, %v; want 401", code, err)
	}

	if _, err := b.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Webhook(); got.URL != "" {
		t.Errorf("webhook after delete = %+v, want none", got)
	}
}

func TestCommandEntitiesUseUTF16Offsets(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	srv.SendText(1, "请 /help")
	m := srv.Pending()[0].Message
	if len(m.Entities) != 1 || m.Entities[0].Offset != 2 || m.Entities[0].Length != 5 {
		t.Errorf("entities = %+v, want one bot_command at UTF-16 offset 2, length 5", m.Entities)
	}
}

func TestWaitEndsOnContextAndClose(t *testing.T) {
	srv := telegramtest.New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := srv.WaitMessages(ctx, 1, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitMessages with cancelled ctx = %v, want context.Canceled", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := srv.WaitForCall(context.Background(), "sendMessage", 1)
		done <- err
	}()
	srv.Close()
	if err := <-done; !errors.Is(err, telegramtest.ErrClosed) {
		t.Errorf("WaitForCall after Close = %v, want ErrClosed", err)
	}
}

func TestEditErrors(t *testing.T) {
	srv, b, ctx := newBot(t, nil)
	m, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 3, Text: "a"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: 3, MessageID: m.ID, Text: "a"})
	if !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "not modified") {
		t.Errorf("no-op edit: err = %v, want message is not modified", err)
	}
	_, err = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: 3, MessageID: 999, Text: "b"})
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		t.Errorf("edit of unknown message: err = %v, want ErrorBadRequest", err)
	}
	if ok, err := b.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: 3, MessageID: m.ID}); err != nil || !ok {
		t.Errorf("DeleteMessage = %v, %v", ok, err)
	}
	if got := srv.MessagesTo(3); len(got) != 0 {
		t.Errorf("messages after delete = %v, want none", got)
	}
}

func TestConcurrentSendsGetDistinctIncreasingIDs(t *testing.T) {
	srv, b, ctx := newBot(t, nil)
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 11, Text: strings.Repeat("x", i+1)})
			errs <- err
		}()
	}
	msgs, err := srv.WaitMessages(ctx, 11, n)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("SendMessage: %v", err)
		}
	}
	for i, m := range msgs {
		if m.ID != i+1 {
			t.Errorf("message %d has id %d, want %d", i, m.ID, i+1)
		}
	}
}

func TestSendPhotoByUploadAndByID(t *testing.T) {
	srv, b, ctx := newBot(t, nil)
	if _, err := b.SendPhoto(ctx, &tgbot.SendPhotoParams{
		ChatID: 4, Photo: &models.InputFileUpload{Filename: "a.png", Data: bytes.NewReader([]byte{1, 2, 3})},
	}); err != nil {
		t.Fatalf("SendPhoto upload: %v", err)
	}
	m, err := b.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: 4, Photo: &models.InputFileString{Data: "AgACfileid"}, Caption: "图"})
	if err != nil {
		t.Fatalf("SendPhoto by id: %v", err)
	}
	if len(m.Photo) != 1 || m.Photo[0].FileID != "AgACfileid" || m.Caption != "图" {
		t.Errorf("result = %+v, want the photo by id with its caption", m)
	}
	got := srv.MessagesTo(4)
	if len(got) != 2 || got[0].File == nil || got[0].File.Size != 3 || got[1].FileRef != "AgACfileid" {
		t.Errorf("stored = %+v", got)
	}
}
