package redisstore

// The audit log of views of check-in data, prompt claims and pauses. Keys: see checkins.go.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// Audit appends an entry to the audit log. A view of aggregate figures identical (same person,
// operator, unit and periods) to one logged less than ganwei.CoalesceWindow before is counted on
// that entry instead (Count, LastAt), so that paging through a summary is one line, not dozens;
// anything else is always a new entry.
func (s *Store) Audit(ctx context.Context, e *ganwei.AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.Now()
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	// The fingerprint key is always a real key under the prefix (Cluster: same slot); "0" in the
	// last argument says there is nothing to coalesce.
	fp, coalesce := s.key("auditco", "-"), "0"
	if e.Coalescable() {
		coalesce = "1"
		sum := sha256.Sum256([]byte(strings.Join(append([]string{e.Action, strconv.FormatInt(e.Actor, 10), e.Operator, e.Unit}, e.Periods...), "\x00")))
		fp = s.key("auditco", hex.EncodeToString(sum[:12]))
	}
	last, _ := json.Marshal(e.At)
	keys := []string{s.key("audit"), s.key("auditseq"), fp}
	err = auditScript.Run(ctx, s.client, keys, raw, auditCap, ganwei.CoalesceWindow.Milliseconds(), string(last), e.At.UnixMilli(), coalesce).Err()
	return wrap("write audit log", err)
}

// auditScript pushes an entry, numbered (seq) so that an entry's place in the list is known
// later: the list holds entries seq, seq-1, … from the head. A coalescable entry starts with its
// count and last time, '{"seq":N,"count":C,"last_at":"…",' followed by the entry as Go encoded
// it; with a fingerprint key (KEYS[3]) naming a recent identical entry still in the list, the
// script rewrites only that prefix (the rest is never decoded and re-encoded, so ids of any size
// stay exact). The fingerprint key holds "seq:first-time-ms"; the window is measured on the
// entries' own times (the store's clock), the key's expiry only tidies up.
// ARGV: entry JSON, cap, window (ms), the time as JSON, the time in ms, "1" to coalesce.
var auditScript = redis.NewScript(`
local coalesce = ARGV[6] == "1"
if coalesce then
  local v = redis.call('GET', KEYS[3])
  if v then
    local i = string.find(v, ':', 1, true)
    local mark, first = tonumber(string.sub(v, 1, i - 1)), tonumber(string.sub(v, i + 1))
    local now = tonumber(ARGV[5])
    if now >= first and now - first < tonumber(ARGV[3]) then
      local idx = tonumber(redis.call('GET', KEYS[2]) or "0") - mark
      if idx >= 0 and idx < tonumber(ARGV[2]) then
        local raw = redis.call('LINDEX', KEYS[1], idx)
        if raw then
          local _, stop, seq, count = string.find(raw, '^{"seq":(%d+),"count":(%d+),"last_at":"[^"]*",')
          if stop and tonumber(seq) == mark then
            redis.call('LSET', KEYS[1], idx, '{"seq":' .. seq .. ',"count":' .. (tonumber(count) + 1) ..
              ',"last_at":' .. ARGV[4] .. ',' .. string.sub(raw, stop + 1))
            return 0
          end
        end
      end
    end
  end
end
local seq = redis.call('INCR', KEYS[2])
local head = '{"seq":' .. seq .. ','
if coalesce then
  head = head .. '"count":1,"last_at":' .. ARGV[4] .. ','
end
redis.call('LPUSH', KEYS[1], head .. string.sub(ARGV[1], 2))
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if coalesce then
  redis.call('SET', KEYS[3], seq .. ':' .. ARGV[5], 'PX', ARGV[3])
end
return 1
`)

// AuditLog returns the newest entries first, at most limit.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]*ganwei.AuditEntry, error) {
	if limit <= 0 {
		limit = 50
	}
	raws, err := s.client.LRange(ctx, s.key("audit"), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, wrap("read audit log", err)
	}
	return decodeAudit(raws)
}

// decodeAudit decodes stored audit entries, in their order.
func decodeAudit(raws []string) ([]*ganwei.AuditEntry, error) {
	out := make([]*ganwei.AuditEntry, 0, len(raws))
	for _, raw := range raws {
		var e ganwei.AuditEntry
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, fmt.Errorf("decode audit entry: %w", err)
		}
		out = append(out, &e)
	}
	return out, nil
}

// AuditLogPage returns limit entries from offset (0 = the newest) and the log's length, in one
// round trip.
func (s *Store) AuditLogPage(ctx context.Context, offset, limit int) ([]*ganwei.AuditEntry, int, error) {
	if offset < 0 || limit <= 0 {
		return nil, 0, ganwei.Errorf(ganwei.EINVALID, "invalid page %d+%d", offset, limit)
	}
	var raws *redis.StringSliceCmd
	var n *redis.IntCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		raws = p.LRange(ctx, s.key("audit"), int64(offset), int64(offset+limit-1))
		n = p.LLen(ctx, s.key("audit"))
		return nil
	})
	if err != nil {
		return nil, 0, wrap("read audit log", err)
	}
	out, err := decodeAudit(raws.Val())
	return out, int(n.Val()), err
}

// ClaimPrompt reports whether this caller is the first to claim sending kind to the person for
// the period (HSETNX: one winner among replicas).
func (s *Store) ClaimPrompt(ctx context.Context, userID int64, period, kind string) (bool, error) {
	key := s.key("ciclaim", strconv.FormatInt(userID, 10))
	var set *redis.BoolCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		set = p.HSetNX(ctx, key, period+"|"+kind, s.Now().Unix())
		p.Expire(ctx, key, claimTTL)
		return nil
	})
	if err != nil {
		return false, wrap("claim prompt", err)
	}
	return set.Val(), nil
}

// SetPaused pauses (or resumes) prompts for a person (userID > 0) or a unit.
func (s *Store) SetPaused(ctx context.Context, userID int64, unit string, paused bool) error {
	key, member := s.key("cipause", "units"), unit
	if userID > 0 {
		key, member = s.key("cipause", "users"), strconv.FormatInt(userID, 10)
	}
	if member == "" {
		return ganwei.Errorf(ganwei.EINVALID, "请指定人员或单位")
	}
	var err error
	if paused {
		err = s.client.SAdd(ctx, key, member).Err()
	} else {
		err = s.client.SRem(ctx, key, member).Err()
	}
	return wrap("set paused", err)
}

// Paused returns the paused people and units.
func (s *Store) Paused(ctx context.Context) (map[int64]bool, map[string]bool, error) {
	var us, un *redis.StringSliceCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		us = p.SMembers(ctx, s.key("cipause", "users"))
		un = p.SMembers(ctx, s.key("cipause", "units"))
		return nil
	})
	if err != nil {
		return nil, nil, wrap("read pauses", err)
	}
	users, units := map[int64]bool{}, map[string]bool{}
	for _, v := range us.Val() {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			users[id] = true
		}
	}
	for _, v := range un.Val() {
		units[v] = true
	}
	return users, units, nil
}
