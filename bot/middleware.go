package bot

// The middleware every update passes: logging and metrics, recovery from panics, and the per-person rate limit.

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"
)

// updateKind names an update for logs and metrics.
func updateKind(u *models.Update) string {
	switch {
	case u.Message != nil && strings.HasPrefix(u.Message.Text, "/"):
		return "command"
	case u.Message != nil && u.Message.Text != "":
		return "text"
	case u.Message != nil:
		return "other_message"
	case u.CallbackQuery != nil:
		return "callback"
	}
	return "other"
}

// senderID is the person behind an update, 0 when there is none.
func senderID(u *models.Update) int64 {
	switch {
	case u.Message != nil && u.Message.From != nil:
		return u.Message.From.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

// chatID is where a reply to the update goes.
func chatID(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

type outcomeKey struct{}

// setOutcome lets inner middleware tell observe how the update ended.
func setOutcome(ctx context.Context, outcome string) {
	if p, ok := ctx.Value(outcomeKey{}).(*string); ok {
		*p = outcome
	}
}

// recover turns a panic into an apology for the person and a stack trace in the log.
func (b *Bot) recover(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		defer func() {
			if v := recover(); v != nil {
				setOutcome(ctx, "panic")
				b.logger.Error("handler panic", "update_id", upd.ID, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if id := chatID(upd); id != 0 {
					if _, err := b.sender.Send(ctx, id, panicText, nil); err != nil {
						b.logger.Warn("send apology", "err", err)
					}
				}
			}
		}()
		next(ctx, tb, upd)
	}
}

// What the middleware itself says to people: the only user-facing text outside handlers.
const (
	panicText       = "抱歉，处理您的消息时出了点问题，我们已经记录下来。请稍后再试。"
	rateLimitedText = "操作有点频繁，请稍等几秒再试。"
)

// observe logs one line per update (never its text) and records metrics. The handler duration
// leaves out the time spent waiting for the outgoing rate budget, which has its own histogram.
func (b *Bot) observe(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		start := time.Now()
		outcome := "ok"
		ctx = context.WithValue(ctx, outcomeKey{}, &outcome)
		ctx, paced := withPaceClock(ctx)
		defer func() {
			took := time.Since(start)
			waited := paced.total()
			kind := updateKind(upd)
			b.metrics.update(kind, outcome, took-waited)
			b.logger.Info("update", "update_id", upd.ID, "kind", kind, "user_id", senderID(upd),
				"outcome", outcome, "ms", took.Milliseconds(), "paced_ms", waited.Milliseconds())
		}()
		next(ctx, tb, upd)
	}
}

// rateLimit drops updates from someone sending faster than UserRate, telling them once. How
// fast they sent is judged by when Telegram received each message, not when it is handled: a
// backlog worked off after an outage or overload holds messages sent calmly that arrive here
// at once, and those were acknowledged to Telegram, so they must not be dropped.
func (b *Bot) rateLimit(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		id := senderID(upd)
		if id != 0 {
			allowed, warn := b.users.allow(id, sentAt(upd, time.Now()))
			if !allowed {
				setOutcome(ctx, "rate_limited")
				if warn {
					if upd.CallbackQuery != nil {
						_ = b.sender.AnswerCallback(ctx, upd.CallbackQuery.ID, rateLimitedText, false)
					} else if _, err := b.sender.Send(ctx, chatID(upd), rateLimitedText, nil); err != nil {
						b.logger.Warn("send rate-limit notice", "err", err)
					}
				}
				return
			}
		}
		next(ctx, tb, upd)
	}
}

// userLimiter keeps a token bucket per person and remembers whether they were already warned.
type userLimiter struct {
	rate  rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[int64]*userBucket
}

type userBucket struct {
	lim    *rate.Limiter
	warned bool
}

// sentAt is when Telegram received the update: the message's date (whole seconds), or now for
// a button press, which carries no date of its own.
func sentAt(u *models.Update, now time.Time) time.Time {
	if u.Message != nil && u.Message.Date > 0 {
		return time.Unix(int64(u.Message.Date), 0)
	}
	return now
}

func newUserLimiter(r float64, burst int) *userLimiter {
	return &userLimiter{rate: rate.Limit(r), burst: burst, buckets: map[int64]*userBucket{}}
}

// allow reports whether the person may send something sent at at, and whether this is the
// first refusal since they were last allowed (the moment to tell them). Workers handle a
// person's updates slightly out of order; the limiter then counts from the earlier time again,
// which errs on letting a few more through, never on dropping calm messages. A flood sent within
// one second carries one date and is still cut to the burst.
func (l *userLimiter) allow(id int64, at time.Time) (allowed, warn bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	bk, ok := l.buckets[id]
	if !ok {
		if len(l.buckets) >= maxTrackedChats {
			clear(l.buckets) // a forgotten bucket is a full one: nobody is wrongly refused
		}
		bk = &userBucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[id] = bk
	}
	if bk.lim.AllowN(at, 1) {
		bk.warned = false
		return true, false
	}
	warn = !bk.warned
	bk.warned = true
	return false, warn
}
