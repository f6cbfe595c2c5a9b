// Package bot wires Ganwei to Telegram through github.com/go-telegram/bot: intake by webhook or
// long polling into the durable inbox (an update is acknowledged to Telegram only once stored),
// a bounded pool of workers that take updates from the inbox (package inbox), the middleware
// chain every update passes (logging and metrics, recover, per-user rate limit), and the paced
// Sender that handlers and the schedulers share, with replies in a lane ahead of bulk pushes.
package bot

import (
	"context"
	"encoding/json"
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
	"github.com/ganwei-bot/ganwei/inbox"
)

// Defaults for Config fields left zero.
const (
	DefaultPollTimeout     = 30 * time.Second
	DefaultShutdownTimeout = 20 * time.Second
	DefaultUserRate        = 1.0                    // sustained updates per second from one person
	DefaultUserBurst       = 8                      // a quick flurry of button presses is normal
	DefaultWorkers         = inbox.DefaultWorkers   // handlers in flight per process
	DefaultInboxLimit      = inbox.DefaultLimit     // backlog at which the webhook starts answering 429
	DefaultClaimIdle       = inbox.DefaultClaimIdle // a crashed replica's updates go out within 15 s + 7.5 s
	DefaultHandlerTimeout  = inbox.DefaultHandlerTimeout
	// MaxWebhookBody is the largest webhook request accepted (413 above it). Telegram's updates
	// are a few kilobytes.
	MaxWebhookBody      = 1 << 20
	webhookSecretHeader = "X-Telegram-Bot-Api-Secret-Token"
)

// Config is how to reach Telegram and how to behave under load.
type Config struct {
	Token         string // bot token; never logged
	APIURL        string // Bot API server; empty for the official one
	WebhookURL    string // public URL Telegram posts updates to; empty for long polling
	WebhookSecret string // required with WebhookURL; checked on every webhook request

	PollTimeout time.Duration // long-poll timeout
	// ShutdownTimeout is the drain bound: how long handlers in hand may run after a stop signal.
	// Whatever is still running then is left pending in the inbox for a restart or another
	// replica, and Run returns nil.
	ShutdownTimeout time.Duration
	UserRate        float64 // updates/s one person may send
	UserBurst       int
	GlobalRate      float64 // outgoing messages/s overall (Telegram: 30); negative turns pacing off
	PerChatRate     float64 // outgoing messages/s per chat (Telegram: 1)
	PerChatBurst    int

	// Workers bounds the handlers in flight in this process (memory stays bounded at any backlog:
	// the backlog waits in Redis).
	Workers int
	// InboxLimit is the backlog (accepted, not yet handled, across replicas) at which the webhook
	// answers 429 so that Telegram resends later, and polling pauses.
	InboxLimit int
	// ClaimIdle is how long an entry a worker took may go without a sign of life before another
	// worker takes it over (the worker died). Live workers renew theirs every ClaimIdle/3.
	ClaimIdle time.Duration
	// Worker names this process in the inbox's consumer group; empty for host-pid-random.
	Worker string
	// HandlerTimeout bounds one update's handler (default 60 s); past it the handler is
	// cancelled and the update retried, at most MaxDeliveries times in all before it is moved to
	// the dead letters (see package inbox).
	HandlerTimeout time.Duration
	MaxDeliveries  int
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
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.InboxLimit <= 0 {
		c.InboxLimit = DefaultInboxLimit
	}
	if c.ClaimIdle <= 0 {
		c.ClaimIdle = DefaultClaimIdle
	}
	if c.Worker == "" {
		c.Worker = inbox.InstanceName()
	}
}

// UpdateHandler handles one update that passed the middleware.
type UpdateHandler func(ctx context.Context, upd *models.Update)

// Bot is a running Telegram bot. Updates arrive by webhook or long polling, are stored in the
// durable inbox before Telegram is told they arrived, and are handled by a bounded pool of
// workers that take them from the inbox (see intake.go and package inbox).
type Bot struct {
	cfg      Config
	client   *tgbot.Bot
	sender   *Sender
	metrics  *Metrics
	inbox    ganwei.Inbox
	pool     *inbox.Pool
	logger   *slog.Logger
	username string
	httpc    *http.Client // long polling

	handler   atomic.Pointer[UpdateHandler]
	chain     tgbot.HandlerFunc // the middleware around dispatch, built once
	users     *userLimiter
	ready     atomic.Bool
	accepting atomic.Bool   // intake open: false before Run and from the stop signal on
	started   chan struct{} // closed once Run takes updates
	closed    chan struct{} // closed once Run stopped taking updates after the stop signal
	handled   handledLog
}

// New connects to Telegram (getMe) and builds the bot. inbox is where accepted updates wait to be
// handled (each update_id counts once); metrics may be nil.
func New(ctx context.Context, cfg Config, store ganwei.Inbox, metrics *Metrics, logger *slog.Logger) (*Bot, error) {
	cfg.setDefaults()
	if cfg.WebhookURL != "" && cfg.WebhookSecret == "" {
		return nil, errors.New("webhook mode needs a secret: set GANWEI_WEBHOOK_SECRET")
	}
	if store == nil {
		return nil, errors.New("bot needs an inbox: updates are stored before they are acknowledged")
	}
	if logger == nil {
		logger = slog.Default()
	}
	b := &Bot{cfg: cfg, metrics: metrics, inbox: store, logger: logger,
		users: newUserLimiter(cfg.UserRate, cfg.UserBurst),
		httpc: &http.Client{Timeout: cfg.PollTimeout + 10*time.Second}, started: make(chan struct{}), closed: make(chan struct{})}
	b.chain = b.observe(b.recover(b.rateLimit(b.dispatch)))
	b.pool = inbox.New(store, inbox.Config{Worker: cfg.Worker, Workers: cfg.Workers, Limit: cfg.InboxLimit,
		ClaimIdle: cfg.ClaimIdle, HandlerTimeout: cfg.HandlerTimeout, MaxDeliveries: cfg.MaxDeliveries},
		metrics.Inbox(), logger)
	b.pool.Handle("", b.runUpdate)
	b.pool.OnDone(func(u ganwei.InboxUpdate) {
		if u.Source == "" {
			b.handled.add(u.ID)
		}
	})

	opts := []tgbot.Option{
		tgbot.WithHTTPClient(cfg.PollTimeout, &http.Client{Timeout: apiCallTimeout, Transport: apiTransport(cfg.Workers)}),
		tgbot.WithDefaultHandler(b.dispatch),
		tgbot.WithErrorsHandler(func(err error) {
			logger.Warn("telegram client", "err", redact(err.Error(), cfg.Token))
		}),
		tgbot.WithCheckInitTimeout(10 * time.Second),
	}
	if cfg.APIURL != "" {
		opts = append(opts, tgbot.WithServerURL(strings.TrimRight(cfg.APIURL, "/")))
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
	var local Limiter
	if cfg.GlobalRate > 0 || cfg.PerChatRate > 0 {
		local = NewMemoryLimiter(cfg.GlobalRate, cfg.PerChatRate, cfg.PerChatBurst)
	}
	b.sender = NewSender(client, local, metrics)
	return b, nil
}

// apiTransport keeps a connection per worker to the Bot API open: the default transport keeps
// two, so concurrent sends would dial (and leave in TIME_WAIT) a connection per message.
func apiTransport(workers int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = workers + 8
	t.MaxIdleConnsPerHost = workers + 8
	return t
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

// WaitStarted blocks until Run takes updates (webhook registered or polling begun) or ctx ends.
func (b *Bot) WaitStarted(ctx context.Context) error {
	select {
	case <-b.started:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// IntakeClosed is closed once Run, after the stop signal, no longer takes updates (the webhook
// answers 503) and waits for the handlers in hand.
func (b *Bot) IntakeClosed() <-chan struct{} { return b.closed }

// Pool is the bot's inbox workers. Another platform's front end running in the same process
// registers its handler on it (Pool().Handle(ganwei.SourceWeCom, …)) and stores what it
// receives with Pool().Accept: one inbox, one pool and one dedupe for every platform. Run starts
// and stops it.
func (b *Bot) Pool() *inbox.Pool { return b.pool }

// runUpdate decodes a stored Telegram update and runs it through the middleware and handlers.
func (b *Bot) runUpdate(ctx context.Context, u ganwei.InboxUpdate) {
	var upd models.Update
	if err := json.Unmarshal(u.Payload, &upd); err != nil {
		b.logger.Error("stored update does not decode; dropped", "update_id", u.ID, "bytes", len(u.Payload), "err", err)
		return
	}
	b.chain(ctx, b.client, &upd)
}

// SetHandler sets what handles updates that pass the middleware.
func (b *Bot) SetHandler(h UpdateHandler) { b.handler.Store(&h) }

func (b *Bot) dispatch(ctx context.Context, _ *tgbot.Bot, upd *models.Update) {
	if h := b.handler.Load(); h != nil {
		(*h)(ctx, upd)
	}
}

// Run takes updates until ctx is cancelled: long polling, or webhook mode when configured (the
// caller then serves WebhookHandler). Workers handle what the inbox holds, including what an
// earlier run or a dead replica left. On cancel, intake stops first; then handlers in hand get
// ShutdownTimeout to finish; what is still running after that is left pending in the inbox (and
// logged) for a restart or another replica. Run returns nil after a stop, whatever was left.
func (b *Bot) Run(ctx context.Context) error {
	if b.cfg.WebhookURL != "" {
		_, err := b.client.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL: b.cfg.WebhookURL, SecretToken: b.cfg.WebhookSecret,
			AllowedUpdates: allowedUpdates,
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil // stopped while starting: nothing was taken, nothing to finish
			}
			return fmt.Errorf("register webhook: %s", redact(err.Error(), b.cfg.Token))
		}
		b.logger.Info("webhook registered", "url", b.cfg.WebhookURL)
	} else {
		// A webhook left over from an earlier deployment makes getUpdates fail with 409.
		if _, err := b.client.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
			if ctx.Err() != nil {
				return nil // stopped while starting: nothing was taken, nothing to finish
			}
			return fmt.Errorf("delete webhook before polling: %s", redact(err.Error(), b.cfg.Token))
		}
	}
	b.pool.Start()
	b.accepting.Store(true)
	b.ready.Store(true)
	close(b.started)
	if b.cfg.WebhookURL == "" {
		b.logger.Info("long polling started", "bot", b.username, "worker", b.cfg.Worker)
		b.poll(ctx)
	} else {
		<-ctx.Done()
	}
	// Intake first: the webhook now answers 503 and polling has stopped, so nothing new is
	// acknowledged to Telegram while the workers drain.
	b.accepting.Store(false)
	b.ready.Store(false)
	b.pool.CloseIntake()
	close(b.closed)
	b.logger.Info("intake stopped; finishing updates in hand", "bound", b.cfg.ShutdownTimeout.String())
	b.pool.Stop(b.cfg.ShutdownTimeout)
	return nil
}

// allowedUpdates are the update types Ganwei handles.
var allowedUpdates = []string{"message", "callback_query"}

// ProcessUpdate stores upd in the inbox as if it had arrived from Telegram; a running bot's
// workers then handle it. Tests, benchmarks and the demo use it.
func (b *Bot) ProcessUpdate(ctx context.Context, upd *models.Update) error {
	payload, err := json.Marshal(upd)
	if err != nil {
		return fmt.Errorf("encode update %d: %w", upd.ID, err)
	}
	if _, err := b.inbox.AcceptUpdates(ctx, []ganwei.InboxUpdate{{ID: upd.ID, Payload: payload}}, 0); err != nil {
		return fmt.Errorf("accept update %d: %w", upd.ID, err)
	}
	return nil
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
