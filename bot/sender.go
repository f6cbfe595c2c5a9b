package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"
)

// Telegram's documented limits for a bot (https://core.telegram.org/bots/faq#broadcasting-to-users).
const (
	DefaultGlobalRate   = 30 // messages per second to all chats together, in any 1-second window
	DefaultPerChatRate  = 1  // messages per second to one chat, sustained
	DefaultPerChatBurst = 3  // a short burst (a reply split in parts) is within Telegram's allowance
	DefaultGroupPerMin  = 20 // messages per minute to one group
	MaxMessageLen       = 4096
	MaxCallbackData     = 64
)

// apiCallTimeout bounds one Bot API request, including uploads of exported files.
const apiCallTimeout = 60 * time.Second

// DefaultMaxFloodWait is how long one message waits on Telegram's flood control (429
// retry_after, however many times it comes) before it is given up.
const DefaultMaxFloodWait = 10 * time.Minute

// ErrBlocked means Telegram answered 403: the person blocked the bot or never started it. It is
// never retried; callers record it and tell HR.
var ErrBlocked = errors.New("telegram: recipient blocked the bot or never started it")

// ErrChatNotFound means Telegram answered 400 "chat not found": a wrong id, or someone who never
// opened the bot. Like ErrBlocked it is never retried; callers record it and tell HR.
var ErrChatNotFound = errors.New("telegram: chat not found")

// lane orders outgoing messages: replies to someone who just wrote go before bulk pushes.
type lane int

const (
	laneReply lane = iota
	laneBulk
)

func (l lane) String() string {
	if l == laneBulk {
		return "bulk"
	}
	return "reply"
}

type bulkKey struct{}

// WithBulk marks messages sent with the returned context as bulk: reminder steps, check-in
// prompts, digests. They use what the rate budget leaves after replies. The schedulers' loops run
// with such a context.
func WithBulk(ctx context.Context) context.Context { return context.WithValue(ctx, bulkKey{}, true) }

// IsBulk reports whether ctx was marked with WithBulk.
func IsBulk(ctx context.Context) bool { v, _ := ctx.Value(bulkKey{}).(bool); return v }

func laneOf(ctx context.Context) lane {
	if IsBulk(ctx) {
		return laneBulk
	}
	return laneReply
}

// paceClock adds up how long one update's messages waited for the rate budget, so that the
// handler duration can leave it out.
type paceClock struct{ ns atomic.Int64 }

type paceClockKey struct{}

func withPaceClock(ctx context.Context) (context.Context, *paceClock) {
	c := &paceClock{}
	return context.WithValue(ctx, paceClockKey{}, c), c
}

func (c *paceClock) total() time.Duration { return time.Duration(c.ns.Load()) }

func addPaceWait(ctx context.Context, d time.Duration) {
	if c, ok := ctx.Value(paceClockKey{}).(*paceClock); ok {
		c.ns.Add(int64(d))
	}
}

// Limiter paces outgoing messages. Wait returns when a message to chatID may be sent.
type Limiter interface {
	Wait(ctx context.Context, chatID int64) error
}

// SharedPacer is a rate budget several processes share. Reserve books the earliest slot for one
// message to chatID and returns how long until it (reserved: send then, without asking again),
// or books nothing and returns how long to wait before asking again (a bulk message whose slot
// would lie beyond the bulk horizon, or a chat that must rest first). The Sender does the
// waiting, with its own (injectable) Sleep: one call per message in the common case.
type SharedPacer interface {
	Reserve(ctx context.Context, chatID int64, bulk bool) (wait time.Duration, reserved bool, err error)
}

// interval returns the spacing that keeps perSecond messages (or fewer) in every 1-second window:
// whole milliseconds, rounded up. A burst on top of it would break the "any window" promise
// (30 at once plus 30 a second makes 59 in the first second), so the overall budget has none.
func interval(perSecond float64) time.Duration {
	return time.Duration(math.Ceil(1000/perSecond)) * time.Millisecond
}

// chatInterval is the spacing for one chat: perChat a second for people, DefaultGroupPerMin a
// minute for groups and channels (negative chat ids).
func chatInterval(chatID int64, perChat float64) time.Duration {
	if chatID < 0 {
		return time.Minute / DefaultGroupPerMin
	}
	return interval(perChat)
}

// chatBurst is how many messages one chat may get at once: burst for people, 1 for groups.
func chatBurst(chatID int64, burst int) int {
	if chatID < 0 {
		return 1
	}
	return max(1, burst)
}

// MemoryLimiter paces messages within one process: an overall spacing plus a token bucket per
// chat. It is the fallback when the shared pacer (Redis) cannot answer, and the pacer of a bot
// without one.
type MemoryLimiter struct {
	global  *rate.Limiter
	perChat float64
	burst   int

	mu    sync.Mutex
	chats map[int64]*rate.Limiter
}

// NewMemoryLimiter returns a limiter allowing global messages/s overall (never more in any
// 1-second window) and perChat messages/s (with burst) to one chat. Non-positive values mean
// "no limit".
func NewMemoryLimiter(global, perChat float64, burst int) *MemoryLimiter {
	g := rate.NewLimiter(rate.Inf, 0)
	if global > 0 {
		g = rate.NewLimiter(rate.Every(interval(global)), 1)
	}
	return &MemoryLimiter{global: g, perChat: perChat, burst: max(1, burst), chats: map[int64]*rate.Limiter{}}
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
		cl = rate.NewLimiter(rate.Inf, 0)
		if l.perChat > 0 {
			cl = rate.NewLimiter(rate.Every(chatInterval(chatID, l.perChat)), chatBurst(chatID, l.burst))
		}
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

	// Shared, when set, paces messages across every replica (redisstore.Pacer) and the local
	// limiter is not used. If it cannot answer, messages go out under the local limiter and
	// Telegram's 429 answers.
	Shared SharedPacer
	// OnSharedError hears why the shared limiter was skipped (for the log).
	OnSharedError func(err error)

	// MaxAttempts bounds retries after 5xx and network errors.
	MaxAttempts int
	// MaxFloodWait bounds the time one message waits on 429 retry_after in all; 429s within it
	// do not count as attempts. Past it the message is given up (the bot is then banned for
	// longer than a reply can sensibly wait).
	MaxFloodWait time.Duration
	// Backoff is the wait before retry n (1-based) after a 5xx or network error.
	Backoff func(n int) time.Duration
	// Sleep waits; tests replace it so that retry_after needs no real waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewSender returns a Sender on client, pacing with limiter (nil for none).
func NewSender(client *tgbot.Bot, limiter Limiter, metrics *Metrics) *Sender {
	return &Sender{
		client:       client,
		limiter:      limiter,
		metrics:      metrics,
		MaxAttempts:  5,
		MaxFloodWait: DefaultMaxFloodWait,
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
	var flooded time.Duration // waited on 429s so far; they do not use up attempts
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
			if flooded+wait > s.MaxFloodWait {
				return fmt.Errorf("%s: flood control for over %s: %w", method, s.MaxFloodWait, err)
			}
			if serr := s.Sleep(ctx, wait); serr != nil {
				return fmt.Errorf("%s: %w", method, serr)
			}
			// Telegram asked us to wait and then send: it will take the message, so a 429 is
			// not a failed attempt (all workers wake at the same retry_after and can hit the
			// limit again several times).
			flooded += wait
			attempt--
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

// pace waits for the message's slot: booked in the shared budget when there is one, else (or
// when Redis cannot answer) from the local limiter. Only a cancelled context stops a message.
func (s *Sender) pace(ctx context.Context, chatID int64) error {
	l := laneOf(ctx)
	start := time.Now()
	s.metrics.queue(l, 1)
	defer func() {
		waited := time.Since(start)
		s.metrics.queue(l, -1)
		s.metrics.paced(l, waited)
		addPaceWait(ctx, waited)
	}()
	for s.Shared != nil {
		wait, reserved, err := s.Shared.Reserve(ctx, chatID, l == laneBulk)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if s.OnSharedError != nil {
				s.OnSharedError(err)
			}
			break // fall back to the local limiter
		}
		if wait > 0 {
			if err := s.Sleep(ctx, wait); err != nil {
				return err
			}
		}
		if reserved {
			return nil
		}
	}
	if s.limiter != nil {
		return s.limiter.Wait(ctx, chatID)
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
