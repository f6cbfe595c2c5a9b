package ganwei

import (
	"context"
	"time"
)

// Inbox is the durable queue between a messenger adapter and the handlers. An update is
// acknowledged to the platform (HTTP 200 to a webhook, a getUpdates offset moved past it) only
// after AcceptUpdates stored it, so a stop or crash never loses an accepted update. Workers take entries (TakeUpdates),
// handle them and mark them Done; entries a dead worker left behind are taken over with ReclaimUpdates.
//
// Worker names identify one process; an entry taken by a worker stays its own until done, until
// the worker releases it, or until it has been idle (not renewed) for longer than another
// worker's reclaim threshold.
type Inbox interface {
	// AcceptUpdates stores the updates in order, each id once across restarts and replicas (a
	// resend of a stored update is taken without storing it again). It returns how many of the
	// first updates are taken: all of them, or, when the inbox would hold more than limit
	// entries (limit > 0), the ones that fit, with an error of code EFULL for the rest.
	AcceptUpdates(ctx context.Context, updates []InboxUpdate, limit int) (taken int, err error)
	// Take hands worker up to n entries nobody has taken yet, waiting up to block for the first.
	TakeUpdates(ctx context.Context, worker string, n int, block time.Duration) ([]InboxEntry, error)
	// Reclaim hands worker up to n entries another worker took and left idle for at least idle.
	ReclaimUpdates(ctx context.Context, worker string, idle time.Duration, n int) ([]InboxEntry, error)
	// Renew tells other workers that worker is still busy with these entries.
	RenewUpdates(ctx context.Context, worker string, refs []string) error
	// Release gives entries worker took but will not handle back, for any worker to take at once.
	ReleaseUpdates(ctx context.Context, worker string, refs []string) error
	// ReturnUpdates gives back entries worker took and never started (a stop came first), like
	// ReleaseUpdates, and takes back the delivery they were counted: a restart does not bring an
	// entry nearer to the dead letters.
	ReturnUpdates(ctx context.Context, worker string, entries []InboxEntry) error
	// UpdateDone removes handled entries.
	UpdateDone(ctx context.Context, refs ...string) error
	// Stats reports the backlog: entries accepted and not yet done, and when the oldest arrived.
	InboxStats(ctx context.Context) (InboxStats, error)
	// DeadLetterUpdates moves entries that keep failing (delivered too often) aside, out of the
	// backlog, where an operator can look at them; reason says why (never message text).
	DeadLetterUpdates(ctx context.Context, refs []string, reason string) error
	// PruneWorkers removes from the consumer group the workers other than keep that have
	// nothing pending and have not read for at least idle (processes that are gone), and
	// returns their names.
	PruneWorkers(ctx context.Context, keep string, idle time.Duration) ([]string, error)
}

// EFULL is the code of AcceptUpdates' error when the backlog is at its limit: the adapter asks
// the platform to resend later (HTTP 429) instead of queueing without bound.
const EFULL = "full"

// InboxUpdate is one update as the platform sent it.
type InboxUpdate struct {
	// Source names the platform: "" for Telegram, SourceWeCom for 企业微信. Each source has its
	// own dedupe namespace, so ids of two platforms never collide.
	Source string
	ID     int64 // Telegram's update_id; Telegram updates are deduplicated by it
	// Key deduplicates the updates of a source other than Telegram, which may have no integer
	// id (企业微信 events are named by sender, time and event).
	Key     string
	Payload []byte // the update, encoded as the platform sent it (JSON)
}

// SourceWeCom is the Source of 企业微信 callbacks.
const SourceWeCom = "wecom"

// InboxEntry is an accepted update handed to a worker.
type InboxEntry struct {
	Ref string // the inbox's handle for UpdateDone, RenewUpdates and ReleaseUpdates
	// Deliveries counts how often the entry was handed to a worker, this time included: 1 for a
	// new entry, more for one taken over from a worker that died, hung or ran past its deadline.
	Deliveries int
	InboxUpdate
}

// InboxStats describes the backlog.
type InboxStats struct {
	Depth  int64     // accepted and not yet done (waiting or being handled)
	Oldest time.Time // arrival of the oldest such entry; zero when Depth is 0
}
