package ganwei

import (
	"context"
	"time"
)

// WebSession is a signed-in browser of the HR web console (package console). It names the person
// only: what they may do is decided at every request from their current role, so revoking or
// narrowing a role takes effect on the next click.
type WebSession struct {
	ID        string    `json:"-"` // the cookie value; stored only hashed
	PersonID  int64     `json:"person_id"`
	CSRF      string    `json:"csrf"` // the form token of this session
	CreatedAt time.Time `json:"created_at"`
	SeenAt    time.Time `json:"seen_at"`
}

// WebSessionStore keeps sign-in links and console sessions (redisstore implements it). Tokens
// and session ids are stored hashed, so a copy of the database opens nothing.
type WebSessionStore interface {
	// SaveSignInLink stores a one-time sign-in token for the person, valid until expires (the
	// store also drops it then).
	SaveSignInLink(ctx context.Context, token string, personID int64, expires time.Time) error
	// TakeSignInLink consumes the token in one atomic step and returns whose it was and until when
	// it was valid; ENOTFOUND when it is unknown or already used.
	TakeSignInLink(ctx context.Context, token string) (personID int64, expires time.Time, err error)
	// SaveWebSession stores a new session that lapses after ttl without use.
	SaveWebSession(ctx context.Context, s *WebSession, ttl time.Duration) error
	// RefreshWebSession stores the session again with a new ttl only if it still exists, and
	// reports whether it did: a session ended (退出, revoked) while a request was under way must
	// not be written back by that request.
	RefreshWebSession(ctx context.Context, s *WebSession, ttl time.Duration) (bool, error)
	// WebSession returns the session with the id, or ENOTFOUND.
	WebSession(ctx context.Context, id string) (*WebSession, error)
	// DeleteWebSession ends a session; ending an unknown one is not an error.
	DeleteWebSession(ctx context.Context, id string) error
	// CountSignInRequest counts one more link request by the person in the current window and
	// returns the count so far in it.
	CountSignInRequest(ctx context.Context, personID int64, window time.Duration) (int64, error)
}
