package ganwei

import (
	"context"
	"time"
)

// AskedQuestion is a policy question the bot answered (or could not), kept for a while so that
// the 👍/👎 buttons under the answer can refer to it by a short id. It holds no user id: feedback
// is about the knowledge base, not about who asked.
type AskedQuestion struct {
	ID       string    `json:"id"`
	Question string    `json:"q"`
	EntryIDs []string  `json:"entries,omitempty"` // knowledge entries the answer came from, best first
	Found    bool      `json:"found"`
	Vote     string    `json:"vote,omitempty"` // "up", "down" or ""
	AskedAt  time.Time `json:"asked_at"`
	VotedAt  time.Time `json:"voted_at,omitempty"`
}

// Votes a person can give an answer.
const (
	VoteUp   = "up"
	VoteDown = "down"
)

// UnansweredQuestion is one line of the curation queue: a normalised question the knowledge base
// could not answer, how often it was asked, and how it was last worded.
type UnansweredQuestion struct {
	Normalized string    `json:"normalized"`
	Example    string    `json:"example"`
	Count      int64     `json:"count"`
	LastAsked  time.Time `json:"last_asked"`
}

// QuestionLog records questions, feedback on answers, and the questions the knowledge base
// could not answer.
type QuestionLog interface {
	// RecordAsked stores q under a fresh short id, which it sets and returns.
	RecordAsked(ctx context.Context, q *AskedQuestion) (string, error)
	// Vote records a vote on an asked question; voting again replaces the vote, and per-entry
	// counters move accordingly. ENOTFOUND when the question has expired.
	Vote(ctx context.Context, id, vote string) (*AskedQuestion, error)
	// RecordUnanswered counts one more asking of a question the knowledge base did not cover.
	RecordUnanswered(ctx context.Context, normalized, example string) error
	// TopUnanswered returns the most frequently asked unanswered questions, most frequent first.
	TopUnanswered(ctx context.Context, limit int) ([]UnansweredQuestion, error)
}
