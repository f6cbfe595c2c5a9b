package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/channels"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/handlers"
	"github.com/ganwei-bot/ganwei/inbox"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/knowledge/sequence"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/weblink"
	"github.com/ganwei-bot/ganwei/wecom"
	"github.com/ganwei-bot/ganwei/workdays"
)

// httpReadTimeout bounds reading a whole request, headers and body. The listener serves the
// 企业微信 callback, which must be reachable from the internet, next to the console: a client
// trickling a request byte by byte must not hold a connection for ever. A minute leaves room
// for an Excel upload over a slow office line.
var httpReadTimeout = time.Minute

// app is the running bot: its store, Telegram side, handlers and HTTP endpoints. serve and demo
// build the same app; only where Telegram and Redis are differs.
type app struct {
	cfg      *Config
	logger   *slog.Logger
	store    *redisstore.Store
	bot      *bot.Bot
	handlers *handlers.Handlers
	metrics  *bot.Metrics
	answerer *knowledge.Answerer

	reminders *reminders.Service // the 四项清单 scheduler; runs alongside the bot
	checkins  *checkin.Scheduler // weekly check-in prompts and reminders
	wecom     *wecom.Callback    // the 企业微信 channel; nil when not configured
	// pool runs the inbox workers when no Telegram bot does (企业微信 only); drain is its
	// drain bound. With a bot, the bot's pool serves both channels.
	pool  *inbox.Pool
	drain time.Duration

	links   *weblink.Service // sign-in links and sessions of the web console
	console http.Handler     // the HR web console, under /console/
	editor  *curation.Editor // the curators' versioned knowledge edits; nil without an answerer
}

// openStore connects to REDIS_URL, or starts an embedded in-memory Redis when embedded is true
// and no URL is set. It fails early when Redis does not answer.
func openStore(ctx context.Context, cfg *Config, embedded bool, logger *slog.Logger) (*redisstore.Store, func(), error) {
	url := cfg.RedisURL
	stop := func() {}
	if url == "" {
		if !embedded {
			return nil, nil, &configError{"REDIS_URL", "not set. Set it (redis://host:6379/0), or start with --embedded-redis to keep data in memory only (lost on exit)"}
		}
		addr, stopEmbedded, err := startEmbeddedRedis()
		if err != nil {
			return nil, nil, err
		}
		url, stop = "redis://"+addr, stopEmbedded
		logger.Warn("using embedded in-memory Redis: all data is lost when the process exits")
	}
	client, err := redisstore.NewClientWith(url, redisstore.ClientOptions{DialTimeout: cfg.RedisDialTimeout, Timeout: cfg.RedisTimeout})
	if err != nil {
		stop()
		return nil, nil, &configError{"REDIS_URL", err.Error()}
	}
	store := redisstore.New(client, cfg.RedisPrefix)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := store.Ping(pingCtx); err != nil {
		_ = store.Close()
		stop()
		return nil, nil, fmt.Errorf("connect to Redis: %w", err)
	}
	// A Redis written by an earlier version is brought to this one's layout first (idempotent,
	// once across replicas, logged; see redisstore.Migrate).
	if err := store.Migrate(ctx, logger); err != nil {
		_ = store.Close()
		stop()
		return nil, nil, fmt.Errorf("migrate Redis layout: %w", err)
	}
	// The operators of GANWEI_ADMIN_IDS are people too (by their Telegram accounts), so that
	// their alerts, menus and dialogs are addressed like everyone's.
	if err := ensureAdmins(ctx, store, cfg.AdminIDs, logger); err != nil {
		_ = store.Close()
		stop()
		return nil, nil, err
	}
	return store, func() { _ = store.Close(); stop() }, nil
}

// newApp connects to Telegram (when botCfg has a token) and 企业微信 (when cfg.WeCom is set) and
// wires the handlers behind both. The caller owns store.
func newApp(ctx context.Context, cfg *Config, store *redisstore.Store, botCfg bot.Config, answerer *knowledge.Answerer, logger *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, logger: logger, store: store, metrics: bot.NewMetrics(), answerer: answerer}
	if err := ensureAdmins(ctx, store, cfg.AdminIDs, logger); err != nil { // idempotent; openStore did it for serve
		return nil, err
	}
	paced := botCfg.GlobalRate >= 0 && botCfg.PerChatRate >= 0 // the demo and tests turn pacing off
	router := &channels.Router{People: store, Chats: store}    // pushes to a person go to one of their accounts
	var front *bot.Front
	if botCfg.Token != "" {
		b, err := bot.New(ctx, botCfg, store, a.metrics, logger)
		if err != nil {
			return nil, err
		}
		a.bot = b
		if paced {
			// Replicas share Telegram's budget through Redis; each also keeps its own local limiter.
			sender := b.Sender()
			sender.Shared = store.Pacer(orDefault(botCfg.GlobalRate, bot.DefaultGlobalRate),
				orDefault(botCfg.PerChatRate, bot.DefaultPerChatRate), bot.DefaultPerChatBurst)
			sender.OnSharedError = func(err error) { logger.Warn("shared pacing skipped", "err", err) }
		}
		front = b.Front(store) // the Telegram side of the conversation the features speak
		router.Telegram = front
	}
	if cfg.WeCom.Enabled() {
		a.wecom = newWeCom(cfg.WeCom, store, paced, logger)
		router.WeCom = a.wecom.Front
	}
	if router.Telegram == nil && router.WeCom == nil {
		return nil, &configError{"TELEGRAM_BOT_TOKEN", "no channel configured: set TELEGRAM_BOT_TOKEN, the GANWEI_WECOM_* settings, or both"}
	}
	var err error
	if a.reminders, err = newReminders(cfg, store, router, logger); err != nil {
		return nil, err
	}
	a.handlers = &handlers.Handlers{
		Users:     store,
		Dialogs:   store,
		Questions: store,
		Answerer:  answerer,
		Messenger: router,
		Logger:    logger,
		AdminIDs:  cfg.AdminIDs,
		Contact:   cfg.Contact,
		Now:       store.Now,
		Location:  cfg.Location,
		Reminders: a.reminders,
		Notices:   store,
		Channels:  store,
	}
	if a.bot != nil {
		a.handlers.BotUsername = a.bot.Username()
	}
	a.wireCheckIns()
	a.handlers.Register()
	if err := a.wireConsole(); err != nil {
		return nil, err
	}
	if a.bot != nil {
		a.bot.SetHandler(front.Updates(channels.From(channels.Telegram, a.handlers.Handle)))
	}
	if a.wecom != nil {
		a.wecom.Handle = channels.From(channels.WeCom, a.handlers.Handle)
		if a.bot != nil {
			// One inbox, one dedupe and one worker pool for both platforms.
			a.wecom.Pool = a.bot.Pool()
		} else {
			a.pool = inbox.New(store, inbox.Config{Worker: botCfg.Worker, Workers: botCfg.Workers, Limit: botCfg.InboxLimit,
				ClaimIdle: botCfg.ClaimIdle, HandlerTimeout: botCfg.HandlerTimeout, MaxDeliveries: botCfg.MaxDeliveries},
				a.metrics.Inbox(), logger)
			a.wecom.Pool = a.pool
			a.drain = botCfg.ShutdownTimeout
			if a.drain <= 0 {
				a.drain = bot.DefaultShutdownTimeout
			}
		}
		a.wecom.Pool.Handle(ganwei.SourceWeCom, a.wecom.HandleEntry)
	}
	return a, nil
}

// run serves HTTP and takes updates until ctx ends, then shuts down in order: stop taking
// updates, let in-flight handlers finish, stop HTTP.
func (a *app) run(ctx context.Context, httpAddr string, ready chan<- string) error {
	if a.answerer != nil && a.cfg.KnowledgeDir != "" {
		// Operators edit the knowledge files in place; pick the change up without a restart. An
		// edit that fails `kb check` (files or the tuned bar) stays out, and the admins hear why.
		a.answerer.Library.Gate(knowledge.EvalGate())
		a.answerer.Library.OnReloadFailed(func(err error) { a.handlers.NotifyKnowledgeRejected(ctx, err) })
		go a.answerer.Library.Watch(ctx, 30*time.Second, slogf(a.logger))
	}
	if a.editor != nil {
		// The live version of the curators' edits, before the first answer; then every few
		// seconds, so that a change made on any replica reaches this one's answers.
		if _, err := a.editor.Sync(ctx); err != nil {
			a.logger.Warn("knowledge: the curators' live version is not installed yet; retrying", "err", err)
		}
		go a.editor.Follow(ctx, curation.DefaultFollowInterval)
	}
	if err := a.handlers.SyncMenus(ctx); err != nil {
		a.logger.Warn("command menus not set; they will be retried at next start", "err", err)
	}
	var srv *http.Server
	httpErr := make(chan error, 1)
	if httpAddr != "" {
		ln, err := net.Listen("tcp", httpAddr)
		if err != nil {
			return fmt.Errorf("listen on GANWEI_HTTP_ADDR %s: %w", httpAddr, err)
		}
		if a.links.PublicURL == "" {
			a.links.PublicURL = defaultPublicURL(ln.Addr())
		}
		srv = &http.Server{Handler: a.httpHandler(), ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: httpReadTimeout, IdleTimeout: 2 * time.Minute}
		go func() { httpErr <- srv.Serve(ln) }()
		a.logger.Info("http listening", "addr", ln.Addr().String())
		if ready != nil {
			ready <- ln.Addr().String()
		}
	}
	// The schedulers send in the bulk lane, behind replies to people who just wrote; they stop
	// once the bot has drained.
	stopReminders := background(ctx, func(ctx context.Context) { _ = a.reminders.Run(bot.WithBulk(ctx)) })
	stopCheckIns := background(ctx, func(ctx context.Context) { a.checkins.Run(bot.WithBulk(ctx)) })
	if a.wecom != nil {
		// Versions before the shared inbox queued 企业微信 callbacks apart: whatever they
		// accepted and left there is handled now, by whichever replica starts first.
		if n, err := a.store.MoveLegacyWeComQueue(ctx); err != nil {
			a.logger.Warn("former 企业微信 queue not moved into the inbox; trying again at the next start", "moved", n, "err", err)
		} else if n > 0 {
			a.logger.Info("former 企业微信 queue moved into the inbox", "callbacks", n)
		}
	}
	var runErr error
	if a.bot != nil {
		runErr = a.bot.Run(ctx)
	} else {
		// 企业微信 only: callbacks arrive on HTTP and the inbox workers run here.
		a.pool.Start()
		<-ctx.Done()
		a.logger.Info("intake stopped; finishing updates in hand", "bound", a.drain.String())
		a.pool.Stop(a.drain)
	}
	stopReminders()
	stopCheckIns()
	if srv != nil {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			a.logger.Warn("http shutdown", "err", err)
		}
		if err := <-httpErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
	}
	return runErr
}

// newReminders builds the 四项清单 scheduler on the store and the bot's shared Sender, so that
// scheduled messages and replies draw on one rate budget. A broken GANWEI_REMINDERS_FILE stops
// start-up with the file's error.
func newReminders(cfg *Config, store *redisstore.Store, sender reminders.Messenger, logger *slog.Logger) (*reminders.Service, error) {
	seq, err := sequence.NewSource(cfg.RemindersFile)
	if err != nil {
		return nil, &configError{"GANWEI_REMINDERS_FILE", err.Error()}
	}
	return &reminders.Service{
		Queue:     store,
		Users:     store,
		Messenger: sender,
		Sequence:  seq,
		Calendar:  workdays.New(cfg.Location),
		AdminIDs:  cfg.AdminIDs,
		Logger:    logger,
		Now:       store.Now,
		Instance:  cfg.InstanceID, // empty: the host name
	}, nil
}

// slogf adapts a logger to the printf-style hooks of the knowledge package (which stays free of
// logging dependencies). Those messages never carry a question or an answer.
func slogf(logger *slog.Logger) func(format string, args ...any) {
	return func(format string, args ...any) { logger.Warn(fmt.Sprintf(format, args...)) }
}

// background runs loop until ctx ends or the returned stop is called; stop waits for it to return.
func background(ctx context.Context, loop func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); loop(ctx) }()
	return func() { cancel(); <-done }
}

// orDefault returns v, or def when v is zero (unset).
func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// ensureAdmins makes a person for each Telegram account of GANWEI_ADMIN_IDS bound to no one
// (named 管理员, no stored role: the setting makes them administrators while it lists them).
func ensureAdmins(ctx context.Context, store *redisstore.Store, adminIDs map[int64]bool, logger *slog.Logger) error {
	for id := range adminIDs {
		pid, created, err := store.PersonForAccount(ctx, ganwei.TelegramAccount(id), &ganwei.User{Name: "管理员"})
		if err != nil {
			return fmt.Errorf("GANWEI_ADMIN_IDS: person for an administrator: %w", err)
		}
		if created {
			logger.Info("administrator from GANWEI_ADMIN_IDS added as a person", "person_id", pid)
		}
	}
	return nil
}
