package redisstore

// Keys:
//
//	{prefix}:pace:all           string  the next free slot (unix ms) for a message to any chat,
//	                                    shared by every replica
//	{prefix}:pace:chat:{chatID} string  GCRA "theoretical arrival time" (unix ms) for one chat
//	{prefix}:pace:bulk          string  when the next bulk message that cannot book yet should ask
//	                                    again (unix ms): staggers waiting bulk senders
//
// All expire soon after they stop mattering, so an idle bot keeps none.

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// PacerLimits are the spacings a Pacer keeps.
type PacerLimits struct {
	All         time.Duration // between any two messages: 34 ms keeps every 1-second window at 30 or fewer
	Chat        time.Duration // between messages to one person's chat, sustained
	ChatBurst   int           // messages one person's chat may get at once
	Group       time.Duration // between messages to a group (negative chat id), no burst
	BulkHorizon time.Duration // how far ahead a bulk message may book its slot
}

// Defaults of the limits Pacer does not take as arguments.
const (
	DefaultGroupInterval = 3 * time.Second // Telegram: 20 messages a minute to one group
	DefaultBulkHorizon   = time.Second
)

// Pacer books send slots for outgoing Telegram messages across every replica that shares this
// Redis: one line of slots for the whole bot (no burst, so no 1-second window ever holds more
// than 1s/All messages) and a generic-cell-rate budget per chat. A reply books the next free
// slot however far ahead; a bulk message books only a slot within BulkHorizon, so replies that
// come later still go out ahead of the rest of a fan-out. It implements bot.SharedPacer: one
// round trip per message, the caller sleeps until its slot.
type Pacer struct {
	store *Store
	// Limits are the spacings kept; Pacer sets them from its arguments and the defaults above.
	Limits PacerLimits

	// Now is the clock for pacing: real time, even when a demo moves the store's clock.
	Now func() time.Time
}

// Pacer returns a shared pacer allowing perSecond messages in any 1-second window overall and
// perChat messages per second to one person's chat, with chatBurst at once.
func (s *Store) Pacer(perSecond, perChat float64, chatBurst int) *Pacer {
	interval := func(rate float64) time.Duration {
		return time.Duration(math.Ceil(1000/rate)) * time.Millisecond
	}
	return &Pacer{store: s, Now: time.Now, Limits: PacerLimits{
		All: interval(perSecond), Chat: interval(perChat), ChatBurst: max(1, chatBurst),
		Group: DefaultGroupInterval, BulkHorizon: DefaultBulkHorizon,
	}}
}

// reserveScript books the earliest slot at or after now that the overall line and the chat's
// budget allow. Returns {1, ms until the slot} when booked; {0, ms to wait before asking again}
// when the chat must rest first (booking its later slot would leave a hole in the overall line)
// or a bulk slot would lie beyond the horizon. Bulk messages that must wait get staggered times
// to ask again, one emission interval apart and in order, so that many bulk senders do not all
// ask at once (two calls per bulk message when backed up, not one per sender per slot). Times are
// integral milliseconds so that Lua's number formatting never rounds them.
// KEYS: all, chat, bulk queue. ARGV: now, allInterval, chatInterval, chatBurst, horizon (-1: none).
var reserveScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local all_i, chat_i, burst, horizon = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now)
local chat_tat = math.max(tonumber(redis.call('GET', KEYS[2]) or now), now)
local chat_free = chat_tat - (burst - 1) * chat_i
if chat_free > slot then return {0, chat_free - now} end
if horizon >= 0 and slot - now > horizon then
  local ticket = math.max(tonumber(redis.call('GET', KEYS[3]) or now), slot - horizon)
  redis.call('SET', KEYS[3], ticket + all_i, 'PX', ticket + all_i - now + 1000)
  return {0, ticket - now}
end
redis.call('SET', KEYS[1], slot + all_i, 'PX', slot + all_i - now + 1000)
local next_chat = math.max(chat_tat, slot) + chat_i
redis.call('SET', KEYS[2], next_chat, 'PX', next_chat - now + 1000)
return {1, slot - now}
`)

// Reserve books a slot for one message to chatID; see bot.SharedPacer.
func (p *Pacer) Reserve(ctx context.Context, chatID int64, bulk bool) (time.Duration, bool, error) {
	keys := []string{p.store.key("pace", "all"), p.store.key("pace", "chat", strconv.FormatInt(chatID, 10)), p.store.key("pace", "bulk")}
	chat, burst := p.Limits.Chat, p.Limits.ChatBurst
	if chatID < 0 { // Telegram: groups and channels have negative ids
		chat, burst = p.Limits.Group, 1
	}
	horizon := int64(-1)
	if bulk {
		horizon = p.Limits.BulkHorizon.Milliseconds()
	}
	res, err := reserveScript.Run(ctx, p.store.client, keys, p.Now().UnixMilli(),
		p.Limits.All.Milliseconds(), chat.Milliseconds(), burst, horizon).Int64Slice()
	if err != nil {
		return 0, false, wrap("pace message", err)
	}
	if len(res) != 2 {
		return 0, false, wrap("pace message", redis.Nil)
	}
	return time.Duration(max(res[1], 0)) * time.Millisecond, res[0] == 1, nil
}
