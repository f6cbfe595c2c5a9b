package ganwei

import (
	"context"
	"time"
)

// Changes curators make to the knowledge base from the console (package curation).
const (
	KBAdd      = "add"      // wrote a new entry
	KBEdit     = "edit"     // changed an entry
	KBRetire   = "retire"   // took an entry out of answers
	KBRollback = "rollback" // went back to an earlier version
)

// KBVersion is one version of the curators' overlay on the knowledge base: who made it, when and
// how, and the whole overlay as it stands in it (each entry by the digest of its content, which
// KBVersionStore keeps once). Version 0 is the shipped files alone; every change, a rollback too,
// is a new version, and the newest is the live one.
type KBVersion struct {
	N        int64     `json:"n"`
	At       time.Time `json:"at"`
	By       int64     `json:"by"`                 // person id; 0 for the command line
	Operator string    `json:"operator,omitempty"` // the OS user, for the command line
	Action   string    `json:"action"`             // one of the KB* constants
	EntryID  string    `json:"entry_id,omitempty"` // the entry changed (not for a rollback)
	Title    string    `json:"title,omitempty"`    // its title, for the history
	To       int64     `json:"to,omitempty"`       // the version a rollback went back to
	// Entries maps each entry id of the overlay to the digest of its content.
	Entries map[string]string `json:"entries,omitempty"`
	// Retired lists the shipped entries taken out of answers.
	Retired []string `json:"retired,omitempty"`
}

// KBVersionStore keeps the versions of the curators' overlay, shared by every replica
// (redisstore implements it).
type KBVersionStore interface {
	// KBLive returns the live (newest) version number, 0 when there is none.
	KBLive(ctx context.Context) (int64, error)
	// KBVersion returns one version, or ENOTFOUND.
	KBVersion(ctx context.Context, n int64) (*KBVersion, error)
	// KBVersions returns up to limit versions, newest first, from version from down (0 = the newest).
	KBVersions(ctx context.Context, from int64, limit int) ([]*KBVersion, error)
	// KBBlobs returns the contents of the digests; a digest it does not hold is left out.
	KBBlobs(ctx context.Context, digests []string) (map[string][]byte, error)
	// KBCommit stores the contents and v in one atomic step and makes v live, only if v.N is the
	// live version plus one; ECONFLICT when another change got there first.
	KBCommit(ctx context.Context, v *KBVersion, blobs map[string][]byte) error
	// KBNextNumber returns a fresh number for a new entry's id (never the same twice).
	KBNextNumber(ctx context.Context) (int64, error)
}
