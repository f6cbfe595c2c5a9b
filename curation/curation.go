// Package curation is the knowledge-base curation queue for HR: the questions cadres asked that
// the knowledge base could not answer, most asked first, and the entries rated worst. The questions
// are people's own words, so only HR may read them; each method takes the actor from the context
// (ganwei.ActorFromContext) and decides with the actor's current role.
package curation

import (
	"context"
	"fmt"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// Queue implements the use cases on a QuestionLog.
type Queue struct {
	Questions ganwei.QuestionLog
	Users     ganwei.UserLookup
	// AdminIDs are administrators whatever the store says (GANWEI_ADMIN_IDS).
	AdminIDs map[int64]bool
	// Audit records questions taken off the queue (nil: not recorded).
	Audit ganwei.AuditTrail
	// Now is the clock of the audit entries (nil: time.Now).
	Now func() time.Time
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

// Feedback is what readers said about each of the entries (👍, 👎 with reasons, picks from
// "您是想问"), in order, leaving out those with none: the same counters /unanswered reports.
func (q *Queue) Feedback(ctx context.Context, entryIDs []string) ([]ganwei.EntryFeedback, error) {
	if _, err := (ganwei.Authorizer{Users: q.Users, AdminIDs: q.AdminIDs}).Authorize(ctx, ganwei.RoleHR); err != nil {
		return nil, err
	}
	fb, err := q.Questions.FeedbackOf(ctx, entryIDs)
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	return fb, nil
}

// Resolve takes a question (by its normalised key, UnansweredQuestion.Normalized) off the queue:
// an entry now answers it, or it is not for the knowledge base. Those who may change the
// knowledge base may do it (see Editor); it is audited. ENOTFOUND when it is not queued.
func (q *Queue) Resolve(ctx context.Context, normalized string) error {
	u, err := authorizeCurator(ctx, q.Users, q.AdminIDs)
	if err != nil {
		return err
	}
	if normalized == "" || len(normalized) > 1000 {
		return ganwei.Errorf(ganwei.EINVALID, "无效的问题")
	}
	ok, err := q.Questions.ResolveUnanswered(ctx, normalized)
	if err != nil {
		return fmt.Errorf("resolve unanswered question: %w", err)
	}
	if !ok {
		return ganwei.Errorf(ganwei.ENOTFOUND, "这个问题已不在未答列表中（可能已被处理）")
	}
	if q.Audit != nil {
		now := time.Now
		if q.Now != nil {
			now = q.Now
		}
		e := &ganwei.AuditEntry{At: now(), Actor: u.ID, Action: AuditKBResolve, Detail: "标记为已处理"}
		if u.ID == 0 {
			e.Operator = u.Name
		}
		if err := q.Audit.Audit(ctx, e); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	return nil
}
