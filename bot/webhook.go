package bot

// Webhook intake: checking and storing each update Telegram posts, and the answer it gets.

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// acceptTimeout bounds one webhook request's wait for Redis: Telegram gives up on a slow
// webhook and resends anyway, so answering 503 early costs nothing.
const acceptTimeout = 5 * time.Second

// WebhookHandler receives updates in webhook mode and answers:
//
//	401 without the configured secret header;
//	413 for a body over MaxWebhookBody;
//	400 for a body that is not an update (its content is never logged: size and error only);
//	429 when the inbox holds InboxLimit entries or more (Telegram resends later);
//	503 while the bot is not taking updates (starting, stopping) or Redis cannot store it;
//	200 once the update is stored in the inbox (or was stored before: a resend).
func (b *Bot) WebhookHandler() http.Handler {
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
		if !b.accepting.Load() {
			http.Error(w, "not taking updates", http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			b.logger.Warn("webhook body too large", "limit_bytes", tooBig.Limit)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			b.logger.Warn("webhook body unreadable", "bytes", len(body), "err", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		id, err := decodeUpdate(body)
		if err != nil {
			// The body is whatever someone sent: never log it, it may be a person's message.
			b.logger.Warn("webhook body is not an update", "bytes", len(body), "err", err)
			b.metrics.intakeN("invalid", 1)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), acceptTimeout)
		defer cancel()
		err = b.pool.Accept(ctx, ganwei.InboxUpdate{ID: id, Payload: body})
		if ganwei.ErrorCode(err) == ganwei.EUNAVAILABLE {
			_, err = b.acceptAgain(ctx, []ganwei.InboxUpdate{{ID: id, Payload: body}})
		}
		switch {
		case ganwei.ErrorCode(err) == ganwei.EFULL:
			b.metrics.intakeN("full", 1)
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy, retry later", http.StatusTooManyRequests)
		case ganwei.ErrorCode(err) == ganwei.EUNAVAILABLE:
			// Redis is down: answer what can be answered from memory now, and tell Telegram only
			// once it is done.
			b.metrics.intakeN("direct", 1)
			b.logger.Warn("inbox unavailable; handling the update directly", "update_id", id, "err", err)
			if !b.pool.HandleNow(r.Context(), []ganwei.InboxUpdate{{ID: id, Payload: body}}) {
				http.Error(w, "try again later", http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusOK)
		case err != nil:
			b.metrics.intakeN("error", 1)
			b.logger.Warn("webhook update not stored; Telegram will resend", "update_id", id, "err", err)
			http.Error(w, "try again later", http.StatusServiceUnavailable)
		default:
			b.metrics.intakeN("accepted", 1)
			w.WriteHeader(http.StatusOK)
		}
	})
}

// decodeUpdate checks that body is a JSON object with an update_id and returns the id. A decode
// error names the field and type at fault, never the value. The rest of the update is decoded by
// the worker (one full decode per update, not two); a stored update whose fields do not decode
// is dropped there, logged with its id and size.
func decodeUpdate(body []byte) (int64, error) {
	var upd struct {
		ID int64 `json:"update_id"`
	}
	if err := json.Unmarshal(body, &upd); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return 0, fmt.Errorf("malformed JSON at byte %d", syn.Offset)
		}
		return 0, err
	}
	if upd.ID <= 0 {
		return 0, errors.New("no update_id")
	}
	return upd.ID, nil
}
