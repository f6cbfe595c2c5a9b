package redisstore

// The audit log of views of check-in data, prompt claims and pauses. Keys: see checkins.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// Audit appends an entry to the audit log.
func (s *Store) Audit(ctx context.Context, e *ganwei.AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.Now()
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, s.key("audit"), raw)
		p.LTrim(ctx, s.key("audit"), 0, auditCap-1)
		return nil
	})
	return wrap("write audit log", err)
}

// AuditLog returns the newest entries first, at most limit.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]*ganwei.AuditEntry, error) {
	if limit <= 0 {
		limit = 50
	}
	raws, err := s.client.LRange(ctx, s.key("audit"), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, wrap("read audit log", err)
	}
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
