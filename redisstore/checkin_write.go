package redisstore

// Writing answers: submitting and withdrawing a check-in, its aggregates and follow-up case changed in the same script. Keys: see checkins.go.

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

// submitScript writes one answer (complete or partial), adjusts the aggregates (undoing a
// replaced answer first), counts the author as eligible, and opens or updates the follow-up case,
// all in one atomic step. Each question is counted only where it was answered.
//
// KEYS: 1 answer, 2 note, 3 user index, 4 agg all, 5 agg unit, 6 units, 7 periods, 8 user cases,
// 9 new case, 10 new case notes, 11 cases, 12 active cases, 13 open cases by unit, 14 eligible set.
// ARGV: 1 w (0 = unanswered), 2 s (0), 3 sup (""), 4 ben (""), 5 talk ("", "0", "1"), 6 unit,
// 7 now, 8 answer ttl s, 9 note, 10 note ttl s, 11 reasons ("" = no follow-up), 12 new case id,
// 13 uid, 14 unit agg key prefix, 15 period, 16 first case note JSON, 17 case key prefix,
// 18 retraction note JSON (the answer no longer needs the case it opened).
// Returns {updated 0/1, case id or "", new case 0/1, talk newly requested 0/1}.
var submitScript = redis.NewScript(luaCheckInHelpers + `
local old = redis.call('HMGET', KEYS[1], 'w', 's', 'sup', 'ben', 'talk', 'unit', 'case', 'at')
local updated = 0
if old[8] then
  updated = 1
  local ow, os = num(old[1]), num(old[2])
  bump(KEYS[4], ow, os, old[3], old[4], old[5], -1)
  if old[6] and old[6] ~= '' then bump(ARGV[14] .. old[6], ow, os, old[3], old[4], old[5], -1) end
end
local w, s = tonumber(ARGV[1]), tonumber(ARGV[2])
bump(KEYS[4], w, s, ARGV[3], ARGV[4], ARGV[5], 1)
if ARGV[6] ~= '' then
  bump(KEYS[5], w, s, ARGV[3], ARGV[4], ARGV[5], 1)
  redis.call('SADD', KEYS[6], ARGV[6])
end
if redis.call('SADD', KEYS[14], ARGV[13]) == 1 then
  redis.call('HINCRBY', KEYS[4], 'eligible', 1)
  if ARGV[6] ~= '' then redis.call('HINCRBY', KEYS[5], 'eligible', 1) end
end
redis.call('EXPIRE', KEYS[14], ARGV[8])
local talkreq = 0
if ARGV[5] == '1' and old[5] ~= '1' then talkreq = 1 end
local caseid = old[7] or ''
local newcase = 0
if ARGV[11] == '' and caseid ~= '' then
  if retract(ARGV[17], caseid, KEYS[12], KEYS[13], ARGV[7], ARGV[18]) then caseid = '' end
elseif ARGV[11] ~= '' then
  if caseid ~= '' and redis.call('ZSCORE', KEYS[12], caseid) then
    redis.call('HSET', ARGV[17] .. caseid, 'reasons', ARGV[11], 'updated', ARGV[7])
  else
    caseid = ARGV[12]
    redis.call('HSET', KEYS[9], 'uid', ARGV[13], 'unit', ARGV[6], 'period', ARGV[15], 'reasons', ARGV[11],
      'status', 'open', 'created', ARGV[7], 'updated', ARGV[7])
    redis.call('RPUSH', KEYS[10], ARGV[16])
    redis.call('ZADD', KEYS[11], ARGV[7], caseid)
    redis.call('ZADD', KEYS[12], ARGV[7], caseid)
    redis.call('SADD', KEYS[8], caseid)
    redis.call('HINCRBY', KEYS[13], ARGV[6], 1)
    newcase = 1
  end
end
redis.call('HSET', KEYS[1], 'w', ARGV[1], 's', ARGV[2], 'sup', ARGV[3], 'ben', ARGV[4], 'talk', ARGV[5],
  'unit', ARGV[6], 'at', ARGV[7], 'case', caseid)
redis.call('EXPIRE', KEYS[1], ARGV[8])
if ARGV[9] ~= '' then
  redis.call('SET', KEYS[2], ARGV[9], 'EX', ARGV[10])
else
  redis.call('DEL', KEYS[2])
end
redis.call('ZADD', KEYS[3], 'NX', ARGV[7], ARGV[15])
redis.call('EXPIRE', KEYS[3], ARGV[8])
redis.call('ZADD', KEYS[7], 'NX', ARGV[7], ARGV[15])
return {updated, caseid, newcase, talkreq}
`)

// SubmitCheckIn stores c and adjusts the aggregates in one atomic step (see submitScript). It
// is called after every answered question, so a check-in abandoned half-way is kept as far as it
// went.
func (s *Store) SubmitCheckIn(ctx context.Context, c *ganwei.CheckIn) (*ganwei.SubmitResult, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	now := s.Now()
	c.SubmittedAt = now
	scoresTTL, notesTTL := s.retention()
	reasons := strings.Join(c.FollowUpReasons(), "、")
	newID, err := randomCode(caseAlphabet, 8)
	if err != nil {
		return nil, err
	}
	first, err := json.Marshal(ganwei.CaseNote{At: now, Status: ganwei.CaseOpen, Text: "问卷回答触发跟进：" + reasons})
	if err != nil {
		return nil, fmt.Errorf("encode case note: %w", err)
	}
	retractNote, err := s.retractNote()
	if err != nil {
		return nil, err
	}
	talk := ""
	switch {
	case c.Talk:
		talk = "1"
	case c.TalkAnswered:
		talk = "0"
	}
	uid := strconv.FormatInt(c.UserID, 10)
	keys := []string{
		s.ciKey(c.UserID, c.Period), s.ciKey(c.UserID, c.Period) + ":note", s.ciIndexKey(c.UserID),
		s.aggKey(c.Period, ""), s.aggKey(c.Period, c.Unit), s.key("ciunits"), s.key("ciperiods"),
		s.key("cicase", uid), s.caseKey(newID), s.caseKey(newID) + ":notes", s.key("cases"), s.key("cases", "active"),
		s.key("cases", "openbyunit"), s.eligibleKey(c.Period),
	}
	res, err := submitScript.Run(ctx, s.client, keys,
		c.Wellbeing, c.Stress, string(c.Support), string(c.Benefits), talk, c.Unit, now.Unix(),
		int64(scoresTTL/time.Second), c.Note, int64(notesTTL/time.Second), reasons, newID, uid,
		s.key("ciagg", c.Period, "unit")+":", c.Period, first, s.key("case")+":", retractNote).Slice()
	if err != nil {
		return nil, wrap("save check-in", err)
	}
	if len(res) != 4 {
		return nil, fmt.Errorf("save check-in: unexpected reply %v", res)
	}
	out := &ganwei.SubmitResult{Updated: toInt(res[0]) == 1, NewCase: toInt(res[2]) == 1, TalkRequested: toInt(res[3]) == 1}
	out.CaseID, _ = res[1].(string)
	return out, nil
}

// luaCheckInHelpers are shared by the scripts that change answers.
//
// bump adds (d = 1) or removes (d = -1) one answer in an aggregate, each question only where it
// was answered. retract closes a case an answer opened when the answer no longer asks for it
// (changed, or withdrawn) and nobody in HR has taken it up yet; it reports whether it did.
const luaCheckInHelpers = `
local function bump(key, w, s, sup, ben, talk, d)
  redis.call('HINCRBY', key, 'n', d)
  if w and w > 0 then
    redis.call('HINCRBY', key, 'w_sum', d * w)
    redis.call('HINCRBY', key, 'w' .. w, d)
  end
  if s and s > 0 then
    redis.call('HINCRBY', key, 's_sum', d * s)
    redis.call('HINCRBY', key, 's' .. s, d)
  end
  if sup and sup ~= '' then redis.call('HINCRBY', key, 'sup_' .. sup, d) end
  if ben and ben ~= '' then redis.call('HINCRBY', key, 'ben_' .. ben, d) end
  if talk == '0' or talk == '1' then redis.call('HINCRBY', key, 'talk_n', d) end
  if talk == '1' then redis.call('HINCRBY', key, 'talk', d) end
end
local function num(v) if v then return tonumber(v) end return nil end
local function retract(caseprefix, caseid, active, openbyunit, now, note)
  local ck = caseprefix .. caseid
  if redis.call('HGET', ck, 'status') ~= 'open' then return false end
  redis.call('HSET', ck, 'status', 'closed', 'updated', now)
  redis.call('RPUSH', ck .. ':notes', note)
  redis.call('ZREM', active, caseid)
  redis.call('HINCRBY', openbyunit, redis.call('HGET', ck, 'unit') or '', -1)
  return true
end
`

// retractNote is the note on a case closed because its answer changed before HR took it up.
func (s *Store) retractNote() ([]byte, error) {
	raw, err := json.Marshal(ganwei.CaseNote{At: s.Now(), Status: ganwei.CaseClosed, Text: "本人修改或撤回了回答，无需跟进"})
	if err != nil {
		return nil, fmt.Errorf("encode case note: %w", err)
	}
	return raw, nil
}

// withdrawScript deletes one answer, takes it out of the aggregates and retracts the case it
// opened. KEYS: answer, note, user index, agg all, active cases, open cases by unit.
// ARGV: unit agg key prefix, period, case key prefix, now, retraction note JSON.
var withdrawScript = redis.NewScript(luaCheckInHelpers + `
local old = redis.call('HMGET', KEYS[1], 'w', 's', 'sup', 'ben', 'talk', 'unit', 'at', 'case')
if not old[7] then return 0 end
local w, s = num(old[1]), num(old[2])
bump(KEYS[4], w, s, old[3], old[4], old[5], -1)
if old[6] and old[6] ~= '' then bump(ARGV[1] .. old[6], w, s, old[3], old[4], old[5], -1) end
if old[8] and old[8] ~= '' then retract(ARGV[3], old[8], KEYS[5], KEYS[6], ARGV[4], ARGV[5]) end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`)

// WithdrawCheckIn deletes the person's answer for the period and takes it out of the aggregates;
// a case it opened that HR has not taken up is closed.
func (s *Store) WithdrawCheckIn(ctx context.Context, userID int64, period string) error {
	note, err := s.retractNote()
	if err != nil {
		return err
	}
	k := s.ciKey(userID, period)
	err = withdrawScript.Run(ctx, s.client,
		[]string{k, k + ":note", s.ciIndexKey(userID), s.aggKey(period, ""), s.key("cases", "active"), s.key("cases", "openbyunit")},
		s.key("ciagg", period, "unit")+":", period, s.key("case")+":", s.Now().Unix(), note).Err()
	return wrap("withdraw check-in", err)
}

// caseAlphabet: ids are typed rarely but read aloud; no look-alikes.
const caseAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"
