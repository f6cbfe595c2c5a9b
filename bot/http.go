package bot

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// HTTPHandler serves the operational endpoints: /healthz (the process is alive), /readyz (the
// bot takes updates and check, typically a Redis ping, passes), /metrics, and in webhook mode the
// webhook at the path of GANWEI_WEBHOOK_URL.
func (b *Bot) HTTPHandler(check func(ctx context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !b.Ready() {
			http.Error(w, "bot not started", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if check != nil {
			if err := check(ctx); err != nil {
				b.logger.Warn("readiness check failed", "err", err)
				http.Error(w, "redis unreachable", http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if b.metrics != nil {
		mux.Handle("GET /metrics", b.metrics.Handler())
	}
	if b.cfg.WebhookURL != "" {
		path := "/"
		if u, err := url.Parse(b.cfg.WebhookURL); err == nil && u.Path != "" {
			path = u.Path
		}
		mux.Handle(path, b.WebhookHandler())
	}
	return mux
}
