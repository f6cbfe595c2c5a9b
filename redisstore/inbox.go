package redisstore

// Keys:
//
//	{prefix}:inbox             stream  accepted Telegram updates not yet handled, fields
//	                                   id (update_id) and u (the update's JSON as Telegram sent it);
//	                                   an update of another source (企业微信) has fields s (its
//	                                   source), k (its dedupe key) and u instead of id;
//	                                   consumer group "handlers", one consumer per process. A handled
//	                                   entry is acknowledged and deleted in one transaction, so XLEN
//	                                   is the backlog and the first entry is the oldest unhandled one.
//	{prefix}:update:{updateID} string  "1" once the update was accepted (24 h; see users.go), set in
//	                                   the same script as the XADD so that an update is either
//	                                   stored and marked or neither.
//	{prefix}:update:{source}:{key}     the same for a source other than Telegram (企业微信:
//	                                   update:wecom:{MsgId or event key}); its own namespace.
//	{prefix}:inbox:dead        stream  entries moved aside after too many deliveries: the fields of
//	                                   the entry plus ref (its id in the inbox), n (deliveries) and
//	                                   why; capped at about deadLetterCap entries.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

var _ ganwei.Inbox = (*Store)(nil)

// inboxGroup is the consumer group every worker of every replica reads the inbox with.
const inboxGroup = "handlers"

// releasedIdle is the idle time a released entry is given, so that the next Reclaim of any worker
// takes it at once.
const releasedIdle = 24 * time.Hour

// acceptScript stores, in order, each update whose id was not seen before, while the inbox has
// room. KEYS: stream, then one dedupe key per update. ARGV: limit (0: none), ttl seconds, then id,
// payload, source and key per update (source "": a Telegram update, stored with its id). Returns
// how many of the first updates were taken (stored or seen).
var acceptScript = redis.NewScript(`
local limit = tonumber(ARGV[1])
local room = 0
if limit > 0 then room = limit - redis.call('XLEN', KEYS[1]) end
local taken = 0
for i = 2, #KEYS do
  if limit > 0 and room <= 0 then break end
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[2]) then
    local a = 4*i - 5
    if ARGV[a+2] == '' then
      redis.call('XADD', KEYS[1], '*', 'id', ARGV[a], 'u', ARGV[a+1])
    else
      redis.call('XADD', KEYS[1], '*', 's', ARGV[a+2], 'k', ARGV[a+3], 'u', ARGV[a+1])
    end
    room = room - 1
  end
  taken = taken + 1
end
return taken
`)

// AcceptUpdates implements ganwei.Inbox: one round trip for any number of updates.
func (s *Store) AcceptUpdates(ctx context.Context, updates []ganwei.InboxUpdate, limit int) (int, error) {
	if len(updates) == 0 {
		return 0, nil
	}
	keys := make([]string, 0, 1+len(updates))
	args := make([]any, 0, 2+4*len(updates))
	keys = append(keys, s.inboxKey())
	args = append(args, limit, int64(updateSeenTTL/time.Second))
	for _, u := range updates {
		keys = append(keys, s.updateSeenKey(u))
		args = append(args, u.ID, u.Payload, u.Source, u.Key)
	}
	taken, err := acceptScript.Run(ctx, s.client, keys, args...).Int()
	if err != nil {
		return 0, wrap("store updates in inbox", err)
	}
	if taken < len(updates) {
		return taken, ganwei.Errorf(ganwei.EFULL, "收到的消息较多，请稍后再试")
	}
	return taken, nil
}

// updateSeenKey is an update's dedupe mark: Telegram's by update_id (shared with users.go),
// another source's by its key in its own namespace.
func (s *Store) updateSeenKey(u ganwei.InboxUpdate) string {
	if u.Source == "" {
		return s.key("update", strconv.FormatInt(u.ID, 10))
	}
	return s.key("update", u.Source, u.Key)
}

// inboxKey is the stream.
func (s *Store) inboxKey() string { return s.key("inbox") }

// withGroup runs op, creating the stream and its consumer group first when Redis says they do not
// exist (the first start, or a flushed database). BUSYGROUP means another process was first.
func (s *Store) withGroup(ctx context.Context, op func() error) error {
	err := op()
	if err == nil || !strings.HasPrefix(err.Error(), "NOGROUP") {
		return err
	}
	cerr := s.client.XGroupCreateMkStream(ctx, s.inboxKey(), inboxGroup, "0").Err()
	if cerr != nil && !strings.HasPrefix(cerr.Error(), "BUSYGROUP") {
		return cerr
	}
	return op()
}

// TakeUpdates implements ganwei.Inbox with XREADGROUP. It returns no entries and no error when
// block passes with nothing new.
func (s *Store) TakeUpdates(ctx context.Context, worker string, n int, block time.Duration) ([]ganwei.InboxEntry, error) {
	var streams []redis.XStream
	err := s.withGroup(ctx, func() (err error) {
		streams, err = s.client.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: inboxGroup, Consumer: worker, Streams: []string{s.inboxKey(), ">"},
			Count: int64(n), Block: max(block, time.Millisecond), // Block 0 would mean forever
		}).Result()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil
	} else if err != nil {
		return nil, wrap("read inbox", err)
	}
	var out []ganwei.InboxEntry
	for _, st := range streams {
		out = appendEntries(out, st.Messages)
	}
	for i := range out {
		out[i].Deliveries = 1
	}
	return out, nil
}

// ReclaimUpdates implements ganwei.Inbox with XAUTOCLAIM, scanning the whole pending list if
// need be.
func (s *Store) ReclaimUpdates(ctx context.Context, worker string, idle time.Duration, n int) ([]ganwei.InboxEntry, error) {
	var out []ganwei.InboxEntry
	start := "0-0"
	for len(out) < n {
		var msgs []redis.XMessage
		var next string
		err := s.withGroup(ctx, func() (err error) {
			msgs, next, err = s.client.XAutoClaim(ctx, &redis.XAutoClaimArgs{
				Stream: s.inboxKey(), Group: inboxGroup, Consumer: worker,
				MinIdle: idle, Start: start, Count: int64(n - len(out)),
			}).Result()
			return err
		})
		if err != nil {
			return out, wrap("reclaim inbox entries", err)
		}
		out = appendEntries(out, msgs)
		if next == "0-0" || next == "" {
			break
		}
		start = next
	}
	if err := s.countDeliveries(ctx, out); err != nil {
		return out, err
	}
	return out, nil
}

// countDeliveries fills in the delivery counts of reclaimed entries from the pending list, in one
// round trip (reclaims are rare: a worker died, hung or gave an entry back).
func (s *Store) countDeliveries(ctx context.Context, entries []ganwei.InboxEntry) error {
	if len(entries) == 0 {
		return nil
	}
	cmds := make([]*redis.XPendingExtCmd, len(entries))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, e := range entries {
			cmds[i] = p.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: s.inboxKey(), Group: inboxGroup,
				Start: e.Ref, End: e.Ref, Count: 1})
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return wrap("count inbox deliveries", err)
	}
	for i, c := range cmds {
		entries[i].Deliveries = 1
		if p := c.Val(); len(p) == 1 {
			entries[i].Deliveries = int(p[0].RetryCount)
		}
	}
	return nil
}

// appendEntries converts stream messages; an entry deleted while pending (no fields) is skipped.
func appendEntries(out []ganwei.InboxEntry, msgs []redis.XMessage) []ganwei.InboxEntry {
	for _, m := range msgs {
		payload, _ := m.Values["u"].(string)
		idText, _ := m.Values["id"].(string)
		id, _ := strconv.ParseInt(idText, 10, 64)
		if payload == "" {
			continue
		}
		source, _ := m.Values["s"].(string)
		key, _ := m.Values["k"].(string)
		out = append(out, ganwei.InboxEntry{Ref: m.ID, InboxUpdate: ganwei.InboxUpdate{
			Source: source, ID: id, Key: key, Payload: []byte(payload)}})
	}
	return out
}

// renewInboxScript resets the idle time of the entries worker still owns; an entry another worker has
// meanwhile reclaimed is left to it. KEYS: stream. ARGV: group, worker, ids...
var renewInboxScript = redis.NewScript(`
local n = 0
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    n = n + 1
  end
end
return n
`)

// RenewUpdates implements ganwei.Inbox.
func (s *Store) RenewUpdates(ctx context.Context, worker string, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	args := make([]any, 0, 2+len(refs))
	args = append(args, inboxGroup, worker)
	for _, r := range refs {
		args = append(args, r)
	}
	err := s.withGroup(ctx, func() error {
		return renewInboxScript.Run(ctx, s.client, []string{s.inboxKey()}, args...).Err()
	})
	if err != nil {
		return wrap("renew inbox entries", err)
	}
	return nil
}

// ReleaseUpdates implements ganwei.Inbox: the entries stay pending under worker but look long idle, so
// any worker's next Reclaim takes them.
func (s *Store) ReleaseUpdates(ctx context.Context, worker string, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	// go-redis's XClaimArgs has no IDLE option, hence the raw command.
	args := []any{"XCLAIM", s.inboxKey(), inboxGroup, worker, 0}
	for _, r := range refs {
		args = append(args, r)
	}
	args = append(args, "IDLE", releasedIdle.Milliseconds(), "JUSTID")
	if err := s.withGroup(ctx, func() error { return s.client.Do(ctx, args...).Err() }); err != nil {
		return wrap("release inbox entries", err)
	}
	return nil
}

// ReturnUpdates implements ganwei.Inbox: ReleaseUpdates with each entry's delivery count set
// back by one (XCLAIM … RETRYCOUNT), in one round trip.
func (s *Store) ReturnUpdates(ctx context.Context, worker string, entries []ganwei.InboxEntry) error {
	if len(entries) == 0 {
		return nil
	}
	err := s.withGroup(ctx, func() error {
		_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, e := range entries {
				p.Do(ctx, "XCLAIM", s.inboxKey(), inboxGroup, worker, 0, e.Ref,
					"IDLE", releasedIdle.Milliseconds(), "RETRYCOUNT", max(e.Deliveries-1, 0), "JUSTID")
			}
			return nil
		})
		return err
	})
	if err != nil {
		return wrap("return inbox entries", err)
	}
	return nil
}

// UpdateDone implements ganwei.Inbox: acknowledge and delete in one transaction.
func (s *Store) UpdateDone(ctx context.Context, refs ...string) error {
	if len(refs) == 0 {
		return nil
	}
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, s.inboxKey(), inboxGroup, refs...)
		p.XDel(ctx, s.inboxKey(), refs...)
		return nil
	})
	if err != nil {
		return wrap("mark inbox entries done", err)
	}
	return nil
}

// InboxStats implements ganwei.Inbox: XLEN and the first entry's id, which is its arrival in unix ms.
func (s *Store) InboxStats(ctx context.Context) (ganwei.InboxStats, error) {
	var length *redis.IntCmd
	var first *redis.XMessageSliceCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		length = p.XLen(ctx, s.inboxKey())
		first = p.XRangeN(ctx, s.inboxKey(), "-", "+", 1)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return ganwei.InboxStats{}, wrap("inbox stats", err)
	}
	st := ganwei.InboxStats{Depth: length.Val()}
	if msgs := first.Val(); len(msgs) > 0 {
		ms, _, _ := strings.Cut(msgs[0].ID, "-")
		if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
			st.Oldest = time.UnixMilli(n)
		}
	}
	return st, nil
}

// deadLetterCap bounds the dead-letter stream (approximately, MAXLEN ~).
const deadLetterCap = 10000

// deadLetterScript moves entries to the dead-letter stream: copy (with the ref, the delivery count
// and the reason), acknowledge, delete; an entry already gone is skipped. KEYS: inbox, dead.
// ARGV: group, reason, cap, refs...
var deadLetterScript = redis.NewScript(`
local moved = 0
for i = 4, #ARGV do
  local e = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if e[1] then
    local n = 0
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
    if p[1] then n = p[1][4] end
    local f = e[1][2]
    table.insert(f, 'ref'); table.insert(f, ARGV[i])
    table.insert(f, 'n'); table.insert(f, tostring(n))
    table.insert(f, 'why'); table.insert(f, ARGV[2])
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(f))
    moved = moved + 1
  end
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
end
return moved
`)

// DeadLetterUpdates implements ganwei.Inbox.
func (s *Store) DeadLetterUpdates(ctx context.Context, refs []string, reason string) error {
	if len(refs) == 0 {
		return nil
	}
	args := make([]any, 0, 3+len(refs))
	args = append(args, inboxGroup, reason, deadLetterCap)
	for _, r := range refs {
		args = append(args, r)
	}
	err := deadLetterScript.Run(ctx, s.client, []string{s.inboxKey(), s.key("inbox", "dead")}, args...).Err()
	return wrap("move inbox entries to the dead letters", err)
}

// DeadLetters returns the dead-letter entries, oldest first, at most n: each as its fields
// (s, id or k, u, ref, n, why). Operators and tests read them.
func (s *Store) DeadLetters(ctx context.Context, n int64) ([]map[string]any, error) {
	msgs, err := s.client.XRangeN(ctx, s.key("inbox", "dead"), "-", "+", n).Result()
	if err != nil {
		return nil, wrap("read dead letters", err)
	}
	out := make([]map[string]any, len(msgs))
	for i, m := range msgs {
		out[i] = m.Values
	}
	return out, nil
}

// pruneScript removes consumers other than ARGV[3] with nothing pending that have been idle for
// at least ARGV[2] ms. Checking and removing in one script: no entry can be handed to a consumer
// between the check and the removal. KEYS: stream. ARGV: group, idle ms, keep.
var pruneScript = redis.NewScript(`
local gone = {}
local cs = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
for _, c in ipairs(cs) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i+1] end
  if f['name'] ~= ARGV[3] and tonumber(f['pending']) == 0 and tonumber(f['idle']) >= tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f['name'])
    table.insert(gone, f['name'])
  end
end
return gone
`)

// PruneWorkers implements ganwei.Inbox with XINFO CONSUMERS and XGROUP DELCONSUMER. A live
// worker reads at least every few seconds, so its idle time stays small; should one be removed
// all the same (stalled longer than idle), its next read creates it again.
func (s *Store) PruneWorkers(ctx context.Context, keep string, idle time.Duration) ([]string, error) {
	gone, err := pruneScript.Run(ctx, s.client, []string{s.inboxKey()}, inboxGroup, idle.Milliseconds(), keep).StringSlice()
	if err != nil {
		if strings.Contains(err.Error(), "NOGROUP") || strings.Contains(err.Error(), "no such key") {
			return nil, nil // nobody has read yet
		}
		return nil, wrap("prune inbox workers", err)
	}
	return gone, nil
}

// InboxWorkers lists the consumer group's workers (tests and operators).
func (s *Store) InboxWorkers(ctx context.Context) ([]string, error) {
	cs, err := s.client.XInfoConsumers(ctx, s.inboxKey(), inboxGroup).Result()
	if err != nil {
		if strings.Contains(err.Error(), "NOGROUP") || strings.Contains(err.Error(), "no such key") {
			return nil, nil
		}
		return nil, wrap("list inbox workers", err)
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names, nil
}

// updateSeenTTL is how long an update id counts as handled. Telegram stops redelivering an update
// long before a day has passed.
const updateSeenTTL = 24 * time.Hour
