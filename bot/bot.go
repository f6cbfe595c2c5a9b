// Package bot wires Ganwei to Telegram through github.com/go-telegram/bot: intake by webhook or
// long polling into the durable inbox (an update is acknowledged to Telegram only once stored),
// a bounded pool of workers that take updates from the inbox (package inbox), the middleware
// chain every update passes (logging and metrics, recover, per-user rate limit), and the paced
// Sender that handlers and the schedulers share, with replies in a lane ahead of bulk pushes.
package bot

// Construction and configuration: Config and its defaults, New, and what a Bot reports about itself.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/inbox"
)

// Defaults for Config fields left zero.
const (
	DefaultPollTimeout     = 30 * time.Second
	DefaultShutdownTimeout = 20 * time.Second
	DefaultUserRate        = 1.0 // sustained updates per second from one person
	DefaultUserBurst       = 8   // a quick flurry of button presses is normal
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
	// the backlog waits in Redis). This and the next three fields left zero get package inbox's
	// defaults (inbox.DefaultWorkers, DefaultLimit, DefaultClaimIdle, InstanceName).
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
	// Workers, InboxLimit, ClaimIdle and Worker are the inbox's: New takes them from the pool
	// (package inbox decides their defaults, once).
}

// UpdateHandler handles one update that passed the middleware.
type UpdateHandler func(ctx context.Context, upd *models.Update)

// Bot is a running Telegram bot. Updates arrive by webhook or long polling, are stored in the
// durable inbox before Telegram is told they arrived, and are handled by a bounded pool of
// workers that take them from the inbox (see webhook.go, polling.go and package inbox).
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
	pc := b.pool.Config()
	b.cfg.Worker, b.cfg.Workers, b.cfg.InboxLimit, b.cfg.ClaimIdle = pc.Worker, pc.Workers, pc.Limit, pc.ClaimIdle
	cfg = b.cfg
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
