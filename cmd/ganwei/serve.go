package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei/bot"
)

// runServe runs the bot until SIGINT or SIGTERM, then shuts down gracefully and returns nil.
func runServe(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	embedded := fs.Bool("embedded-redis", false, "keep data in an in-memory Redis inside the process when REDIS_URL is not set (data is lost on exit)")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("%v", err)
	}
	cfg, err := loadConfig(env.Getenv)
	if err != nil {
		return err
	}
	if cfg.Token == "" && !cfg.WeCom.Enabled() {
		return &configError{"TELEGRAM_BOT_TOKEN", "required by serve unless the 企业微信 channel is set (ask @BotFather for a token, or set the GANWEI_WECOM_* settings)"}
	}
	logger := slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	store, closeStore, err := openStore(ctx, cfg, *embedded, logger)
	if err != nil {
		return err
	}
	defer closeStore()
	answerer, err := newAnswerer(cfg, slogf(logger))
	if err != nil {
		return err
	}
	delivery, err := loadDelivery(env.Getenv)
	if err != nil {
		return err
	}
	delivery.Token, delivery.APIURL = cfg.Token, cfg.APIURL
	delivery.WebhookURL, delivery.WebhookSecret = cfg.WebhookURL, cfg.WebhookSecret
	a, err := newApp(ctx, cfg, store, delivery, answerer, logger)
	if err != nil {
		return err
	}
	// Building the knowledge index and the other start-up work leave garbage behind; hand its
	// pages back now rather than whenever the scavenger gets to them, so that an idle bot is small.
	debug.FreeOSMemory()
	if a.bot != nil {
		// Once the bot takes updates, start-up is over: the binary's pages only it touched
		// (package initialisation, loading, registering the webhook) leave the resident set.
		go func() {
			if a.bot.WaitStarted(ctx) == nil {
				debug.FreeOSMemory() // registering the webhook and the menus left garbage too
				releaseStartupPages()
			}
		}()
	} else {
		releaseStartupPages()
	}
	if a.bot != nil {
		logger.Info("ganwei starting on Telegram", "bot", a.bot.Username(), "webhook", cfg.WebhookURL != "")
	}
	if a.wecom != nil {
		logger.Info("ganwei starting on 企业微信", "callback", cfg.HTTPAddr+"/wecom/callback", "agent_id", cfg.WeCom.AgentID)
	}
	if len(cfg.AdminIDs) == 0 {
		logger.Warn("GANWEI_ADMIN_IDS is empty: only people bound with an admin invite can manage the bot (ganwei admin invite --role admin)")
	}
	err = a.run(ctx, cfg.HTTPAddr, nil)
	logger.Info("ganwei stopped")
	return err
}

// loadDelivery reads the settings of the update inbox, the workers and pacing (see the README):
//
//	GANWEI_WORKERS          handlers in flight per process (default 64)
//	GANWEI_INBOX_LIMIT      backlog at which the webhook answers 429 (default 5000)
//	GANWEI_DRAIN_TIMEOUT    how long a stop waits for handlers in hand (default 20s)
//	GANWEI_CLAIM_TIMEOUT    idle time after which another replica takes over a dead one's updates (default 15s)
//	GANWEI_HANDLER_TIMEOUT  how long one update's handler may run before it is cancelled and retried (default 60s)
//	GANWEI_MAX_DELIVERIES   how often an update is tried before it is moved to the dead letters (default 5)
//	GANWEI_RATE_LIMIT       outgoing messages per second overall (default 30); "off" only for load tests
func loadDelivery(getenv func(string) string) (bot.Config, error) {
	var c bot.Config
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	for _, v := range []struct {
		name string
		dst  *int
	}{{"GANWEI_WORKERS", &c.Workers}, {"GANWEI_INBOX_LIMIT", &c.InboxLimit}, {"GANWEI_MAX_DELIVERIES", &c.MaxDeliveries}} {
		if raw := get(v.name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n <= 0 {
				return c, &configError{v.name, fmt.Sprintf("%q: want a positive whole number", raw)}
			}
			*v.dst = n
		}
	}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"GANWEI_DRAIN_TIMEOUT", &c.ShutdownTimeout}, {"GANWEI_CLAIM_TIMEOUT", &c.ClaimIdle}, {"GANWEI_HANDLER_TIMEOUT", &c.HandlerTimeout}} {
		if raw := get(v.name); raw != "" {
			d, err := time.ParseDuration(raw)
			if err != nil || d <= 0 {
				return c, &configError{v.name, fmt.Sprintf("%q: want a duration such as 20s", raw)}
			}
			*v.dst = d
		}
	}
	if c.HandlerTimeout != 0 && (c.HandlerTimeout < time.Second || c.HandlerTimeout > time.Hour) {
		return c, &configError{"GANWEI_HANDLER_TIMEOUT", fmt.Sprintf("%s: want between 1s and 1h (a handler that needs longer is stuck)", c.HandlerTimeout)}
	}
	if c.MaxDeliveries > 100 {
		return c, &configError{"GANWEI_MAX_DELIVERIES", fmt.Sprintf("%d: want at most 100 (an update that failed that often will fail again)", c.MaxDeliveries)}
	}
	switch raw := get("GANWEI_RATE_LIMIT"); raw {
	case "":
	case "off":
		c.GlobalRate, c.PerChatRate = -1, -1
	default:
		r, err := strconv.ParseFloat(raw, 64)
		if err != nil || r <= 0 || r > 30 {
			return c, &configError{"GANWEI_RATE_LIMIT", fmt.Sprintf("%q: want messages per second, at most 30 (Telegram's limit), or off", raw)}
		}
		c.GlobalRate = r
	}
	return c, nil
}
