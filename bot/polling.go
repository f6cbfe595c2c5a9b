package bot

// Long polling: getUpdates, storing each batch in the inbox before the offset moves past it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// poll runs long polling until ctx ends. The offset moves past an update only after the inbox
// stored it: Telegram keeps whatever was not stored, and a stop loses nothing. While the inbox is
// full, polling waits, so the backlog stays with Telegram.
func (b *Bot) poll(ctx context.Context) {
	var offset int64
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		if backoff > 0 {
			if SleepContext(ctx, backoff) != nil {
				return
			}
		}
		batch, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.logger.Warn("getUpdates failed", "err", err)
			backoff = nextBackoff(backoff)
			continue
		}
		backoff = 0
		if len(batch) == 0 {
			continue
		}
		full := false
		for len(batch) > 0 {
			taken, err := b.inbox.AcceptUpdates(ctx, batch, b.cfg.InboxLimit)
			if taken > 0 {
				// Telegram may forget these now: the next getUpdates confirms them.
				b.metrics.intakeN("accepted", taken)
				offset = batch[taken-1].ID + 1
				batch = batch[taken:]
			}
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return // the rest not stored, offset not moved past them: Telegram sends them again
			}
			if ganwei.ErrorCode(err) == ganwei.EUNAVAILABLE {
				var n int
				n, err = b.acceptAgain(ctx, batch)
				if n > 0 {
					b.metrics.intakeN("accepted", n)
					offset = batch[n-1].ID + 1
					batch = batch[n:]
				}
				if err == nil {
					break
				}
			}
			switch ganwei.ErrorCode(err) {
			case ganwei.EUNAVAILABLE:
				b.metrics.intakeN("direct", len(batch))
				b.logger.Warn("inbox unavailable; handling polled updates directly", "count", len(batch), "err", err)
				if !b.pool.HandleNow(ctx, batch) {
					return
				}
				offset = batch[len(batch)-1].ID + 1
				batch = nil
				continue
			case ganwei.EFULL:
				b.metrics.intakeN("full", len(batch))
				if !full {
					b.logger.Warn("inbox full: polling paused, updates stay with Telegram", "limit", b.cfg.InboxLimit, "waiting", len(batch))
					full = true
				}
			default:
				b.logger.Warn("polled updates not stored; retrying", "count", len(batch), "err", err)
			}
			backoff = min(nextBackoff(backoff), time.Second)
			if SleepContext(ctx, backoff) != nil {
				return
			}
		}
		backoff = 0
	}
}

// acceptAgain asks Redis once more after an "unavailable" answer, before the updates are
// handled in the process: a timeout can come after the script ran (Redis slow, not down), and
// handling them here as well as from the inbox would answer them twice. A stored update is
// "seen" now and taken without being stored again.
func (b *Bot) acceptAgain(ctx context.Context, batch []ganwei.InboxUpdate) (taken int, err error) {
	ctx, cancel := context.WithTimeout(ctx, acceptTimeout)
	defer cancel()
	return b.inbox.AcceptUpdates(ctx, batch, b.cfg.InboxLimit)
}

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return 100 * time.Millisecond
	}
	return min(2*d, 5*time.Second)
}

// getUpdates asks Telegram for updates from offset on. go-telegram/bot's own polling loop moves
// the offset before handing updates over, so Ganwei calls the method itself. Each update is kept
// as the JSON Telegram sent.
func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]ganwei.InboxUpdate, error) {
	params, err := json.Marshal(map[string]any{
		"offset": offset, "timeout": int(b.cfg.PollTimeout / time.Second), "allowed_updates": allowedUpdates,
	})
	if err != nil {
		return nil, fmt.Errorf("encode getUpdates: %w", err)
	}
	base := b.cfg.APIURL
	if base == "" {
		base = "https://api.telegram.org"
	}
	url := strings.TrimRight(base, "/") + "/bot" + b.cfg.Token + "/getUpdates"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(params))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %s", redact(err.Error(), b.cfg.Token))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.httpc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %s", redact(err.Error(), b.cfg.Token))
	}
	defer resp.Body.Close()
	var answer struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&answer); err != nil {
		return nil, fmt.Errorf("getUpdates: decode answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if !answer.OK {
		return nil, fmt.Errorf("getUpdates: telegram error %d: %s", answer.ErrorCode, answer.Description)
	}
	out := make([]ganwei.InboxUpdate, 0, len(answer.Result))
	for _, raw := range answer.Result {
		var head struct {
			ID int64 `json:"update_id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.ID <= 0 {
			return nil, fmt.Errorf("getUpdates: an update without update_id")
		}
		out = append(out, ganwei.InboxUpdate{ID: head.ID, Payload: raw})
	}
	return out, nil
}
