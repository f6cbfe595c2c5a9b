package ganwei

import (
	"context"
	"time"
)

// Dialog is a multi-step conversation in progress with one person (a guided /appoint, a check-in
// waiting for its free-text line). It lives in Redis with an expiry so that a restart mid-dialog
// continues where the person was, and an abandoned one disappears by itself.
type Dialog struct {
	Kind      string            `json:"kind"`                 // which feature owns it, e.g. "checkin"
	Step      string            `json:"step"`                 // the feature's own step name
	Data      map[string]string `json:"data,omitempty"`       // answers collected so far
	MessageID int               `json:"message_id,omitempty"` // the bot message being edited, if any
	UpdatedAt time.Time         `json:"updated_at"`
}

// DefaultDialogTTL is how long an untouched dialog is kept.
const DefaultDialogTTL = 30 * time.Minute

// DialogStore keeps at most one open dialog per person.
type DialogStore interface {
	// Dialog returns the open dialog of the user, or ENOTFOUND.
	Dialog(ctx context.Context, userID int64) (*Dialog, error)
	// SaveDialog stores d as the user's open dialog for ttl.
	SaveDialog(ctx context.Context, userID int64, d *Dialog, ttl time.Duration) error
	// ClearDialog ends the user's open dialog; ending none is not an error.
	ClearDialog(ctx context.Context, userID int64) error
}
