package redisstore

// Keys:
//
//	{prefix}:inbox             stream  accepted Telegram updates not yet handled, fields
//	                                   id (update_id) and u (the update's JSON as Telegram sent it);
//	                                   consumer group "handlers", one consumer per process. A handled
//	                                   entry is acknowledged and deleted in one transaction, so XLEN
//	                                   is the backlog and the first entry is the oldest unhandled one.
//	{prefix}:update:{updateID} string  "1" once the update was accepted (24 h; see users.go), set in
//	                                   the same script as the XADD so that an update is either
//	                                   stored and marked or neither.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

var _ ganwei.Inbox = (*Inbox)(nil)

// inboxGroup is the consumer group every worker of every replica reads the inbox with.
const inboxGroup = "handlers"

// releasedIdle is the idle time a released entry is given, so that the next Reclaim of any worker
// takes it at once.
const releasedIdle = 24 * time.Hour

// Inbox is the durable queue of accepted Telegram updates: a Redis Stream read with a consumer
// group. It implements ganwei.Inbox.
type Inbox struct {
	store *Store
	key   string
	ready atomic.Bool // the consumer group exists
}

// Inbox returns the store's update inbox.
func (s *Store) Inbox() *Inbox {
	return &Inbox{store: s, key: s.key("inbox")}
}

// acceptScript stores each update whose id was not seen before, unless the inbox is full.
// KEYS: stream, then one dedupe key per update. ARGV: limit, ttl seconds, then id and payload per
// update. Returns the number stored, or -1 when full.
var acceptScript = redis.NewScript(`
local limit = tonumber(ARGV[1])
if limit > 0 and redis.call('XLEN', KEYS[1]) >= limit then return -1 end
local n = 0
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[2]) then
    redis.call('XADD', KEYS[1], '*', 'id', ARGV[2*i-1], 'u', ARGV[2*i])
    n = n + 1
  end
end
return n
`)

// Accept implements ganwei.Inbox: one round trip for any number of updates.
func (in *Inbox) Accept(ctx context.Context, updates []ganwei.InboxUpdate, limit int) (int, error) {
	if len(updates) == 0 {
		return 0, nil
	}
	keys := make([]string, 0, 1+len(updates))
	args := make([]any, 0, 2+2*len(updates))
	keys = append(keys, in.key)
	args = append(args, limit, int64(updateSeenTTL/time.Second))
	for _, u := range updates {
		keys = append(keys, in.store.key("update", strconv.FormatInt(u.ID, 10)))
		args = append(args, u.ID, u.Payload)
	}
	n, err := acceptScript.Run(ctx, in.store.client, keys, args...).Int()
	if err != nil {
		return 0, wrap("store update in inbox", err)
	}
	if n < 0 {
		return 0, ganwei.Errorf(ganwei.EFULL, "收到的消息较多，请稍后再试")
	}
	return n, nil
}

// ensureGroup creates the consumer group (and the stream) once; BUSYGROUP means another process
// was first.
func (in *Inbox) ensureGroup(ctx context.Context) error {
	if in.ready.Load() {
		return nil
	}
	err := in.store.client.XGroupCreateMkStream(ctx, in.key, inboxGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return wrap("create inbox group", err)
	}
	in.ready.Store(true)
	return nil
}

// noGroup reports the error of a stream or group that vanished (a flushed database); the group is
// then created again on the next call.
func (in *Inbox) noGroup(err error) bool {
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		in.ready.Store(false)
		return true
	}
	return false
}

// Take implements ganwei.Inbox with XREADGROUP. It returns no entries and no error when block
// passes with nothing new.
func (in *Inbox) Take(ctx context.Context, worker string, n int, block time.Duration) ([]ganwei.InboxEntry, error) {
	if err := in.ensureGroup(ctx); err != nil {
		return nil, err
	}
	streams, err := in.store.client.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: inboxGroup, Consumer: worker, Streams: []string{in.key, ">"},
		Count: int64(n), Block: max(block, time.Millisecond), // Block 0 would mean forever
	}).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, nil
	case in.noGroup(err):
		return nil, nil
	case err != nil:
		return nil, wrap("read inbox", err)
	}
	var out []ganwei.InboxEntry
	for _, st := range streams {
		out = appendEntries(out, st.Messages)
	}
	return out, nil
}

// Reclaim implements ganwei.Inbox with XAUTOCLAIM, scanning the whole pending list if need be.
func (in *Inbox) Reclaim(ctx context.Context, worker string, idle time.Duration, n int) ([]ganwei.InboxEntry, error) {
	if err := in.ensureGroup(ctx); err != nil {
		return nil, err
	}
	var out []ganwei.InboxEntry
	start := "0-0"
	for len(out) < n {
		msgs, next, err := in.store.client.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: in.key, Group: inboxGroup, Consumer: worker,
			MinIdle: idle, Start: start, Count: int64(n - len(out)),
		}).Result()
		if in.noGroup(err) {
			return out, nil
		}
		if err != nil {
			return out, wrap("reclaim inbox entries", err)
		}
		out = appendEntries(out, msgs)
		if next == "0-0" || next == "" {
			break
		}
		start = next
	}
	return out, nil
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
		out = append(out, ganwei.InboxEntry{Ref: m.ID, InboxUpdate: ganwei.InboxUpdate{ID: id, Payload: []byte(payload)}})
	}
	return out
}

// renewScript resets the idle time of the entries worker still owns; an entry another worker has
// meanwhile reclaimed is left to it. KEYS: stream. ARGV: group, worker, ids...
var renewScript = redis.NewScript(`
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

// Renew implements ganwei.Inbox.
func (in *Inbox) Renew(ctx context.Context, worker string, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	args := make([]any, 0, 2+len(refs))
	args = append(args, inboxGroup, worker)
	for _, r := range refs {
		args = append(args, r)
	}
	if err := renewScript.Run(ctx, in.store.client, []string{in.key}, args...).Err(); err != nil && !in.noGroup(err) {
		return wrap("renew inbox entries", err)
	}
	return nil
}

// Release implements ganwei.Inbox: the entries stay pending under worker but look long idle, so
// any worker's next Reclaim takes them.
func (in *Inbox) Release(ctx context.Context, worker string, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	// go-redis's XClaimArgs has no IDLE option, hence the raw command.
	args := []any{"XCLAIM", in.key, inboxGroup, worker, 0}
	for _, r := range refs {
		args = append(args, r)
	}
	args = append(args, "IDLE", releasedIdle.Milliseconds(), "JUSTID")
	if err := in.store.client.Do(ctx, args...).Err(); err != nil && !in.noGroup(err) {
		return wrap("release inbox entries", err)
	}
	return nil
}

// Done implements ganwei.Inbox: acknowledge and delete in one transaction.
func (in *Inbox) Done(ctx context.Context, ref string) error {
	_, err := in.store.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, in.key, inboxGroup, ref)
		p.XDel(ctx, in.key, ref)
		return nil
	})
	if err != nil && !in.noGroup(err) {
		return wrap("mark inbox entry done", err)
	}
	return nil
}

// Stats implements ganwei.Inbox: XLEN and the first entry's id, which is its arrival in unix ms.
func (in *Inbox) Stats(ctx context.Context) (ganwei.InboxStats, error) {
	var length *redis.IntCmd
	var first *redis.XMessageSliceCmd
	_, err := in.store.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		length = p.XLen(ctx, in.key)
		first = p.XRangeN(ctx, in.key, "-", "+", 1)
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
