package redisstore

// Keys:
//
//	{prefix}:asked:{id}          string  JSON ganwei.AskedQuestion, expires after askedTTL
//	{prefix}:feedback:{entryID}  hash    up, down: votes on answers drawn from the entry; picks: taps
//	                                     on it among "您是想问" candidates; why:{reason}: 👎 reasons
//	{prefix}:feedback:down       zset    entryID -> down votes minus up votes (the worst first)
//	{prefix}:picked:{entryID}    zset    normalised wording -> times the entry was picked for it
//	{prefix}:unanswered          zset    normalised question -> times asked
//	{prefix}:unanswered:example  hash    normalised question -> latest wording
//	{prefix}:unanswered:last     hash    normalised question -> unix time last asked

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

var _ ganwei.QuestionLog = (*Store)(nil)

// askedTTL is how long the feedback buttons under an answer keep working.
const askedTTL = 30 * 24 * time.Hour

// RecordAsked stores q under a fresh short id, which it sets and returns.
func (s *Store) RecordAsked(ctx context.Context, q *ganwei.AskedQuestion) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	q.ID = hex.EncodeToString(b)
	if q.AskedAt.IsZero() {
		q.AskedAt = s.Now()
	}
	raw, err := json.Marshal(q)
	if err != nil {
		return "", fmt.Errorf("encode asked question: %w", err)
	}
	if err := s.client.Set(ctx, s.key("asked", q.ID), raw, askedTTL).Err(); err != nil {
		return "", wrap("record asked question", err)
	}
	return q.ID, nil
}

// Vote records a vote on an asked question; voting again replaces the vote, and the per-entry
// counters move in the same transaction. ENOTFOUND when the question has expired.
func (s *Store) Vote(ctx context.Context, id, vote string) (*ganwei.AskedQuestion, error) {
	if vote != ganwei.VoteUp && vote != ganwei.VoteDown {
		return nil, ganwei.Errorf(ganwei.EINVALID, "无效的评价")
	}
	return updateJSON(ctx, s, s.key("asked", id), "这条回答的评价已过期", func(q *ganwei.AskedQuestion, p redis.Pipeliner) error {
		old := q.Vote
		q.Vote, q.VotedAt = vote, s.Now()
		if old == vote {
			return nil // pressed twice: nothing to count
		}
		// Moving a vote also moves its reason: a 👎 turned 👍 no longer says 答非所问.
		if old == ganwei.VoteDown && q.Reason != "" {
			for _, e := range q.EntryIDs {
				p.HIncrBy(ctx, s.key("feedback", e), "why:"+q.Reason, -1)
			}
			q.Reason = ""
		}
		for _, e := range q.EntryIDs {
			fk := s.key("feedback", e)
			p.HIncrBy(ctx, fk, vote, 1)
			if old != "" {
				p.HIncrBy(ctx, fk, old, -1)
			}
			p.ZIncrBy(ctx, s.key("feedback", "down"), balance(vote)-balance(old), e)
		}
		return nil
	})
}

// balance is a vote's weight in the worst-rated ranking: a 👎 counts against the entry.
func balance(vote string) float64 {
	switch vote {
	case ganwei.VoteDown:
		return 1
	case ganwei.VoteUp:
		return -1
	}
	return 0
}

// Pick records a tap on one of the "您是想问" candidates of an asked question: the entry's pick
// counter and the wording it was picked for. A second tap on the same entry counts once.
func (s *Store) Pick(ctx context.Context, id, entryID string) (*ganwei.AskedQuestion, error) {
	return updateJSON(ctx, s, s.key("asked", id), "这条提问已过期", func(q *ganwei.AskedQuestion, p redis.Pipeliner) error {
		if !slices.Contains(q.Candidates, entryID) {
			return ganwei.Errorf(ganwei.EINVALID, "没有提供过这个选项")
		}
		if q.Picked == entryID {
			return nil
		}
		q.Picked = entryID
		q.EntryIDs = []string{entryID} // later 👍/👎 on the shown answer are about this entry
		p.HIncrBy(ctx, s.key("feedback", entryID), "picks", 1)
		wording := q.Normalized
		if wording == "" {
			wording = q.Question
		}
		p.ZIncrBy(ctx, s.key("picked", entryID), 1, wording)
		return nil
	})
}

// GiveReason records why a 👎 was given, per entry of the answer.
func (s *Store) GiveReason(ctx context.Context, id, reason string) (*ganwei.AskedQuestion, error) {
	if !ganwei.ValidReason(reason) {
		return nil, ganwei.Errorf(ganwei.EINVALID, "无效的原因")
	}
	return updateJSON(ctx, s, s.key("asked", id), "这条回答的评价已过期", func(q *ganwei.AskedQuestion, p redis.Pipeliner) error {
		if q.Vote != ganwei.VoteDown {
			return ganwei.Errorf(ganwei.EINVALID, "请先点“没帮助”")
		}
		old := q.Reason
		if old == reason {
			return nil
		}
		q.Reason = reason
		for _, e := range q.EntryIDs {
			fk := s.key("feedback", e)
			p.HIncrBy(ctx, fk, "why:"+reason, 1)
			if old != "" {
				p.HIncrBy(ctx, fk, "why:"+old, -1)
			}
		}
		return nil
	})
}

// WorstRated returns the entries whose 👎 most exceed their 👍, with all their counters.
func (s *Store) WorstRated(ctx context.Context, limit int) ([]ganwei.EntryFeedback, error) {
	worst, err := s.client.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
		Key: s.key("feedback", "down"), Start: "+inf", Stop: "(0", ByScore: true, Rev: true, Count: int64(limit), // REV takes max first
	}).Result()
	if err != nil {
		return nil, wrap("list worst-rated entries", err)
	}
	out := make([]ganwei.EntryFeedback, 0, len(worst))
	cmds := make([]*redis.MapStringStringCmd, len(worst))
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, z := range worst {
			id, _ := z.Member.(string)
			cmds[i] = p.HGetAll(ctx, s.key("feedback", id))
		}
		return nil
	})
	if err != nil {
		return nil, wrap("list worst-rated entries", err)
	}
	for i, z := range worst {
		id, _ := z.Member.(string)
		out = append(out, parseFeedback(id, cmds[i].Val()))
	}
	return out, nil
}

// FeedbackCounts returns the up and down votes on answers drawn from an entry.
func (s *Store) FeedbackCounts(ctx context.Context, entryID string) (up, down int64, err error) {
	vals, err := s.client.HMGet(ctx, s.key("feedback", entryID), ganwei.VoteUp, ganwei.VoteDown).Result()
	if err != nil {
		return 0, 0, wrap("read feedback", err)
	}
	toInt := func(v any) int64 {
		str, _ := v.(string)
		n, _ := strconv.ParseInt(str, 10, 64)
		return n
	}
	return toInt(vals[0]), toInt(vals[1]), nil
}

// maxUnanswered bounds the curation queue; the least asked fall off first.
const maxUnanswered = 5000

// RecordUnanswered counts one more asking of a question the knowledge base did not cover.
func (s *Store) RecordUnanswered(ctx context.Context, normalized, example string) error {
	if normalized == "" {
		return nil
	}
	z := s.key("unanswered")
	var size *redis.IntCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZIncrBy(ctx, z, 1, normalized)
		p.HSet(ctx, z+":example", normalized, example)
		p.HSet(ctx, z+":last", normalized, s.Now().Unix())
		size = p.ZCard(ctx, z)
		return nil
	})
	if err != nil {
		return wrap("record unanswered question", err)
	}
	// Trim rarely: only when the queue has clearly overgrown.
	if n := size.Val(); n > maxUnanswered+500 {
		victims, err := s.client.ZRange(ctx, z, 0, n-maxUnanswered-1).Result()
		if err == nil && len(victims) > 0 {
			_, _ = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.ZRem(ctx, z, toAny(victims)...)
				p.HDel(ctx, z+":example", victims...)
				p.HDel(ctx, z+":last", victims...)
				return nil
			})
		}
	}
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// CountUnanswered is how many different unanswered questions are queued.
func (s *Store) CountUnanswered(ctx context.Context) (int, error) {
	n, err := s.client.ZCard(ctx, s.key("unanswered")).Result()
	if err != nil {
		return 0, wrap("count unanswered questions", err)
	}
	return int(n), nil
}

// TopUnanswered returns the most frequently asked unanswered questions, most frequent first.
func (s *Store) TopUnanswered(ctx context.Context, limit int) ([]ganwei.UnansweredQuestion, error) {
	z := s.key("unanswered")
	top, err := s.client.ZRevRangeWithScores(ctx, z, 0, int64(limit)-1).Result()
	if err != nil {
		return nil, wrap("list unanswered questions", err)
	}
	if len(top) == 0 {
		return nil, nil
	}
	fields := make([]string, len(top))
	for i, m := range top {
		fields[i], _ = m.Member.(string)
	}
	var examples, lasts *redis.SliceCmd
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		examples = p.HMGet(ctx, z+":example", fields...)
		lasts = p.HMGet(ctx, z+":last", fields...)
		return nil
	})
	if err != nil {
		return nil, wrap("list unanswered questions", err)
	}
	out := make([]ganwei.UnansweredQuestion, len(top))
	for i, m := range top {
		ex, _ := examples.Val()[i].(string)
		lastStr, _ := lasts.Val()[i].(string)
		last, _ := strconv.ParseInt(lastStr, 10, 64)
		out[i] = ganwei.UnansweredQuestion{Normalized: fields[i], Example: ex, Count: int64(m.Score), LastAsked: time.Unix(last, 0)}
	}
	return out, nil
}
