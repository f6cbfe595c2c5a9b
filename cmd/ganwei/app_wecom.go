package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/wecom"
)

// 企业微信's limits for a self-built app: 30 messages a minute to one member; the app-wide
// budget is far above what Ganwei sends, 20/s keeps well inside it.
const (
	wecomGlobalRate  = 20
	wecomPerUserRate = 0.5
	wecomUserBurst   = 5
)

// newWeCom builds the 企业微信 channel: the API client (token shared through Redis), the
// front end and the callback. Its Handle and Pool are set by newApp.
func newWeCom(cfg WeComConfig, store *redisstore.Store, paced bool, logger *slog.Logger) *wecom.Callback {
	client := &wecom.Client{BaseURL: cfg.APIURL, CorpID: cfg.CorpID, Secret: cfg.Secret, AgentID: cfg.AgentID, Tokens: store}
	front := &wecom.Front{Client: client, Store: store, IsBulk: bot.IsBulk}
	if paced {
		front.Pacer = store.WeComPacer(wecomGlobalRate, wecomPerUserRate, wecomUserBurst)
	}
	return &wecom.Callback{
		Crypto:  wecom.Crypto{Token: cfg.Token, AESKey: cfg.AESKey, CorpID: cfg.CorpID},
		AgentID: client.AgentIDString(),
		Front:   front,
		Logger:  logger,
		Store:   store,
		// Its own deadline replaces the server's: never give a callback longer than any request.
		ReadTimeout: min(wecom.DefaultReadTimeout, httpReadTimeout),
	}
}

// channelHandler serves the operational endpoints (Telegram's, or the same without a bot) and the
// 企业微信 callback when that channel runs.
func (a *app) channelHandler() http.Handler {
	var ops http.Handler
	if a.bot != nil {
		ops = a.bot.HTTPHandler(a.store.Ping)
	} else {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
		mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := a.store.Ping(ctx); err != nil {
				a.logger.Warn("readiness check failed", "err", err)
				http.Error(w, "redis unreachable", http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ready\n"))
		})
		mux.Handle("GET /metrics", a.metrics.Handler())
		ops = mux
	}
	if a.wecom == nil {
		return ops
	}
	mux := http.NewServeMux()
	mux.Handle(wecom.CallbackPath, a.wecom)
	mux.Handle("/", ops)
	return mux
}
