package redisstore

// Keys (四项清单 reminder sequences, issue 4):
//
//	{prefix}:appt:{id}                     hash    one appointment: pid (the leader's person id), tg
//	                                               (the Telegram id HR typed, or 0), name, position, unit, date,
//	                                               status, created (ms), by, steps (comma list of
//	                                               step ids), and per step {step}.{field}: title,
//	                                               needack, status, due, sent, acked, ackby, rem,
//	                                               next, esc, msg, err (times in Unix ms)
//	{prefix}:appts                         zset    appointment ids, score = the person's id (pid):
//	                                               every appointment, and by ZRANGEBYSCORE pid pid
//	                                               one person's (their /help reads only theirs).
//	                                               Written before this index as score = created
//	                                               (ms); IndexAppointmentsByPerson rewrites those
//	                                               at start-up and AppointmentsOf still reads them
//	{prefix}:appt:dup:{personID}:{hash}    string  id of the live appointment of that person for
//	                                               that position (hash of the normalised position);
//	                                               stops a second registration starting a second
//	                                               sequence; deleted on cancel
//	{prefix}:rem:due                       zset    jobs "{id}|{step}", score = when due (ms)
//	{prefix}:rem:inflight                  zset    claimed jobs, score = lease deadline (ms); a
//	                                               worker renews it while it works the job
//	{prefix}:rem:claim                     hash    claimed job -> "{instance}#{nonce}": who holds
//	                                               it (a restarted instance takes back its own at
//	                                               once) and the claim's fencing token
//	{prefix}:rem:once:{name}               string  "1" while a once-per-period task (the daily
//	                                               digest, the groups notice of one group for one
//	                                               day) has been taken by a replica
//
// The step state is kept as separate hash fields rather than one JSON blob so that the Lua
// scripts can guard and update single fields (never decoding JSON, which Lua's cjson would do
// with doubles) and so that an acknowledgement and a reminder's completion never overwrite each
// other.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

var _ ganwei.ReminderQueue = (*Store)(nil)

func (s *Store) apptKey(id string) string { return s.key("appt", id) }
func (s *Store) dueKey() string           { return s.key("rem", "due") }
func (s *Store) inflightKey() string      { return s.key("rem", "inflight") }
func (s *Store) claimKey() string         { return s.key("rem", "claim") }

// dupKey is per person and position; the position is normalised (case, spacing) and hashed so
// that the key stays short and free of separators.
func (s *Store) dupKey(personID int64, position string) string {
	norm := strings.ToLower(strings.Join(strings.Fields(position), " "))
	sum := sha256.Sum256([]byte(norm))
	return s.key("appt", "dup", strconv.FormatInt(personID, 10), hex.EncodeToString(sum[:8]))
}

func jobMember(id, step string) string { return id + "|" + step }

// apptIDAlphabet is lower case without look-alikes; ids travel in button data and CLI arguments.
const apptIDAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// validAppointmentID rejects anything that could not be one of ours before it reaches a key.
func validAppointmentID(id string) bool {
	if len(id) != 10 {
		return false
	}
	for _, r := range id {
		if !strings.ContainsRune(apptIDAlphabet, r) {
			return false
		}
	}
	return true
}

func ms(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func fromMS(v string) time.Time {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

// createApptScript registers an appointment unless the person already has one for the post.
// KEYS: dup, appt, appts, due. ARGV: id, person id (the appts score), number of hash args, hash
// args..., then (score, member) pairs of jobs. Returns the id of the appointment that now holds
// the post.
var createApptScript = redis.NewScript(`
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1])
local n = tonumber(ARGV[3])
redis.call('HSET', KEYS[2], unpack(ARGV, 4, 3 + n))
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
for i = 4 + n, #ARGV, 2 do
  redis.call('ZADD', KEYS[4], ARGV[i], ARGV[i + 1])
end
return ARGV[1]
`)

// CreateAppointment stores a and schedules one job per step in one atomic step. When the same
// person already holds a live registration for the same position it returns that id and false.
func (s *Store) CreateAppointment(ctx context.Context, a *ganwei.Appointment) (string, bool, error) {
	if err := a.Validate(); err != nil {
		return "", false, err
	}
	if a.PersonID <= 0 {
		return "", false, ganwei.Errorf(ganwei.EINVALID, "appointment without a person")
	}
	id, err := randomCode(apptIDAlphabet, 10)
	if err != nil {
		return "", false, err
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.Now()
	}
	if a.Status == "" {
		a.Status = ganwei.AppointmentActive
	}
	ids := make([]string, len(a.Steps))
	for i, st := range a.Steps {
		ids[i] = st.ID
	}
	h := []any{
		"pid", strconv.FormatInt(a.PersonID, 10), "tg", strconv.FormatInt(a.TelegramID, 10), "name", a.Name, "position", a.Position,
		"unit", a.Unit, "date", a.Date, "status", string(a.Status), "created", ms(a.CreatedAt),
		"by", strconv.FormatInt(a.CreatedBy, 10), "steps", strings.Join(ids, ","),
	}
	var jobs []any
	for _, st := range a.Steps {
		need := "0"
		if st.NeedsAck {
			need = "1"
		}
		h = append(h, st.ID+".title", st.Title, st.ID+".needack", need,
			st.ID+".status", string(ganwei.StepScheduled), st.ID+".due", ms(st.DueAt), st.ID+".next", ms(st.DueAt))
		jobs = append(jobs, st.DueAt.UnixMilli(), jobMember(id, st.ID))
	}
	args := append([]any{id, strconv.FormatInt(a.PersonID, 10), len(h)}, h...)
	args = append(args, jobs...)
	got, err := createApptScript.Run(ctx, s.client,
		[]string{s.dupKey(a.PersonID, a.Position), s.apptKey(id), s.key("appts"), s.dueKey()}, args...).Text()
	if err != nil {
		return "", false, wrap("create appointment", err)
	}
	return got, got == id, nil
}

// Appointment returns one appointment, or ENOTFOUND.
func (s *Store) Appointment(ctx context.Context, id string) (*ganwei.Appointment, error) {
	if !validAppointmentID(id) {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这条任职登记。")
	}
	m, err := s.client.HGetAll(ctx, s.apptKey(id)).Result()
	if err != nil {
		return nil, wrap("get appointment", err)
	}
	if len(m) == 0 {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这条任职登记。")
	}
	return decodeAppointment(id, m), nil
}

// Appointments lists every appointment, newest first.
func (s *Store) Appointments(ctx context.Context) ([]*ganwei.Appointment, error) {
	ids, err := s.client.ZRange(ctx, s.key("appts"), 0, -1).Result()
	if err != nil {
		return nil, wrap("list appointments", err)
	}
	return s.appointmentsByID(ctx, ids, "list appointments")
}

// Scores of {prefix}:appts written before the index by person held the creation time in Unix
// ms. Person ids are below legacyScoreMin (Telegram's) or at least redisstore.WeComChatBase
// (2^52, above legacyScoreMax): the window holds only old entries.
const (
	legacyScoreMin = "1000000000000"    // 2001-09-09 in Unix ms
	legacyScoreMax = "(100000000000000" // year 5138
)

// personApptsScript returns the ids scored with the person's id, then any still scored in the
// old layout: one command, one round trip. KEYS: appts. ARGV: person id, legacy min, legacy max.
var personApptsScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[3])) do ids[#ids + 1] = id end
return ids
`)

// AppointmentsOf lists one person's appointments (cancelled ones too), newest first, reading
// only theirs: the ids scored with their id in {prefix}:appts, plus any entry still in the old
// layout (none once IndexAppointmentsByPerson has run, but a replica of the previous version
// may write one during a rolling upgrade).
func (s *Store) AppointmentsOf(ctx context.Context, personID int64) ([]*ganwei.Appointment, error) {
	ids, err := personApptsScript.Run(ctx, s.client, []string{s.key("appts")},
		personID, legacyScoreMin, legacyScoreMax).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("list the person's appointments", err)
	}
	list, err := s.appointmentsByID(ctx, ids, "list the person's appointments")
	if err != nil {
		return nil, err
	}
	mine := list[:0]
	for _, a := range list {
		// An entry of the layout before person ids names its leader by tg (their person id then).
		if a.PersonID == personID || (a.PersonID == 0 && a.TelegramID == personID) {
			mine = append(mine, a)
		}
	}
	return mine, nil
}

// appointmentsByID reads the appointments in one round trip, skipping ids whose appointment is
// gone, and orders them newest first.
func (s *Store) appointmentsByID(ctx context.Context, ids []string, what string) ([]*ganwei.Appointment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.apptKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, wrap(what, err)
	}
	out := make([]*ganwei.Appointment, 0, len(ids))
	for i, c := range cmds {
		if m := c.Val(); len(m) > 0 {
			out = append(out, decodeAppointment(ids[i], m))
		}
	}
	slices.SortFunc(out, func(a, b *ganwei.Appointment) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// IndexAppointmentsByPerson rewrites the entries of {prefix}:appts that an earlier version
// scored by creation time to the leader's person id, so that AppointmentsOf finds them by person;
// an entry without a person id (written by a replica of the version before person ids, during a
// rolling upgrade) first gets its leader as Migrate gives them (appointmentLeader). It is
// idempotent and safe beside other replicas (an entry removed meanwhile is not put back); run at
// start-up by Migrate. It returns how many entries it rewrote.
func (s *Store) IndexAppointmentsByPerson(ctx context.Context) (int, error) {
	ids, err := s.client.ZRangeByScore(ctx, s.key("appts"), &redis.ZRangeBy{Min: legacyScoreMin, Max: legacyScoreMax}).Result()
	if err != nil || len(ids) == 0 {
		return 0, wrap("index appointments by person", err)
	}
	n := 0
	for _, id := range ids {
		pid, _, err := s.appointmentLeader(ctx, id)
		if err != nil {
			return n, err
		}
		if pid <= 0 {
			continue // gone (or not ours): left as it is
		}
		if err := s.client.ZAddXX(ctx, s.key("appts"), redis.Z{Score: float64(pid), Member: id}).Err(); err != nil {
			return n, wrap("index appointments by person", err)
		}
		n++
	}
	return n, nil
}

func decodeAppointment(id string, m map[string]string) *ganwei.Appointment {
	tg, _ := strconv.ParseInt(m["tg"], 10, 64)
	pid, _ := strconv.ParseInt(m["pid"], 10, 64)
	by, _ := strconv.ParseInt(m["by"], 10, 64)
	a := &ganwei.Appointment{
		ID: id, PersonID: pid, TelegramID: tg, Name: m["name"], Position: m["position"], Unit: m["unit"],
		Date: m["date"], Status: ganwei.AppointmentStatus(m["status"]), CreatedBy: by,
		CreatedAt: fromMS(m["created"]),
	}
	for _, sid := range strings.Split(m["steps"], ",") {
		if sid == "" {
			continue
		}
		f := func(name string) string { return m[sid+"."+name] }
		rem, _ := strconv.Atoi(f("rem"))
		msg, _ := strconv.Atoi(f("msg"))
		ackBy, _ := strconv.ParseInt(f("ackby"), 10, 64)
		a.Steps = append(a.Steps, &ganwei.StepState{
			ID: sid, Title: f("title"), NeedsAck: f("needack") == "1",
			Status: ganwei.StepStatus(f("status")), DueAt: fromMS(f("due")), SentAt: fromMS(f("sent")),
			AckedAt: fromMS(f("acked")), AckedBy: ackBy, Reminders: rem, NextAt: fromMS(f("next")),
			Escalated: fromMS(f("esc")), MessageID: msg, Error: f("err"),
		})
	}
	return a
}

// ackScript records an acknowledgement by the appointee and drops the step's pending job. A step
// still "scheduled" is accepted while its job is in flight: a worker claimed it and is sending it
// (the press can come from the delivered message before the worker records it as sent); its
// completion then finds the step acknowledged and records only when it was sent. A scheduled
// step nobody is sending has no message a button could be on: refused as not sent.
// KEYS: appt, due, inflight. ARGV: step, presser's person id, now ms, job member.
var ackScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound'} end
if redis.call('HGET', KEYS[1], 'pid') ~= ARGV[2] then return {'forbidden'} end
local st = redis.call('HGET', KEYS[1], ARGV[1] .. '.status')
if (not st) or redis.call('HGET', KEYS[1], ARGV[1] .. '.needack') ~= '1' then return {'nostep'} end
if st == 'acknowledged' then return {'already', redis.call('HGET', KEYS[1], ARGV[1] .. '.acked')} end
if redis.call('HGET', KEYS[1], 'status') == 'cancelled' then return {'cancelled'} end
if st ~= 'sent' and not (st == 'scheduled' and redis.call('ZSCORE', KEYS[3], ARGV[4])) then return {'notsent'} end
redis.call('HSET', KEYS[1], ARGV[1] .. '.status', 'acknowledged', ARGV[1] .. '.acked', ARGV[3],
  ARGV[1] .. '.ackby', ARGV[2], ARGV[1] .. '.next', '')
redis.call('ZREM', KEYS[2], ARGV[4])
return {'done', ARGV[3]}
`)

// AcknowledgeStep records that by read the step at at. See ganwei.ReminderService.Acknowledge
// for the error codes.
func (s *Store) AcknowledgeStep(ctx context.Context, id, stepID string, by int64, at time.Time) (*ganwei.AckResult, error) {
	if !validAppointmentID(id) {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这条提醒。")
	}
	res, err := ackScript.Run(ctx, s.client, []string{s.apptKey(id), s.dueKey(), s.inflightKey()},
		stepID, strconv.FormatInt(by, 10), ms(at), jobMember(id, stepID)).StringSlice()
	if err != nil {
		return nil, wrap("acknowledge step", err)
	}
	switch res[0] {
	case "done":
		return &ganwei.AckResult{Outcome: ganwei.AckDone, AckedAt: fromMS(res[1])}, nil
	case "already":
		return &ganwei.AckResult{Outcome: ganwei.AckAlready, AckedAt: fromMS(res[1])}, nil
	case "cancelled":
		return &ganwei.AckResult{Outcome: ganwei.AckCancelled}, nil
	case "forbidden":
		return nil, ganwei.Errorf(ganwei.EFORBIDDEN, "这条提醒是发给其他同志的，您无需确认。")
	case "notsent":
		return nil, ganwei.Errorf(ganwei.ECONFLICT, "这条提醒目前无需确认。")
	}
	return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这条提醒。")
}

// statusScript pauses, resumes or cancels an appointment. Pausing and cancelling take its jobs
// off the schedule; resuming puts back each step's recorded next time (in the past means "now").
// A job in flight is left to its worker, whose completion reschedules only an active appointment.
// KEYS: appt, due, inflight, dup. ARGV: new status, appointment id.
var statusScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return 'notfound' end
if cur == 'cancelled' then return 'cancelled' end
if cur == ARGV[1] then return 'same' end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
local steps = redis.call('HGET', KEYS[1], 'steps') or ''
for sid in string.gmatch(steps, '[^,]+') do
  local member = ARGV[2] .. '|' .. sid
  if ARGV[1] == 'active' then
    local nx = redis.call('HGET', KEYS[1], sid .. '.next')
    if nx and nx ~= '' and not redis.call('ZSCORE', KEYS[3], member) then
      redis.call('ZADD', KEYS[2], nx, member)
    end
  else
    redis.call('ZREM', KEYS[2], member)
  end
end
if ARGV[1] == 'cancelled' then
  if redis.call('GET', KEYS[4]) == ARGV[2] then redis.call('DEL', KEYS[4]) end
end
return 'ok'
`)

// SetAppointmentStatus pauses, resumes or cancels an appointment's reminders.
func (s *Store) SetAppointmentStatus(ctx context.Context, id string, status ganwei.AppointmentStatus) error {
	switch status {
	case ganwei.AppointmentActive, ganwei.AppointmentPaused, ganwei.AppointmentCancelled:
	default:
		return ganwei.Errorf(ganwei.EINVALID, "未知的状态 %q", status)
	}
	if !validAppointmentID(id) {
		return ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这条任职登记。")
	}
	// The dup key needs only the person and the position, not the whole appointment. A missing
	// appointment reads as empty fields and the script answers notfound.
	who, err := s.client.HMGet(ctx, s.apptKey(id), "pid", "position").Result()
	if err != nil {
		return wrap("get appointment", err)
	}
	pidText, _ := who[0].(string)
	position, _ := who[1].(string)
	personID, _ := strconv.ParseInt(pidText, 10, 64)
	res, err := statusScript.Run(ctx, s.client,
		[]string{s.apptKey(id), s.dueKey(), s.inflightKey(), s.dupKey(personID, position)},
		string(status), id).Text()
	if err != nil {
		return wrap("set appointment status", err)
	}
	switch res {
	case "notfound":
		return ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这条任职登记。")
	case "cancelled":
		return ganwei.Errorf(ganwei.ECONFLICT, "这条任职登记已取消，不能再更改。")
	}
	return nil
}

// claimScript takes jobs: first those whose lease expired (a worker died between claiming and
// completing), then due ones, moving each to the in-flight set with the new lease deadline and
// recording the claim's token (which names the claiming instance).
// KEYS: due, inflight, claim. ARGV: now ms, lease deadline ms, limit, token.
var claimScript = redis.NewScript(`
local out = {}
local limit = tonumber(ARGV[3])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, limit)
for _, m in ipairs(expired) do
  redis.call('ZADD', KEYS[2], ARGV[2], m)
  redis.call('HSET', KEYS[3], m, ARGV[4])
  out[#out + 1] = m
end
local left = limit - #out
if left > 0 then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, left)
  for _, m in ipairs(due) do
    redis.call('ZREM', KEYS[1], m)
    redis.call('ZADD', KEYS[2], ARGV[2], m)
    redis.call('HSET', KEYS[3], m, ARGV[4])
    out[#out + 1] = m
  end
end
return out
`)

// validInstance keeps instance ids to characters that cannot clash with the token separator.
func validInstance(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return false
		}
	}
	return true
}

// ClaimReminderJobs takes up to limit due jobs (expired leases first) for lease on behalf of
// instance, in one round trip.
func (s *Store) ClaimReminderJobs(ctx context.Context, instance string, now time.Time, lease time.Duration, limit int) ([]ganwei.ReminderJob, error) {
	if !validInstance(instance) {
		return nil, ganwei.Errorf(ganwei.EINVALID, "instance id %q: want 1-64 of a-z A-Z 0-9 . _ -", instance)
	}
	nonce, err := randomCode(apptIDAlphabet, 12)
	if err != nil {
		return nil, err
	}
	token := instance + "#" + nonce
	deadline := now.Add(lease).UnixMilli()
	members, err := claimScript.Run(ctx, s.client, []string{s.dueKey(), s.inflightKey(), s.claimKey()},
		now.UnixMilli(), deadline, limit, token).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("claim reminder jobs", err)
	}
	jobs := make([]ganwei.ReminderJob, 0, len(members))
	for _, m := range members {
		id, step, _ := strings.Cut(m, "|")
		jobs = append(jobs, ganwei.ReminderJob{AppointmentID: id, StepID: step, Token: token})
	}
	return jobs, nil
}

// renewClaimScript moves the lease deadline of jobs the caller still holds.
// KEYS: inflight, claim. ARGV: deadline ms, then (member, token) pairs. Returns how many.
var renewClaimScript = redis.NewScript(`
local n = 0
for i = 2, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i])
    n = n + 1
  end
end
return n
`)

// RenewReminderJobs extends the leases of jobs still held to now+lease, in one round trip, and
// reports how many were still held.
func (s *Store) RenewReminderJobs(ctx context.Context, jobs []ganwei.ReminderJob, now time.Time, lease time.Duration) (int, error) {
	if len(jobs) == 0 {
		return 0, nil
	}
	args := make([]any, 0, 1+2*len(jobs))
	args = append(args, now.Add(lease).UnixMilli())
	for _, j := range jobs {
		args = append(args, jobMember(j.AppointmentID, j.StepID), j.Token)
	}
	n, err := renewClaimScript.Run(ctx, s.client, []string{s.inflightKey(), s.claimKey()}, args...).Int()
	if err != nil {
		return 0, wrap("renew reminder leases", err)
	}
	return n, nil
}

// reclaimScript ends at once the leases of every job an instance holds, so that the next claim
// (by anyone) takes them. KEYS: inflight, claim. ARGV: "{instance}#". Returns how many.
var reclaimScript = redis.NewScript(`
local n = 0
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if string.sub(all[i + 1], 1, #ARGV[1]) == ARGV[1] and redis.call('ZSCORE', KEYS[1], all[i]) then
    redis.call('ZADD', KEYS[1], 0, all[i])
    n = n + 1
  end
end
return n
`)

// ReclaimReminderJobs releases every claim instance holds (its previous life crashed or was
// killed while working a batch) so that they are taken again now, not when their leases end.
// The hash it walks holds only jobs in flight: a batch per live replica.
func (s *Store) ReclaimReminderJobs(ctx context.Context, instance string) (int, error) {
	if !validInstance(instance) {
		return 0, ganwei.Errorf(ganwei.EINVALID, "instance id %q: want 1-64 of a-z A-Z 0-9 . _ -", instance)
	}
	n, err := reclaimScript.Run(ctx, s.client, []string{s.inflightKey(), s.claimKey()}, instance+"#").Int()
	if err != nil {
		return 0, wrap("reclaim reminder jobs", err)
	}
	return n, nil
}

// completeScript records a job's outcome and releases it, only while the caller still holds the
// claim. The write is guarded by the step's status; the job is rescheduled only for an active
// appointment (a paused one keeps the time in {step}.next for resume). A first send completed
// after the appointee already pressed 已阅知 on it (see ackScript) records only when it went out
// and its message id: the step stays acknowledged, with no reminder scheduled.
// KEYS: inflight, due, appt, claim. ARGV: member, token, next ms or ”, guard field, guard value,
// field/value pairs...
// Returns -1 claim lost, 0 guard failed, 1 applied.
var completeScript = redis.NewScript(`
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return -1 end
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[4] ~= '' then
  local cur = redis.call('HGET', KEYS[3], ARGV[4])
  if cur ~= ARGV[5] then
    if ARGV[5] == 'scheduled' and cur == 'acknowledged' then
      for i = 6, #ARGV, 2 do
        if string.sub(ARGV[i], -5) == '.sent' or string.sub(ARGV[i], -4) == '.msg' then
          redis.call('HSET', KEYS[3], ARGV[i], ARGV[i+1])
        end
      end
    end
    return 0
  end
end
if #ARGV > 5 then redis.call('HSET', KEYS[3], unpack(ARGV, 6)) end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[3], 'status') == 'active' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
return 1
`)

// CompleteReminderJob records res and releases or reschedules the job, atomically.
func (s *Store) CompleteReminderJob(ctx context.Context, job ganwei.ReminderJob, res ganwei.JobResult) (bool, error) {
	sid := job.StepID
	guardField, guardValue := "", ""
	if res.Expect != "" {
		guardField, guardValue = sid+".status", string(res.Expect)
	}
	args := []any{jobMember(job.AppointmentID, sid), job.Token, ms(res.Next), guardField, guardValue}
	if res.Status != "" {
		args = append(args, sid+".status", string(res.Status))
	}
	if !res.SentAt.IsZero() {
		args = append(args, sid+".sent", ms(res.SentAt))
	}
	if res.SetReminders {
		args = append(args, sid+".rem", res.Reminders)
	}
	if !res.EscalatedAt.IsZero() {
		args = append(args, sid+".esc", ms(res.EscalatedAt))
	}
	if res.MessageID != 0 {
		args = append(args, sid+".msg", res.MessageID)
	}
	if res.Error != "" {
		args = append(args, sid+".err", res.Error)
	}
	if !res.DueAt.IsZero() {
		args = append(args, sid+".due", ms(res.DueAt))
	}
	if !res.KeepNext {
		args = append(args, sid+".next", ms(res.Next))
	}
	n, err := completeScript.Run(ctx, s.client,
		[]string{s.inflightKey(), s.dueKey(), s.apptKey(job.AppointmentID), s.claimKey()}, args...).Int()
	if err != nil {
		return false, wrap("complete reminder job", err)
	}
	return n == 1, nil
}

// Once reports true to exactly one caller per name within ttl.
func (s *Store) Once(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	ok, err := s.client.SetNX(ctx, s.key("rem", "once", name), 1, ttl).Result()
	if err != nil {
		return false, wrap("mark once", err)
	}
	return ok, nil
}
