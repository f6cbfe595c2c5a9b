package redisstore

// Follow-up cases opened by check-in answers. Keys: see checkins.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// maxCases bounds one listing; an organization with more open cases has a bigger problem.
const maxCases = 5000

// Cases lists cases, newest first, at most maxCases.
func (s *Store) Cases(ctx context.Context, activeOnly bool) ([]*ganwei.Case, error) {
	idx := s.key("cases")
	if activeOnly {
		idx = s.key("cases", "active")
	}
	ids, err := s.client.ZRevRange(ctx, idx, 0, maxCases-1).Result()
	if err != nil {
		return nil, wrap("list cases", err)
	}
	return s.loadCases(ctx, ids)
}

// ActiveCaseHeads lists the active cases' id, unit and status, newest first (as Cases), reading
// two fields of each instead of the whole case and its notes.
func (s *Store) ActiveCaseHeads(ctx context.Context) ([]ganwei.CaseHead, error) {
	ids, err := s.client.ZRevRange(ctx, s.key("cases", "active"), 0, maxCases-1).Result()
	if err != nil {
		return nil, wrap("list cases", err)
	}
	fields := make([]*redis.SliceCmd, len(ids))
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			fields[i] = p.HMGet(ctx, s.caseKey(id), "unit", "status")
		}
		return nil
	})
	if err != nil {
		return nil, wrap("read cases", err)
	}
	heads := make([]ganwei.CaseHead, 0, len(ids))
	for i, id := range ids {
		v := fields[i].Val()
		status, _ := v[1].(string)
		if status == "" {
			continue // deleted between the two reads
		}
		unit, _ := v[0].(string)
		heads = append(heads, ganwei.CaseHead{ID: id, Unit: unit, Status: ganwei.CaseStatus(status)})
	}
	return heads, nil
}

// CasesByID reads the cases with the ids, in order, skipping any that do not exist.
func (s *Store) CasesByID(ctx context.Context, ids []string) ([]*ganwei.Case, error) {
	return s.loadCases(ctx, ids)
}

// Case returns one case, or ENOTFOUND.
func (s *Store) Case(ctx context.Context, id string) (*ganwei.Case, error) {
	cs, err := s.loadCases(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这个跟进事项")
	}
	return cs[0], nil
}

func (s *Store) loadCases(ctx context.Context, ids []string) ([]*ganwei.Case, error) {
	hs := make([]*redis.MapStringStringCmd, len(ids))
	notes := make([]*redis.StringSliceCmd, len(ids))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			hs[i] = p.HGetAll(ctx, s.caseKey(id))
			notes[i] = p.LRange(ctx, s.caseKey(id)+":notes", 0, -1)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("read cases", err)
	}
	var out []*ganwei.Case
	for i, id := range ids {
		h := hs[i].Val()
		if h["status"] == "" {
			continue
		}
		uid, _ := strconv.ParseInt(h["uid"], 10, 64)
		assignee, _ := strconv.ParseInt(h["assignee"], 10, 64)
		created, _ := strconv.ParseInt(h["created"], 10, 64)
		updated, _ := strconv.ParseInt(h["updated"], 10, 64)
		c := &ganwei.Case{ID: id, UserID: uid, Unit: h["unit"], Period: h["period"],
			Status: ganwei.CaseStatus(h["status"]), Assignee: assignee,
			CreatedAt: time.Unix(created, 0), UpdatedAt: time.Unix(updated, 0)}
		if h["reasons"] != "" {
			c.Reasons = strings.Split(h["reasons"], "、")
		}
		for _, raw := range notes[i].Val() {
			var n ganwei.CaseNote
			if json.Unmarshal([]byte(raw), &n) == nil {
				c.Notes = append(c.Notes, n)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// updateCaseScript moves a case forward. KEYS: case, notes, active, open by unit. ARGV: status,
// rank, by, now, note JSON, case key prefix. Returns 1, 0 (no such case), -1 (backwards) or -2
// (the person used /forgetme: the shell takes nothing more that could name them).
var updateCaseScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 0 end
if redis.call('HEXISTS', KEYS[1], 'forgotten') == 1 then return -2 end
local rank = {open = 0, assigned = 1, contacted = 2, closed = 3}
if tonumber(ARGV[2]) < rank[st] then return -1 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updated', ARGV[4])
if ARGV[1] == 'assigned' and st == 'open' then redis.call('HSET', KEYS[1], 'assignee', ARGV[3]) end
redis.call('RPUSH', KEYS[2], ARGV[5])
if ARGV[1] == 'closed' and st ~= 'closed' then
  redis.call('ZREM', KEYS[3], string.sub(KEYS[1], #ARGV[6] + 1))
  redis.call('HINCRBY', KEYS[4], redis.call('HGET', KEYS[1], 'unit') or '', -1)
end
return 1
`)

// errForgottenCase refuses a change to a case closed by /forgetme: a note or a reopening would
// write the person back into a record that must no longer name them.
var errForgottenCase = ganwei.Errorf(ganwei.EINVALID, "本人已删除个人资料，这个事项已结案，不能再添加备注或重新打开")

func caseRank(s ganwei.CaseStatus) int {
	switch s {
	case ganwei.CaseOpen:
		return 0
	case ganwei.CaseAssigned:
		return 1
	case ganwei.CaseContacted:
		return 2
	case ganwei.CaseClosed:
		return 3
	}
	return -1
}

// UpdateCase moves a case to status (or keeps it, to add a note); never backwards.
func (s *Store) UpdateCase(ctx context.Context, id string, status ganwei.CaseStatus, by int64, note string) (*ganwei.Case, error) {
	rank := caseRank(status)
	if rank < 0 {
		return nil, ganwei.Errorf(ganwei.EINVALID, "未知的跟进状态")
	}
	if len([]rune(note)) > ganwei.MaxCaseNoteLen {
		return nil, ganwei.Errorf(ganwei.EINVALID, "备注请不超过 %d 个字", ganwei.MaxCaseNoteLen)
	}
	now := s.Now()
	raw, err := json.Marshal(ganwei.CaseNote{At: now, By: by, Status: status, Text: note})
	if err != nil {
		return nil, fmt.Errorf("encode case note: %w", err)
	}
	n, err := updateCaseScript.Run(ctx, s.client,
		[]string{s.caseKey(id), s.caseKey(id) + ":notes", s.key("cases", "active"), s.key("cases", "openbyunit")},
		string(status), rank, by, now.Unix(), raw, s.key("case")+":").Int()
	if err != nil {
		return nil, wrap("update case", err)
	}
	switch n {
	case 0:
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这个跟进事项")
	case -1:
		return nil, ganwei.Errorf(ganwei.EINVALID, "跟进状态只能向前推进")
	case -2:
		return nil, errForgottenCase
	}
	return s.Case(ctx, id)
}

// reopenCaseScript puts a closed case back to open and among the active ones. KEYS: case, notes,
// active, open by unit. ARGV: now, note JSON, case id. Returns 1, 0 (no such case), -1 (not
// closed) or -2 (closed by /forgetme).
var reopenCaseScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 0 end
if redis.call('HEXISTS', KEYS[1], 'forgotten') == 1 then return -2 end
if st ~= 'closed' then return -1 end
redis.call('HSET', KEYS[1], 'status', 'open', 'updated', ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], redis.call('HGET', KEYS[1], 'created') or ARGV[1], ARGV[3])
redis.call('HINCRBY', KEYS[4], redis.call('HGET', KEYS[1], 'unit') or '', 1)
return 1
`)

// ReopenCase puts a closed case back to 待跟进 (a case closed by mistake, or a person who needs
// more help): it counts as open again in /cases and the summaries.
func (s *Store) ReopenCase(ctx context.Context, id string, by int64, note string) (*ganwei.Case, error) {
	if len([]rune(note)) > ganwei.MaxCaseNoteLen {
		return nil, ganwei.Errorf(ganwei.EINVALID, "备注请不超过 %d 个字", ganwei.MaxCaseNoteLen)
	}
	now := s.Now()
	raw, err := json.Marshal(ganwei.CaseNote{At: now, By: by, Status: ganwei.CaseOpen, Text: note})
	if err != nil {
		return nil, fmt.Errorf("encode case note: %w", err)
	}
	n, err := reopenCaseScript.Run(ctx, s.client,
		[]string{s.caseKey(id), s.caseKey(id) + ":notes", s.key("cases", "active"), s.key("cases", "openbyunit")},
		now.Unix(), raw, id).Int()
	if err != nil {
		return nil, wrap("reopen case", err)
	}
	switch n {
	case 0:
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这个跟进事项")
	case -1:
		return nil, ganwei.Errorf(ganwei.EINVALID, "这个事项还没有结案，无需重新打开")
	case -2:
		return nil, errForgottenCase
	}
	return s.Case(ctx, id)
}

// OpenCases counts the cases not closed, overall and per unit, without loading them.
func (s *Store) OpenCases(ctx context.Context) (int, map[string]int, error) {
	var total *redis.IntCmd
	var byUnit *redis.MapStringStringCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		total = p.ZCard(ctx, s.key("cases", "active"))
		byUnit = p.HGetAll(ctx, s.key("cases", "openbyunit"))
		return nil
	})
	if err != nil {
		return 0, nil, wrap("count open cases", err)
	}
	per := map[string]int{}
	for u, v := range byUnit.Val() {
		if n, _ := strconv.Atoi(v); n > 0 {
			per[u] = n
		}
	}
	return int(total.Val()), per, nil
}
