package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"
)

// Telegram's documented limits for a bot (https://core.telegram.org/bots/faq#broadcasting-to-users).
const (
	DefaultGlobalRate   = 30 // messages per second to all chats together
	DefaultPerChatRate  = 1  // messages per second to one chat, sustained
	DefaultPerChatBurst = 3  // a short burst (a reply and its follow-up) is fine for Telegram
	MaxMessageLen       = 4096
	MaxCallbackData     = 64
)

// apiCallTimeout bounds one Bot API request, including uploads of exported files.
const apiCallTimeout = 60 * time.Second

// ErrBlocked means Telegram answered 403: the person blocked the bot or never started it. It is
// never retried; callers record it and tell HR.
var ErrBlocked = errors.New("telegram: recipient blocked the bot or never started it")

// ErrChatNotFound means Telegram answered 400 "chat not found": a wrong id, or someone who never
// opened the bot. Like ErrBlocked it is never retried; callers record it and tell HR.
var ErrChatNotFound = errors.New("telegram: chat not found")

// Limiter paces outgoing messages. Wait returns when a message to chatID may be sent.
type Limiter interface {
	Wait(ctx context.Context, chatID int64) error
}

// SharedPacer is a budget several processes share. Reserve takes one message to chatID from it
// and returns zero, or changes nothing and says how long to wait before asking again. The Sender
// does the waiting, with its own (injectable) Sleep.
type SharedPacer interface {
	Reserve(ctx context.Context, chatID int64) (wait time.Duration, err error)
}

// MemoryLimiter paces messages within one process: a global token bucket plus one per chat.
// Replicas each have their own; Telegram's 429 answers (which Sender honours) cover the rest.
type MemoryLimiter struct {
	global  *rate.Limiter
	perChat rate.Limit
	burst   int

	mu    sync.Mutex
	chats map[int64]*rate.Limiter
}

// NewMemoryLimiter returns a limiter allowing global messages/s overall and perChat messages/s
// (with burst) to one chat. Non-positive values mean "no limit".
func NewMemoryLimiter(global, perChat float64, burst int) *MemoryLimiter {
	g := rate.NewLimiter(rate.Inf, 0)
	if global > 0 {
		g = rate.NewLimiter(rate.Limit(global), max(1, int(global)))
	}
	pc := rate.Inf
	if perChat > 0 {
		pc = rate.Limit(perChat)
	}
	return &MemoryLimiter{global: g, perChat: pc, burst: max(1, burst), chats: map[int64]*rate.Limiter{}}
}

// maxTrackedChats bounds the per-chat map; an idle chat's bucket is full again, so forgetting it
// loses nothing.
const maxTrackedChats = 10000

// Wait blocks until both the chat's and the global bucket allow one message.
func (l *MemoryLimiter) Wait(ctx context.Context, chatID int64) error {
	l.mu.Lock()
	cl, ok := l.chats[chatID]
	if !ok {
		if len(l.chats) >= maxTrackedChats {
			clear(l.chats)
		}
		cl = rate.NewLimiter(l.perChat, l.burst)
		l.chats[chatID] = cl
	}
	l.mu.Unlock()
	if err := cl.Wait(ctx); err != nil {
		return err
	}
	return l.global.Wait(ctx)
}

// Sender sends messages through the Telegram client with pacing and retries. Handlers and the
// scheduler share one Sender so that they share one budget.
type Sender struct {
	client  *tgbot.Bot
	limiter Limiter
	metrics *Metrics

	// Shared, when set, paces messages across every replica (redisstore.Pacer). If it cannot
	// answer, messages still go out under the local limiter and Telegram's 429 answers.
	Shared SharedPacer
	// OnSharedError hears why the shared limiter was skipped (for the log).
	OnSharedError func(err error)

	// MaxAttempts bounds retries after 429, 5xx and network errors.
	MaxAttempts int
	// Backoff is the wait before retry n (1-based) after a 5xx or network error.
	Backoff func(n int) time.Duration
	// Sleep waits; tests replace it so that retry_after needs no real waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewSender returns a Sender on client, pacing with limiter (nil for none).
func NewSender(client *tgbot.Bot, limiter Limiter, metrics *Metrics) *Sender {
	return &Sender{
		client:      client,
		limiter:     limiter,
		metrics:     metrics,
		MaxAttempts: 5,
		Backoff: func(n int) time.Duration {
			return min(time.Duration(1<<(n-1))*200*time.Millisecond, 5*time.Second)
		},
		Sleep: SleepContext,
	}
}

// SleepContext waits d or until ctx ends: the Sender's default Sleep.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// do runs one API call with pacing and retries. paced is false for calls that do not post a
// message (answerCallbackQuery, setMyCommands), which Telegram does not count.
//
// A request already on its way is not cut off by ctx: cancelling it would leave unknown whether
// Telegram delivered the message (a stop signal would then cause a resend after restart). It runs
// to completion within apiCallTimeout instead; ctx only stops waiting and retrying.
func (s *Sender) do(ctx context.Context, method string, chatID int64, paced bool, call func(ctx context.Context) error) error {
	var err error
	for attempt := 1; attempt <= s.MaxAttempts; attempt++ {
		if paced {
			if err := s.pace(ctx, chatID); err != nil {
				return fmt.Errorf("%s: wait for rate limit: %w", method, err)
			}
		}
		callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), apiCallTimeout)
		err = call(callCtx)
		cancel()
		if err == nil {
			return nil
		}
		code := errorCode(err)
		s.metrics.apiError(method, code)
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("%s: %w", method, ctx.Err())
		case errors.Is(err, tgbot.ErrorForbidden):
			return fmt.Errorf("%s to chat %d: %w", method, chatID, ErrBlocked)
		case code == 400 && strings.Contains(err.Error(), "chat not found"):
			return fmt.Errorf("%s to chat %d: %w", method, chatID, ErrChatNotFound)
		case errors.As(err, &tooMany):
			wait := time.Duration(max(1, tooMany.RetryAfter)) * time.Second
			if serr := s.Sleep(ctx, wait); serr != nil {
				return fmt.Errorf("%s: %w", method, serr)
			}
		case code >= 400 && code < 500:
			return fmt.Errorf("%s: %w", method, err) // our request is wrong: retrying will not help
		default: // 5xx or network
			if attempt < s.MaxAttempts {
				if serr := s.Sleep(ctx, s.Backoff(attempt)); serr != nil {
					return fmt.Errorf("%s: %w", method, serr)
				}
			}
		}
	}
	return fmt.Errorf("%s: gave up after %d attempts: %w", method, s.MaxAttempts, err)
}

// pace waits for the local budget, then the shared one. Only a cancelled context stops a message.
func (s *Sender) pace(ctx context.Context, chatID int64) error {
	if s.limiter != nil {
		if err := s.limiter.Wait(ctx, chatID); err != nil {
			return err
		}
	}
	for s.Shared != nil {
		wait, err := s.Shared.Reserve(ctx, chatID)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if s.OnSharedError != nil {
				s.OnSharedError(err)
			}
			break
		}
		if wait <= 0 {
			break
		}
		if err := s.Sleep(ctx, min(wait, time.Second)); err != nil {
			return err
		}
	}
	return nil
}

var codeInError = regexp.MustCompile(`error response from telegram for method \w+, (\d{3}) `)

// errorCode recovers the HTTP-like error code Telegram answered, 0 for network errors.
func errorCode(err error) int {
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case errors.As(err, &tooMany):
		return 429
	case errors.Is(err, tgbot.ErrorForbidden):
		return 403
	case errors.Is(err, tgbot.ErrorBadRequest):
		return 400
	case errors.Is(err, tgbot.ErrorUnauthorized):
		return 401
	case errors.Is(err, tgbot.ErrorNotFound):
		return 404
	case errors.Is(err, tgbot.ErrorConflict):
		return 409
	}
	if m := codeInError.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// Send sends text to chatID, split into several messages when longer than Telegram allows; the
// keyboard goes with the last part. It returns the id of the last message.
func (s *Sender) Send(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup) (int, error) {
	parts := SplitText(text, MaxMessageLen)
	var id int
	for i, part := range parts {
		params := &tgbot.SendMessageParams{ChatID: chatID, Text: part}
		if i == len(parts)-1 && kb != nil {
			params.ReplyMarkup = kb
		}
		err := s.do(ctx, "sendMessage", chatID, true, func(ctx context.Context) error {
			msg, err := s.client.SendMessage(ctx, params)
			if err == nil {
				id = msg.ID
			}
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return id, nil
}

// Edit replaces the text and keyboard of a message the bot sent. Telegram's "message is not
// modified" answer (pressing the same button twice) counts as success.
func (s *Sender) Edit(ctx context.Context, chatID int64, messageID int, text string, kb *models.InlineKeyboardMarkup) error {
	parts := SplitText(text, MaxMessageLen)
	params := &tgbot.EditMessageTextParams{ChatID: chatID, MessageID: messageID, Text: parts[0]}
	if kb != nil {
		params.ReplyMarkup = kb
	}
	err := s.do(ctx, "editMessageText", chatID, true, func(ctx context.Context) error {
		_, err := s.client.EditMessageText(ctx, params)
		return err
	})
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil
	}
	return err
}

// AnswerCallback stops the button's loading spinner, optionally with a short notice.
func (s *Sender) AnswerCallback(ctx context.Context, callbackID, text string, alert bool) error {
	return s.do(ctx, "answerCallbackQuery", 0, false, func(ctx context.Context) error {
		_, err := s.client.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{
			CallbackQueryID: callbackID, Text: text, ShowAlert: alert,
		})
		return err
	})
}

// SendDocument sends a file.
func (s *Sender) SendDocument(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	return s.do(ctx, "sendDocument", chatID, true, func(ctx context.Context) error {
		_, err := s.client.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID:   chatID,
			Document: &models.InputFileUpload{Filename: filename, Data: bytes.NewReader(data)},
			Caption:  caption,
		})
		return err
	})
}

// SendPhoto sends a picture.
func (s *Sender) SendPhoto(ctx context.Context, chatID int64, filename string, data []byte, caption string) error {
	return s.do(ctx, "sendPhoto", chatID, true, func(ctx context.Context) error {
		_, err := s.client.SendPhoto(ctx, &tgbot.SendPhotoParams{
			ChatID:  chatID,
			Photo:   &models.InputFileUpload{Filename: filename, Data: bytes.NewReader(data)},
			Caption: caption,
		})
		return err
	})
}

// SetCommands sets the command menu: for everyone when chatID is 0, else for that chat only.
func (s *Sender) SetCommands(ctx context.Context, chatID int64, cmds []models.BotCommand) error {
	params := &tgbot.SetMyCommandsParams{Commands: cmds}
	if chatID != 0 {
		params.Scope = &models.BotCommandScopeChat{ChatID: chatID}
	} else {
		params.Scope = &models.BotCommandScopeDefault{}
	}
	return s.do(ctx, "setMyCommands", chatID, false, func(ctx context.Context) error {
		_, err := s.client.SetMyCommands(ctx, params)
		return err
	})
}

// SplitText cuts text into parts of at most limit UTF-16 code units (Telegram's measure),
// preferring to cut at a blank line, then a line end, then a Chinese or Western sentence end.
func SplitText(text string, limit int) []string {
	if utf16Len(text) <= limit {
		return []string{text}
	}
	var parts []string
	rest := []rune(text)
	for len(rest) > 0 {
		if utf16Len(string(rest)) <= limit {
			parts = append(parts, string(rest))
			break
		}
		// Find the longest prefix within the limit.
		n, units := 0, 0
		for n < len(rest) {
			u := len(utf16.Encode([]rune{rest[n]}))
			if units+u > limit {
				break
			}
			units += u
			n++
		}
		cut := n
		window := string(rest[:n])
		for _, sep := range []string{"\n\n", "\n", "。", "！", "？", "；", ". "} {
			if i := strings.LastIndex(window, sep); i > 0 && i > len(window)/2 {
				cut = len([]rune(window[:i+len(sep)]))
				break
			}
		}
		parts = append(parts, strings.TrimRight(string(rest[:cut]), "\n"))
		rest = []rune(strings.TrimLeft(string(rest[cut:]), "\n"))
	}
	return parts
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
