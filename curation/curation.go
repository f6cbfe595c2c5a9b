// Package curation is the knowledge-base curation queue for HR: the questions cadres asked that
// the knowledge base could not answer, most asked first, and the entries rated worst. The questions
// are people's own words, so only HR may read them; each method takes the actor from the context
// (ganwei.ActorFromContext) and decides with the actor's current role.
package curation

import (
	"context"
	"fmt"

	"github.com/ganwei-bot/ganwei"
)

// Queue implements the use cases on a QuestionLog.
type Queue struct {
	Questions ganwei.QuestionLog
	Users     ganwei.UserLookup
	// AdminIDs are administrators whatever the store says (GANWEI_ADMIN_IDS).
	AdminIDs map[int64]bool
}

// Unanswered is the first limit unanswered questions, most asked first, and how many there are.
func (q *Queue) Unanswered(ctx context.Context, limit int) (top []ganwei.UnansweredQuestion, total int, err error) {
	if _, err := (ganwei.Authorizer{Users: q.Users, AdminIDs: q.AdminIDs}).Authorize(ctx, ganwei.RoleHR); err != nil {
		return nil, 0, err
	}
	if total, err = q.Questions.CountUnanswered(ctx); err != nil {
		return nil, 0, fmt.Errorf("count unanswered: %w", err)
	}
	if top, err = q.Questions.TopUnanswered(ctx, limit); err != nil {
		return nil, 0, fmt.Errorf("list unanswered: %w", err)
	}
	return top, total, nil
}

// WorstRated is the entries with the most 👎 beyond their 👍, worst first, at most limit.
func (q *Queue) WorstRated(ctx context.Context, limit int) ([]ganwei.EntryFeedback, error) {
	if _, err := (ganwei.Authorizer{Users: q.Users, AdminIDs: q.AdminIDs}).Authorize(ctx, ganwei.RoleHR); err != nil {
		return nil, err
	}
	worst, err := q.Questions.WorstRated(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("list worst-rated entries: %w", err)
	}
	return worst, nil
}
