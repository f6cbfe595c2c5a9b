package redisstore

// Care check-ins: answers, precomputed aggregates, follow-up cases, prompt claims, pauses and the
// audit log. Keys:
//
//	{prefix}:ci:{telegramID}:{period}          hash    one answer: w s sup ben talk unit at case (expires: CheckInRetention);
//	                                                   w, s "0" and sup, ben, talk "" for questions not answered yet
//	{prefix}:ci:{telegramID}:{period}:note     string  the answer's free-text line (expires: NoteRetention)
//	{prefix}:ci:{telegramID}                   zset    periods the person answered (score = first answer, unix s)
//	{prefix}:cicase:{telegramID}               set     ids of the person's follow-up cases
//	{prefix}:ciclaim:{telegramID}              hash    "{period}|{kind}" -> unix s: prompt or reminder already sent
//	{prefix}:ciagg:{period}:all                hash    aggregate of everyone (fields below)
//	{prefix}:ciagg:{period}:unit:{unit}        hash    aggregate of one unit
//	{prefix}:ciunits                           set     units that answered or were asked
//	{prefix}:ciperiods                         zset    periods with answers or prompts (score = first, unix s)
//	{prefix}:cielig:{period}                   set     Telegram ids counted as eligible: prompted, or answered (expires: CheckInRetention)
//	{prefix}:case:{id}                         hash    uid unit period reasons status assignee created updated;
//	                                                   after /forgetme only period status created updated forgotten
//	{prefix}:case:{id}:notes                   list    JSON ganwei.CaseNote, oldest first
//	{prefix}:cases                             zset    every case id (score = created, unix s)
//	{prefix}:cases:active                      zset    case ids not closed (score = created, unix s)
//	{prefix}:cases:openbyunit                  hash    unit -> number of cases not closed (summaries read it)
//	{prefix}:cipause:users                     set     Telegram ids whose prompts are paused
//	{prefix}:cipause:units                     set     units whose prompts are paused
//	{prefix}:audit                             list    JSON ganwei.AuditEntry, newest first, capped at auditCap
//	{prefix}:auditseq                          string  number of the newest audit entry ("seq" in its JSON)
//	{prefix}:auditco:{fingerprint}             string  "seq:first-ms" of a recent summary view, for coalescing; TTL 10 min
//
// Aggregate fields: n (responses), eligible, blocked, w_sum, s_sum, w1..w5, s1..s5, sup_enough, sup_partly,
// sup_lacking, ben_ok, ben_pending, talk, talk_n (answered the talk question). A partial answer
// counts in n and in the fields of the questions it answered. They hold counts only, never an identity, so they stay
// when a person uses /forgetme.
//
// The submit script also touches the aggregate of the unit a replaced answer was counted in and
// an existing case; those keys are built inside the script from prefixes. In Cluster mode the
// prefix must carry a hash tag (see the package doc) so that they share the script's slot.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

var _ ganwei.CheckInService = (*Store)(nil)

// Default retention of check-in data; GANWEI_CHECKIN_RETENTION and GANWEI_CHECKIN_NOTE_RETENTION
// override them through Store.CheckInRetention and Store.NoteRetention.
const (
	DefaultCheckInRetention = 2 * 365 * 24 * time.Hour // scores: two years of trends
	DefaultNoteRetention    = 90 * 24 * time.Hour      // free text is the most sensitive part
	claimTTL                = 90 * 24 * time.Hour
	auditCap                = 100000
)

func (s *Store) ciKey(uid int64, period string) string {
	return s.key("ci", strconv.FormatInt(uid, 10), period)
}
func (s *Store) ciIndexKey(uid int64) string { return s.key("ci", strconv.FormatInt(uid, 10)) }
func (s *Store) aggKey(period, unit string) string {
	if unit == "" {
		return s.key("ciagg", period, "all")
	}
	return s.key("ciagg", period, "unit", unit)
}
func (s *Store) caseKey(id string) string { return s.key("case", id) }

func (s *Store) retention() (scores, notes time.Duration) {
	scores, notes = s.CheckInRetention, s.NoteRetention
	if scores <= 0 {
		scores = DefaultCheckInRetention
	}
	if notes <= 0 {
		notes = DefaultNoteRetention
	}
	if notes > scores {
		notes = scores
	}
	return scores, notes
}

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

func (s *Store) eligibleKey(period string) string { return s.key("cielig", period) }

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// caseAlphabet: ids are typed rarely but read aloud; no look-alikes.
const caseAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// decodeCheckIn builds a CheckIn from an answer hash; nil when the hash is empty (expired).
func decodeCheckIn(uid int64, period string, h map[string]string, note string) *ganwei.CheckIn {
	if len(h) == 0 || h["at"] == "" {
		return nil
	}
	w, _ := strconv.Atoi(h[ganwei.QuestionWellbeing])
	st, _ := strconv.Atoi(h[ganwei.QuestionStress])
	at, _ := strconv.ParseInt(h["at"], 10, 64)
	return &ganwei.CheckIn{
		UserID: uid, Unit: h["unit"], Period: period, Wellbeing: w, Stress: st,
		Support: ganwei.Support(h[ganwei.QuestionSupport]), Benefits: ganwei.Benefits(h[ganwei.QuestionBenefits]), Talk: h[ganwei.QuestionTalk] == "1",
		TalkAnswered: h[ganwei.QuestionTalk] == "0" || h[ganwei.QuestionTalk] == "1", Note: note, SubmittedAt: time.Unix(at, 0),
	}
}

// CheckIn returns the person's answer for the period, or ENOTFOUND.
func (s *Store) CheckIn(ctx context.Context, userID int64, period string) (*ganwei.CheckIn, error) {
	var c *ganwei.CheckIn
	err := s.readCheckIns(ctx, "get check-in", []int64{userID}, []string{period}, func(got *ganwei.CheckIn) error {
		c = got
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "本期还没有填写")
	}
	return c, nil
}

// readCheckIns reads the answers of every person in every period, person by person, in one round
// trip, and calls fn for each one still stored.
func (s *Store) readCheckIns(ctx context.Context, action string, uids []int64, periods []string, fn func(*ganwei.CheckIn) error) error {
	hs := make([]*redis.MapStringStringCmd, 0, len(uids)*len(periods))
	notes := make([]*redis.StringCmd, 0, len(uids)*len(periods))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, uid := range uids {
			for _, per := range periods {
				k := s.ciKey(uid, per)
				hs = append(hs, p.HGetAll(ctx, k))
				notes = append(notes, p.Get(ctx, k+":note"))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) { // a missing note is redis.Nil
		return wrap(action, err)
	}
	i := 0
	for _, uid := range uids {
		for _, per := range periods {
			if c := decodeCheckIn(uid, per, hs[i].Val(), notes[i].Val()); c != nil {
				if err := fn(c); err != nil {
					return err
				}
			}
			i++
		}
	}
	return nil
}

// CheckIns returns the person's answers, newest first, at most limit (0 = all).
func (s *Store) CheckIns(ctx context.Context, userID int64, limit int) ([]*ganwei.CheckIn, error) {
	stop := int64(-1)
	if limit > 0 {
		stop = int64(limit - 1)
	}
	periods, err := s.client.ZRevRange(ctx, s.ciIndexKey(userID), 0, stop).Result()
	if err != nil {
		return nil, wrap("list check-ins", err)
	}
	var out []*ganwei.CheckIn
	err = s.readCheckIns(ctx, "list check-ins", []int64{userID}, periods, func(c *ganwei.CheckIn) error {
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachCheckIn calls fn for every stored answer in the periods, person by person, reading a batch
// of people per round trip so that memory stays flat however large the year is.
func (s *Store) EachCheckIn(ctx context.Context, periods []string, fn func(*ganwei.CheckIn) error) error {
	const batch = 50 // × 52 periods: 2,600 answers in flight
	var cursor int64
	for {
		ids, err := s.client.ZRangeByScore(ctx, s.key("users"), &redis.ZRangeBy{
			Min: "(" + strconv.FormatInt(cursor, 10), Max: "+inf", Count: batch}).Result()
		if err != nil {
			return wrap("list users for export", err)
		}
		if len(ids) == 0 {
			return nil
		}
		uids := make([]int64, len(ids))
		for i, v := range ids {
			uids[i], _ = strconv.ParseInt(v, 10, 64)
		}
		if err := s.readCheckIns(ctx, "read check-ins for export", uids, periods, fn); err != nil {
			return err
		}
		cursor = uids[len(uids)-1]
	}
}
