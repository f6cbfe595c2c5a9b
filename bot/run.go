package bot

// Running the bot: start and stop, the workers' entry into the middleware, and waiting for handled updates.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
)

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
