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
	// Candidates are the entries offered as "您是想问" when the knowledge base was unsure;
	// Picked is the one the person tapped (a positive signal for this wording).
	Candidates []string `json:"candidates,omitempty"`
	// Normalized is the question as the knowledge base folds it, the key picks are counted under.
	Normalized string `json:"norm,omitempty"`
	Picked     string `json:"picked,omitempty"`
	// Reason is the optional follow-up to a 👎: one of the Reason constants.
	Reason string `json:"reason,omitempty"`
}

// Reasons a person can give after a 👎, asked once as an optional follow-up.
const (
	ReasonOffTopic = "offtopic" // 答非所问
	ReasonVague    = "vague"    // 不够具体
	ReasonWrong    = "wrong"    // 信息有误
)

// ValidReason reports whether r is one of the Reason constants.
func ValidReason(r string) bool {
	return r == ReasonOffTopic || r == ReasonVague || r == ReasonWrong
}

// EntryFeedback is what readers said about the answers drawn from one knowledge entry, for the
// curators: votes, the reasons given with 👎, and how often it was picked from "您是想问".
type EntryFeedback struct {
	EntryID string           `json:"entry_id"`
	Up      int64            `json:"up"`
	Down    int64            `json:"down"`
	Picks   int64            `json:"picks"`
	Reasons map[string]int64 `json:"reasons,omitempty"`
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
	// CountUnanswered is how many different unanswered questions are queued.
	CountUnanswered(ctx context.Context) (int, error)
	// Pick records that the person who asked tapped entryID among the "您是想问" candidates: a
	// positive signal for that wording. ENOTFOUND when the question has expired, EINVALID when
	// entryID was not offered.
	Pick(ctx context.Context, id, entryID string) (*AskedQuestion, error)
	// GiveReason records the optional reason after a 👎 (a Reason constant); giving another
	// replaces it. ENOTFOUND when the question has expired, EINVALID without a 👎 or a valid reason.
	GiveReason(ctx context.Context, id, reason string) (*AskedQuestion, error)
	// WorstRated returns the entries with the most 👎 beyond their 👍, worst first, at most limit;
	// entries nobody voted down are left out.
	WorstRated(ctx context.Context, limit int) ([]EntryFeedback, error)
	// FeedbackOf returns the feedback on each of the entries, in order, leaving out those nobody
	// voted on or picked.
	FeedbackOf(ctx context.Context, entryIDs []string) ([]EntryFeedback, error)
	// ResolveUnanswered takes a question (by its normalised key) off the unanswered queue and
	// reports whether it was there; asked again, it comes back.
	ResolveUnanswered(ctx context.Context, normalized string) (bool, error)
}
