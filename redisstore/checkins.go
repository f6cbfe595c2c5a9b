package redisstore

// Care check-ins: the key layout, retention and key names shared by checkin_*.go and cases.go
// (answers, precomputed aggregates, follow-up cases, prompt claims, pauses, the audit log). Keys:
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
	"strconv"
	"time"

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
