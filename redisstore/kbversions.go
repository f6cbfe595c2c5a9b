package redisstore

// Keys of the curators' overlay on the knowledge base (package curation):
//
//	{prefix}:kb:live      string  the live (newest) version number; missing = 0, the shipped files
//	{prefix}:kb:versions  hash    version number -> JSON ganwei.KBVersion
//	{prefix}:kb:blobs     hash    digest -> one entry's content (JSON), shared by the versions
//	{prefix}:kb:seq       string  the last number given to a new entry's id
//
// Replicas poll kb:live (one GET) to pick up a new version; nothing here expires, so every
// earlier version stays available for a rollback.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

var _ ganwei.KBVersionStore = (*Store)(nil)

// KBLive implements ganwei.KBVersionStore.
func (s *Store) KBLive(ctx context.Context) (int64, error) {
	n, err := s.client.Get(ctx, s.key("kb", "live")).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, wrap("read live knowledge version", err)
	}
	return n, nil
}

// KBVersion implements ganwei.KBVersionStore.
func (s *Store) KBVersion(ctx context.Context, n int64) (*ganwei.KBVersion, error) {
	raw, err := s.client.HGet(ctx, s.key("kb", "versions"), strconv.FormatInt(n, 10)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有第 %d 版", n)
	}
	if err != nil {
		return nil, wrap("read knowledge version", err)
	}
	var v ganwei.KBVersion
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decode knowledge version %d: %w", n, err)
	}
	return &v, nil
}

// KBVersions implements ganwei.KBVersionStore.
func (s *Store) KBVersions(ctx context.Context, from int64, limit int) ([]*ganwei.KBVersion, error) {
	if from <= 0 {
		live, err := s.KBLive(ctx)
		if err != nil {
			return nil, err
		}
		from = live
	}
	var fields []string
	for n := from; n >= 1 && len(fields) < limit; n-- {
		fields = append(fields, strconv.FormatInt(n, 10))
	}
	if len(fields) == 0 {
		return nil, nil
	}
	vals, err := s.client.HMGet(ctx, s.key("kb", "versions"), fields...).Result()
	if err != nil {
		return nil, wrap("list knowledge versions", err)
	}
	out := make([]*ganwei.KBVersion, 0, len(vals))
	for i, raw := range vals {
		str, ok := raw.(string)
		if !ok {
			continue
		}
		var v ganwei.KBVersion
		if err := json.Unmarshal([]byte(str), &v); err != nil {
			return nil, fmt.Errorf("decode knowledge version %s: %w", fields[i], err)
		}
		out = append(out, &v)
	}
	return out, nil
}

// KBBlobs implements ganwei.KBVersionStore.
func (s *Store) KBBlobs(ctx context.Context, digests []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(digests))
	if len(digests) == 0 {
		return out, nil
	}
	vals, err := s.client.HMGet(ctx, s.key("kb", "blobs"), digests...).Result()
	if err != nil {
		return nil, wrap("read knowledge entries", err)
	}
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[digests[i]] = []byte(str)
		}
	}
	return out, nil
}

// kbCommitScript makes a version live only if it follows the live one.
// KEYS: live, versions, blobs. ARGV: 1 n, 2 version JSON, then digest, content pairs.
var kbCommitScript = redis.NewScript(`
local live = tonumber(redis.call('GET', KEYS[1]) or '0')
if live + 1 ~= tonumber(ARGV[1]) then return live end
for i = 3, #ARGV, 2 do redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i+1]) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SET', KEYS[1], ARGV[1])
return -1
`)

// KBCommit implements ganwei.KBVersionStore.
func (s *Store) KBCommit(ctx context.Context, v *ganwei.KBVersion, blobs map[string][]byte) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode knowledge version: %w", err)
	}
	args := []any{v.N, raw}
	for d, b := range blobs {
		args = append(args, d, b)
	}
	live, err := kbCommitScript.Run(ctx, s.client, []string{s.key("kb", "live"), s.key("kb", "versions"), s.key("kb", "blobs")}, args...).Int64()
	if err != nil {
		return wrap("commit knowledge version", err)
	}
	if live >= 0 {
		return ganwei.Errorf(ganwei.ECONFLICT, "知识库刚刚有了新的第 %d 版，请刷新后再试", live)
	}
	return nil
}

// KBNextNumber implements ganwei.KBVersionStore.
func (s *Store) KBNextNumber(ctx context.Context) (int64, error) {
	n, err := s.client.Incr(ctx, s.key("kb", "seq")).Result()
	return n, wrap("number a new knowledge entry", err)
}

// FeedbackOf implements ganwei.QuestionLog: one round trip for all the entries.
func (s *Store) FeedbackOf(ctx context.Context, entryIDs []string) ([]ganwei.EntryFeedback, error) {
	cmds := make([]*redis.MapStringStringCmd, len(entryIDs))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range entryIDs {
			cmds[i] = p.HGetAll(ctx, s.key("feedback", id))
		}
		return nil
	})
	if err != nil {
		return nil, wrap("read feedback", err)
	}
	var out []ganwei.EntryFeedback
	for i, id := range entryIDs {
		if fb := parseFeedback(id, cmds[i].Val()); fb.Up+fb.Down+fb.Picks > 0 {
			out = append(out, fb)
		}
	}
	return out, nil
}

// parseFeedback reads one {prefix}:feedback:{entryID} hash (see questions.go).
func parseFeedback(id string, fields map[string]string) ganwei.EntryFeedback {
	fb := ganwei.EntryFeedback{EntryID: id}
	for k, v := range fields {
		n, _ := strconv.ParseInt(v, 10, 64)
		switch {
		case k == ganwei.VoteUp:
			fb.Up = n
		case k == ganwei.VoteDown:
			fb.Down = n
		case k == "picks":
			fb.Picks = n
		case strings.HasPrefix(k, "why:") && n > 0:
			if fb.Reasons == nil {
				fb.Reasons = map[string]int64{}
			}
			fb.Reasons[strings.TrimPrefix(k, "why:")] = n
		}
	}
	return fb
}

// ResolveUnanswered implements ganwei.QuestionLog.
func (s *Store) ResolveUnanswered(ctx context.Context, normalized string) (bool, error) {
	z := s.key("unanswered")
	var removed *redis.IntCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		removed = p.ZRem(ctx, z, normalized)
		p.HDel(ctx, z+":example", normalized)
		p.HDel(ctx, z+":last", normalized)
		return nil
	})
	if err != nil {
		return false, wrap("resolve unanswered question", err)
	}
	return removed.Val() > 0, nil
}
