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
	"sort"
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
	w, _ := strconv.Atoi(h["w"])
	st, _ := strconv.Atoi(h["s"])
	at, _ := strconv.ParseInt(h["at"], 10, 64)
	return &ganwei.CheckIn{
		UserID: uid, Unit: h["unit"], Period: period, Wellbeing: w, Stress: st,
		Support: ganwei.Support(h["sup"]), Benefits: ganwei.Benefits(h["ben"]), Talk: h["talk"] == "1",
		TalkAnswered: h["talk"] == "0" || h["talk"] == "1", Note: note, SubmittedAt: time.Unix(at, 0),
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

// Aggregates returns the aggregates of the periods for one unit in one round trip.
func (s *Store) Aggregates(ctx context.Context, periods []string, unit string) ([]*ganwei.Aggregate, error) {
	return s.readAggregates(ctx, "read aggregates", periods, []string{unit})
}

// GroupAggregates returns every group's aggregates over the periods in one round trip.
func (s *Store) GroupAggregates(ctx context.Context, periods, groups []string) ([][]*ganwei.Aggregate, error) {
	flat, err := s.readAggregates(ctx, "read group aggregates", periods, groups)
	if err != nil {
		return nil, err
	}
	out := make([][]*ganwei.Aggregate, len(groups))
	for g := range groups {
		out[g] = make([]*ganwei.Aggregate, len(periods))
		for i := range periods {
			out[g][i] = flat[i*len(groups)+g] // readAggregates goes period by period
		}
	}
	return out, nil
}

// UnitAggregates returns one period's aggregate for each unit in one round trip.
func (s *Store) UnitAggregates(ctx context.Context, period string, units []string) ([]*ganwei.Aggregate, error) {
	return s.readAggregates(ctx, "read unit aggregates", []string{period}, units)
}

// readAggregates reads the aggregate of every unit in every period, period by period, in one round
// trip.
func (s *Store) readAggregates(ctx context.Context, action string, periods, units []string) ([]*ganwei.Aggregate, error) {
	cmds := make([]*redis.MapStringStringCmd, 0, len(periods)*len(units))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, per := range periods {
			for _, u := range units {
				cmds = append(cmds, p.HGetAll(ctx, s.aggKey(per, u)))
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap(action, err)
	}
	out := make([]*ganwei.Aggregate, 0, len(cmds))
	for _, per := range periods {
		for _, u := range units {
			out = append(out, decodeAggregate(per, u, cmds[len(out)].Val()))
		}
	}
	return out, nil
}

func decodeAggregate(period, unit string, h map[string]string) *ganwei.Aggregate {
	n := func(f string) int { v, _ := strconv.Atoi(h[f]); return v }
	a := &ganwei.Aggregate{
		Period: period, Unit: unit, Eligible: n("eligible"), Responses: n("n"), Blocked: n("blocked"),
		WellbeingSum: n("w_sum"), StressSum: n("s_sum"), Talk: n("talk"), TalkAnswered: n("talk_n"),
		Support: map[ganwei.Support]int{}, Benefits: map[ganwei.Benefits]int{},
	}
	for i := 0; i < 5; i++ {
		a.WellbeingDist[i] = n("w" + strconv.Itoa(i+1))
		a.StressDist[i] = n("s" + strconv.Itoa(i+1))
	}
	for _, v := range ganwei.Supports {
		a.Support[v] = n("sup_" + string(v))
	}
	for _, v := range ganwei.BenefitsAll {
		a.Benefits[v] = n("ben_" + string(v))
	}
	return a
}

// CheckInUnits lists every unit that answered or was asked, sorted.
func (s *Store) CheckInUnits(ctx context.Context) ([]string, error) {
	units, err := s.client.SMembers(ctx, s.key("ciunits")).Result()
	if err != nil {
		return nil, wrap("list units", err)
	}
	sort.Strings(units)
	return units, nil
}

// markEligibleScript counts people as eligible for a period once each. KEYS: eligible set, agg
// all, units, periods. ARGV: unit agg key prefix, set ttl s, now, period, then (uid, unit) pairs.
var markEligibleScript = redis.NewScript(`
for i = 5, #ARGV, 2 do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[2], 'eligible', 1)
    if ARGV[i + 1] ~= '' then
      redis.call('HINCRBY', ARGV[1] .. ARGV[i + 1], 'eligible', 1)
      redis.call('SADD', KEYS[3], ARGV[i + 1])
    end
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[4], 'NX', ARGV[3], ARGV[4])
return 1
`)

// MarkEligible counts the people as eligible for the period, each once: the prompt round calls
// it with everyone it asks (every replica may), and an answer counts its author in the submit
// script, so that participation never exceeds 100% when HR or an admin answers too.
func (s *Store) MarkEligible(ctx context.Context, period string, users []*ganwei.User) error {
	if len(users) == 0 {
		return nil
	}
	scores, _ := s.retention()
	args := []any{s.key("ciagg", period, "unit") + ":", int64(scores / time.Second), s.Now().Unix(), period}
	for _, u := range users {
		args = append(args, strconv.FormatInt(u.ID, 10), u.Unit)
	}
	err := markEligibleScript.Run(ctx, s.client,
		[]string{s.eligibleKey(period), s.aggKey(period, ""), s.key("ciunits"), s.key("ciperiods")}, args...).Err()
	return wrap("mark eligible", err)
}

// maxCases bounds one listing; an organization with more open cases has a bigger problem.
const maxCases = 5000

// MarkBlocked counts a prompt Telegram refused, overall and in the unit.
func (s *Store) MarkBlocked(ctx context.Context, period, unit string) error {
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, s.aggKey(period, ""), "blocked", 1)
		if unit != "" {
			p.HIncrBy(ctx, s.aggKey(period, unit), "blocked", 1)
		}
		return nil
	})
	return wrap("mark blocked", err)
}

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
	if len([]rune(note)) > 500 {
		return nil, ganwei.Errorf(ganwei.EINVALID, "备注请不超过 500 字")
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
	if len([]rune(note)) > 500 {
		return nil, ganwei.Errorf(ganwei.EINVALID, "备注请不超过 500 字")
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
