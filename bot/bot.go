// Package bot wires Ganwei to Telegram through github.com/go-telegram/bot: client options,
// the middleware chain every update passes (recover, logging and metrics, once-only delivery,
// per-user rate limit, in-flight tracking for graceful shutdown), long polling or webhook, and
// the paced Sender that handlers and the scheduler share.
package bot

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"

	"github.com/ganwei-bot/ganwei"
)

// Defaults for Config fields left zero.
const (
	DefaultPollTimeout     = 30 * time.Second
	DefaultShutdownTimeout = 20 * time.Second
	DefaultUserRate        = 1.0 // sustained updates per second from one person
	DefaultUserBurst       = 8   // a quick flurry of button presses is normal
	webhookSecretHeader    = "X-Telegram-Bot-Api-Secret-Token"
)

// Config is how to reach Telegram and how to behave under load.
type Config struct {
	Token         string // bot token; never logged
	APIURL        string // Bot API server; empty for the official one
	WebhookURL    string // public URL Telegram posts updates to; empty for long polling
	WebhookSecret string // required with WebhookURL; checked on every webhook request

	PollTimeout     time.Duration // long-poll timeout
	ShutdownTimeout time.Duration // how long in-flight handlers may run after a stop signal
	UserRate        float64       // updates/s one person may send
	UserBurst       int
	GlobalRate      float64 // outgoing messages/s overall (Telegram: 30)
	PerChatRate     float64 // outgoing messages/s per chat (Telegram: 1)
	PerChatBurst    int
}

func (c *Config) setDefaults() {
	if c.PollTimeout <= 0 {
		c.PollTimeout = DefaultPollTimeout
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.UserRate <= 0 {
		c.UserRate = DefaultUserRate
	}
	if c.UserBurst <= 0 {
		c.UserBurst = DefaultUserBurst
	}
	if c.GlobalRate == 0 {
		c.GlobalRate = DefaultGlobalRate
	}
	if c.PerChatRate == 0 {
		c.PerChatRate = DefaultPerChatRate
	}
	if c.PerChatBurst <= 0 {
		c.PerChatBurst = DefaultPerChatBurst
	}
}

// UpdateHandler handles one update that passed the middleware.
type UpdateHandler func(ctx context.Context, upd *models.Update)

// Bot is a running Telegram bot.
type Bot struct {
	cfg      Config
	client   *tgbot.Bot
	sender   *Sender
	metrics  *Metrics
	deduper  ganwei.UpdateDeduper
	logger   *slog.Logger
	username string

	handler atomic.Pointer[UpdateHandler]
	users   *userLimiter
	flight  tracker
	ready   atomic.Bool
	handled handledLog

	// handlerCtx outlives the polling context so that a stop signal lets in-flight handlers
	// finish their replies; it is cancelled when the shutdown timeout runs out.
	handlerCtx    context.Context
	cancelHandler context.CancelFunc
}

// New connects to Telegram (getMe) and builds the bot. deduper makes each update_id count once;
// metrics may be nil.
func New(ctx context.Context, cfg Config, deduper ganwei.UpdateDeduper, metrics *Metrics, logger *slog.Logger) (*Bot, error) {
	cfg.setDefaults()
	if cfg.WebhookURL != "" && cfg.WebhookSecret == "" {
		return nil, errors.New("webhook mode needs a secret: set GANWEI_WEBHOOK_SECRET")
	}
	if logger == nil {
		logger = slog.Default()
	}
	b := &Bot{cfg: cfg, metrics: metrics, deduper: deduper, logger: logger,
		users: newUserLimiter(cfg.UserRate, cfg.UserBurst)}
	b.handlerCtx, b.cancelHandler = context.WithCancel(context.WithoutCancel(ctx))

	opts := []tgbot.Option{
		tgbot.WithHTTPClient(cfg.PollTimeout, &http.Client{Timeout: cfg.PollTimeout + 10*time.Second}),
		tgbot.WithMiddlewares(b.track, b.observe, b.recover, b.dedupe, b.rateLimit),
		tgbot.WithDefaultHandler(b.dispatch),
		tgbot.WithErrorsHandler(func(err error) {
			logger.Warn("telegram client", "err", redact(err.Error(), cfg.Token))
		}),
		tgbot.WithCheckInitTimeout(10 * time.Second),
	}
	if cfg.APIURL != "" {
		opts = append(opts, tgbot.WithServerURL(strings.TrimRight(cfg.APIURL, "/")))
	}
	if cfg.WebhookSecret != "" {
		opts = append(opts, tgbot.WithWebhookSecretToken(cfg.WebhookSecret))
	}
	client, err := tgbot.New(cfg.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to telegram: %s", redact(err.Error(), cfg.Token))
	}
	b.client = client
	me, err := client.GetMe(ctx)
	if err != nil {
		return nil, fmt.Errorf("get bot identity: %s", redact(err.Error(), cfg.Token))
	}
	b.username = me.Username
	b.sender = NewSender(client, NewMemoryLimiter(cfg.GlobalRate, cfg.PerChatRate, cfg.PerChatBurst), metrics)
	return b, nil
}

// redact removes the token from text that may have come from a URL.
func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "***")
}

// Sender returns the paced sender shared by handlers and the scheduler.
func (b *Bot) Sender() *Sender { return b.sender }

// Username is the bot's @username without the @.
func (b *Bot) Username() string { return b.username }

// Ready reports whether the bot is taking updates.
func (b *Bot) Ready() bool { return b.ready.Load() }

// SetHandler sets what handles updates that pass the middleware.
func (b *Bot) SetHandler(h UpdateHandler) { b.handler.Store(&h) }

func (b *Bot) dispatch(ctx context.Context, _ *tgbot.Bot, upd *models.Update) {
	if h := b.handler.Load(); h != nil {
		(*h)(ctx, upd)
	}
}

// Run takes updates until ctx is cancelled: long polling, or webhook mode when configured (the
// caller then serves WebhookHandler). After ctx ends it waits up to ShutdownTimeout for
// in-flight handlers, then returns.
func (b *Bot) Run(ctx context.Context) error {
	if b.cfg.WebhookURL != "" {
		_, err := b.client.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL: b.cfg.WebhookURL, SecretToken: b.cfg.WebhookSecret,
			AllowedUpdates: []string{"message", "callback_query"},
		})
		if err != nil {
			return fmt.Errorf("register webhook: %s", redact(err.Error(), b.cfg.Token))
		}
		b.logger.Info("webhook registered", "url", b.cfg.WebhookURL)
		b.ready.Store(true)
		b.client.StartWebhook(ctx)
	} else {
		// A webhook left over from an earlier deployment makes getUpdates fail with 409.
		if _, err := b.client.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
			return fmt.Errorf("delete webhook before polling: %s", redact(err.Error(), b.cfg.Token))
		}
		b.ready.Store(true)
		b.logger.Info("long polling started", "bot", b.username)
		b.client.Start(ctx)
	}
	b.ready.Store(false)
	return b.drain()
}

// drain stops taking new updates and waits for in-flight handlers.
func (b *Bot) drain() error {
	defer b.cancelHandler()
	left := b.flight.close(b.cfg.ShutdownTimeout)
	if left > 0 {
		b.logger.Warn("shutdown timeout: handlers still running", "count", left)
		return fmt.Errorf("shutdown: %d handlers did not finish in %s", left, b.cfg.ShutdownTimeout)
	}
	b.logger.Info("all handlers finished")
	return nil
}

// WebhookHandler receives updates in webhook mode. A request without the configured secret
// header is answered 401 and dropped.
func (b *Bot) WebhookHandler() http.Handler {
	inner := b.client.WebhookHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get(webhookSecretHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(b.cfg.WebhookSecret)) != 1 {
			b.logger.Warn("webhook request rejected: wrong secret", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		inner(w, r)
	})
}

// ProcessUpdate runs one update through the middleware and handlers, as if it had arrived by
// polling. Tests and the demo use it.
func (b *Bot) ProcessUpdate(ctx context.Context, upd *models.Update) {
	b.client.ProcessUpdate(ctx, upd)
}

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

// track counts the update as in flight and moves it onto the handler context, which survives
// the stop signal. Updates arriving after shutdown began are left for Telegram to redeliver.
func (b *Bot) track(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(_ context.Context, tb *tgbot.Bot, upd *models.Update) {
		if !b.flight.enter() {
			return
		}
		defer b.flight.leave()
		defer b.handled.add(upd.ID)
		next(b.handlerCtx, tb, upd)
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

// observe logs one line per update (never its text) and records metrics.
func (b *Bot) observe(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		start := time.Now()
		outcome := "ok"
		ctx = context.WithValue(ctx, outcomeKey{}, &outcome)
		defer func() {
			took := time.Since(start)
			kind := updateKind(upd)
			b.metrics.update(kind, outcome, took)
			b.logger.Info("update", "update_id", upd.ID, "kind", kind, "user_id", senderID(upd),
				"outcome", outcome, "ms", took.Milliseconds())
		}()
		next(ctx, tb, upd)
	}
}

// dedupe handles each update_id once, across restarts and replicas. When Redis cannot answer,
// the update is handled anyway: a rare double answer beats a lost question.
func (b *Bot) dedupe(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		if b.deduper != nil {
			first, err := b.deduper.FirstSeen(ctx, upd.ID)
			if err != nil {
				b.logger.Warn("dedupe unavailable; handling update anyway", "update_id", upd.ID, "err", err)
			} else if !first {
				setOutcome(ctx, "duplicate")
				return
			}
		}
		next(ctx, tb, upd)
	}
}

// rateLimit drops updates from someone sending faster than UserRate, telling them once.
func (b *Bot) rateLimit(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		id := senderID(upd)
		if id != 0 {
			allowed, warn := b.users.allow(id)
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

func newUserLimiter(r float64, burst int) *userLimiter {
	return &userLimiter{rate: rate.Limit(r), burst: burst, buckets: map[int64]*userBucket{}}
}

// allow reports whether the person may send now, and whether this is the first refusal since
// they were last allowed (the moment to tell them).
func (l *userLimiter) allow(id int64) (allowed, warn bool) {
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
	if bk.lim.Allow() {
		bk.warned = false
		return true, false
	}
	warn = !bk.warned
	bk.warned = true
	return false, warn
}

// tracker counts in-flight handlers and, once closed, refuses new ones.
type tracker struct {
	mu      sync.Mutex
	n       int
	closed  bool
	changed chan struct{} // closed and replaced whenever n drops
}

func (t *tracker) enter() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.n++
	return true
}

func (t *tracker) leave() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.changed != nil {
		close(t.changed)
		t.changed = nil
	}
}

// close refuses new handlers and waits up to timeout for running ones; it returns how many are
// still running.
func (t *tracker) close(timeout time.Duration) int {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	t.mu.Lock()
	t.closed = true
	for t.n > 0 {
		ch := make(chan struct{})
		t.changed = ch
		t.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.mu.Lock()
			n := t.n
			t.mu.Unlock()
			return n
		}
		t.mu.Lock()
	}
	t.mu.Unlock()
	return 0
}

// WaitHandled blocks until the update with this id has passed through the bot (answered,
// dropped as a duplicate or rate limited) or ctx ends. The demo uses it to print a reply only
// once the handler is done.
func (b *Bot) WaitHandled(ctx context.Context, updateID int64) error {
	return b.handled.wait(ctx, updateID)
}

// handledLog remembers the most recent handled update ids.
type handledLog struct {
	mu      sync.Mutex
	ids     map[int64]bool
	order   []int64
	changed chan struct{}
}

const handledLogSize = 1024

func (l *handledLog) add(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ids == nil {
		l.ids = map[int64]bool{}
	}
	l.ids[id] = true
	l.order = append(l.order, id)
	if len(l.order) > handledLogSize {
		delete(l.ids, l.order[0])
		l.order = l.order[1:]
	}
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

func (l *handledLog) wait(ctx context.Context, id int64) error {
	for {
		l.mu.Lock()
		if l.ids[id] {
			l.mu.Unlock()
			return nil
		}
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
