package redisstore

// Keys:
//
//	{prefix}:pace:all           string  GCRA "theoretical arrival time" (unix ms) of the next
//	                                    message to any chat, shared by every replica
//	{prefix}:pace:chat:{chatID} string  the same for one chat
//
// Both expire soon after they stop mattering, so an idle bot keeps none.

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Pacer spaces outgoing Telegram messages across every replica that shares this Redis, with the
// generic cell rate algorithm: one budget for the whole bot and one per chat. Each replica's own
// in-memory limiter still applies; this one makes the budget shared. It implements
// bot.SharedPacer; the caller does the waiting.
type Pacer struct {
	store         *Store
	allMs, chatMs int64 // emission interval in milliseconds, rounded up so as never to exceed the rate
	allBurst      int64
	chatBurst     int64

	// Now is the clock for pacing: real time, even when a demo moves the store's clock.
	Now func() time.Time

	budget string // "pace" for Telegram; another platform has its own budget (WeComPacer)
}

// Pacer returns a shared pacer allowing perSecond messages overall (with an equal burst) and
// perChat messages per second to one chat with chatBurst.
func (s *Store) Pacer(perSecond, perChat float64, chatBurst int) *Pacer {
	interval := func(rate float64) int64 { return int64(math.Ceil(1000 / rate)) }
	return &Pacer{
		store: s, allMs: interval(perSecond), chatMs: interval(perChat),
		allBurst: max(1, int64(perSecond)), chatBurst: int64(max(1, chatBurst)),
		Now: time.Now, budget: "pace",
	}
}

// WeComPacer is Pacer for the 企业微信 API: its own budget ({prefix}:pace:wecom:…), apart from
// Telegram's.
func (s *Store) WeComPacer(perSecond, perChat float64, chatBurst int) *Pacer {
	p := s.Pacer(perSecond, perChat, chatBurst)
	p.budget = "pace:wecom"
	return p
}

// paceScript takes one message from both buckets when both allow it and returns 0; otherwise it
// changes nothing and returns how many milliseconds to wait. Times are integral milliseconds so
// that Lua's number formatting never rounds them.
// KEYS: all, chat. ARGV: now, allInterval, allBurst, chatInterval, chatBurst.
var paceScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local function next_tat(key, interval, burst)
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  return tat + interval, tat + interval - burst * interval - now
end
local all_tat, all_wait = next_tat(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
local chat_tat, chat_wait = next_tat(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]))
local wait = math.max(all_wait, chat_wait)
if wait > 0 then return wait end
redis.call('SET', KEYS[1], all_tat, 'PX', all_tat - now + 1000)
redis.call('SET', KEYS[2], chat_tat, 'PX', chat_tat - now + 1000)
return 0
`)

// Reserve takes one message to chatID from both shared budgets and returns zero, or changes
// nothing and returns how long to wait before asking again.
func (p *Pacer) Reserve(ctx context.Context, chatID int64) (time.Duration, error) {
	keys := []string{p.store.key(p.budget, "all"), p.store.key(p.budget, "chat", strconv.FormatInt(chatID, 10))}
	wait, err := paceScript.Run(ctx, p.store.client, keys,
		p.Now().UnixMilli(), p.allMs, p.allBurst, p.chatMs, p.chatBurst).Int64()
	if err != nil {
		return 0, wrap("pace message", err)
	}
	return time.Duration(max(wait, 0)) * time.Millisecond, nil
}
