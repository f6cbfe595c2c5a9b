package main

import (
	"context"
	"flag"
	"log/slog"

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
	if cfg.Token == "" {
		return &configError{"TELEGRAM_BOT_TOKEN", "required by serve (ask @BotFather for one)"}
	}
	logger := slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	store, closeStore, err := openStore(ctx, cfg, *embedded, logger)
	if err != nil {
		return err
	}
	defer closeStore()
	answerer, err := newAnswerer(cfg, env, slogf(logger))
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, store, bot.Config{
		Token: cfg.Token, APIURL: cfg.APIURL,
		WebhookURL: cfg.WebhookURL, WebhookSecret: cfg.WebhookSecret,
	}, answerer, logger)
	if err != nil {
		return err
	}
	logger.Info("ganwei starting", "bot", a.bot.Username(), "webhook", cfg.WebhookURL != "")
	if len(cfg.AdminIDs) == 0 {
		logger.Warn("GANWEI_ADMIN_IDS is empty: only people bound with an admin invite can manage the bot (ganwei admin invite --role admin)")
	}
	err = a.run(ctx, cfg.HTTPAddr, nil)
	logger.Info("ganwei stopped")
	return err
}
