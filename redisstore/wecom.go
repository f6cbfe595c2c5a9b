package redisstore

// Keys of the 企业微信 front end (package wecom):
//
//	{prefix}:wecom:token              string  the app's access token, shared by replicas (expires with it)
//	{prefix}:wecom:token:lock         string  a random owner while one replica refreshes the token (30 s)
//	{prefix}:wecom:seq                string  counter behind the chat numbers of 企业微信 users
//	{prefix}:wecom:chat:{userid}      string  the number n of a 企业微信 userid (chat = WeComChatBase + n)
//	{prefix}:wecom:user:{n}           string  the userid of number n
//	{prefix}:wecom:msgseq             string  counter behind message ids (card task ids)
//	{prefix}:wecom:msg:{id}           string  JSON record of a sent card (user, text, buttons), 90 days
//	{prefix}:wecom:press:{id}         string  the response_code of the latest press on card id (72 h, single use)
//	{prefix}:wecom:event:{key}        string  "1" while a callback counts as taken (24 h)
//	{prefix}:wecom:inbox              list    callbacks taken and not yet handled (JSON), oldest at the right
//	{prefix}:wecom:inbox:busy:{inst}  list    the ones replica inst is handling; put back when it starts again

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// WeComChatBase is added to a 企业微信 user's number to make the chat number the 企业微信 front
// end uses for them (ganwei.Messenger addresses chats by number; wecom.Front maps it back to the
// userid). A chat number is the front end's own: it is never a person id, and the router does
// not read it. (People first met on 企业微信 by earlier versions got it as their person id too;
// they keep it, as an opaque id.)
const WeComChatBase int64 = 1 << 52

// CachedWeComToken implements wecom.TokenCache.
func (s *Store) CachedWeComToken(ctx context.Context) (string, error) {
	tok, err := s.client.Get(ctx, s.key("wecom", "token")).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", wrap("read wecom token", err)
	}
	return tok, nil
}

// SaveWeComToken implements wecom.TokenCache.
func (s *Store) SaveWeComToken(ctx context.Context, token string, ttl time.Duration) error {
	return wrap("save wecom token", s.client.Set(ctx, s.key("wecom", "token"), token, ttl).Err())
}

var dropIfEqual = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// DropWeComToken implements wecom.TokenCache: only the rejected token goes, never a newer one.
func (s *Store) DropWeComToken(ctx context.Context, token string) error {
	return wrap("drop wecom token", dropIfEqual.Run(ctx, s.client, []string{s.key("wecom", "token")}, token).Err())
}

// LockWeComTokenRefresh implements wecom.TokenCache.
func (s *Store) LockWeComTokenRefresh(ctx context.Context, ttl time.Duration) (func(), bool, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return nil, false, err
	}
	owner, key := hex.EncodeToString(b), s.key("wecom", "token", "lock")
	ok, err := s.client.SetNX(ctx, key, owner, ttl).Result()
	if err != nil || !ok {
		return func() {}, false, wrap("lock wecom token", err)
	}
	return func() { _ = dropIfEqual.Run(context.WithoutCancel(ctx), s.client, []string{key}, owner).Err() }, true, nil
}

var chatIDScript = redis.NewScript(`
local n = redis.call('GET', KEYS[1])
if n then return {tonumber(n), 0} end
n = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], n)
redis.call('SET', KEYS[3] .. n, ARGV[1])
return {n, 1}
`)

// WeComChat returns the chat id standing for a 企业微信 userid, making one the first time
// (created is then true).
func (s *Store) WeComChat(ctx context.Context, userID string) (int64, bool, error) {
	// Almost always the number exists: one GET, without running a script.
	if n, err := s.client.Get(ctx, s.key("wecom", "chat", userID)).Int64(); err == nil {
		return WeComChatBase + n, false, nil
	} else if !errors.Is(err, redis.Nil) {
		return 0, false, wrap("wecom chat id", err)
	}
	res, err := chatIDScript.Run(ctx, s.client,
		[]string{s.key("wecom", "chat", userID), s.key("wecom", "seq"), s.key("wecom", "user") + ":"},
		userID).Slice()
	if err != nil {
		return 0, false, wrap("wecom chat id", err)
	}
	n, _ := res[0].(int64)
	return WeComChatBase + n, res[1].(int64) == 1, nil
}

// WeComUser returns the userid of a chat id made by WeComChat, or ENOTFOUND.
func (s *Store) WeComUser(ctx context.Context, chatID int64) (string, error) {
	if chatID <= WeComChatBase {
		return "", ganwei.Errorf(ganwei.ENOTFOUND, "没有这个企业微信用户")
	}
	u, err := s.client.Get(ctx, s.key("wecom", "user", strconv.FormatInt(chatID-WeComChatBase, 10))).Result()
	if errors.Is(err, redis.Nil) {
		return "", ganwei.Errorf(ganwei.ENOTFOUND, "没有这个企业微信用户")
	}
	return u, wrap("wecom userid", err)
}

// NextWeComMessageID numbers a sent card.
func (s *Store) NextWeComMessageID(ctx context.Context) (int, error) {
	n, err := s.client.Incr(ctx, s.key("wecom", "msgseq")).Result()
	return int(n), wrap("wecom message id", err)
}

// SaveWeComMessage keeps the record of card id for ttl.
func (s *Store) SaveWeComMessage(ctx context.Context, id int, record string, ttl time.Duration) error {
	return wrap("save wecom message", s.client.Set(ctx, s.key("wecom", "msg", strconv.Itoa(id)), record, ttl).Err())
}

// WeComMessage returns the record of card id, or ENOTFOUND.
func (s *Store) WeComMessage(ctx context.Context, id int) (string, error) {
	r, err := s.client.Get(ctx, s.key("wecom", "msg", strconv.Itoa(id))).Result()
	if errors.Is(err, redis.Nil) {
		return "", ganwei.Errorf(ganwei.ENOTFOUND, "消息已过期")
	}
	return r, wrap("read wecom message", err)
}

// SaveWeComResponseCode keeps the response_code of the latest press on card id (valid 72 h).
func (s *Store) SaveWeComResponseCode(ctx context.Context, id int, code string) error {
	return wrap("save wecom response code", s.client.Set(ctx, s.key("wecom", "press", strconv.Itoa(id)), code, 72*time.Hour).Err())
}

// TakeWeComResponseCode returns and forgets the response_code of card id ("" when none): each
// can update the card once.
func (s *Store) TakeWeComResponseCode(ctx context.Context, id int) (string, error) {
	c, err := s.client.GetDel(ctx, s.key("wecom", "press", strconv.Itoa(id))).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return c, wrap("take wecom response code", err)
}

// {prefix}:channel:{personID}  string  the channel a person with several accounts gets pushes on

// PreferredChannel returns the channel the person chose for pushes ("telegram", "wecom"), or "".
func (s *Store) PreferredChannel(ctx context.Context, personID int64) (string, error) {
	c, err := s.client.Get(ctx, s.key("channel", strconv.FormatInt(personID, 10))).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return c, wrap("read preferred channel", err)
}

// SetPreferredChannel records the channel for the person's pushes; "" clears it.
func (s *Store) SetPreferredChannel(ctx context.Context, personID int64, channel string) error {
	key := s.key("channel", strconv.FormatInt(personID, 10))
	if channel == "" {
		return wrap("clear preferred channel", s.client.Del(ctx, key).Err())
	}
	return wrap("save preferred channel", s.client.Set(ctx, key, channel, 0).Err())
}

// LinkWeComAccount binds a 企业微信 userid to an existing person (an admin mapping); see
// LinkAccount.
func (s *Store) LinkWeComAccount(ctx context.Context, personID int64, userID string) error {
	return s.LinkAccount(ctx, personID, ganwei.WeComAccount(userID))
}

var queueEventScript = redis.NewScript(`
if redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[2]) then
  redis.call('LPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
`)

// QueueWeComEvent marks the callback key as taken and queues payload in the inbox, in one step:
// false when the callback was taken before (a retry or a replay).
func (s *Store) QueueWeComEvent(ctx context.Context, key, payload string) (bool, error) {
	n, err := queueEventScript.Run(ctx, s.client, []string{s.key("wecom", "event", key), s.key("wecom", "inbox")},
		payload, int(updateSeenTTL.Seconds())).Int()
	if err != nil {
		return false, wrap("queue wecom event", err)
	}
	return n == 1, nil
}

// TakeWeComEvent moves the oldest queued callback to instance's busy list and returns it,
// waiting up to wait; "" when none came.
func (s *Store) TakeWeComEvent(ctx context.Context, instance string, wait time.Duration) (string, error) {
	p, err := s.client.BLMove(ctx, s.key("wecom", "inbox"), s.key("wecom", "inbox", "busy", instance), "RIGHT", "LEFT", wait).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return p, wrap("take wecom event", err)
}

// FinishWeComEvent removes a handled callback from instance's busy list.
func (s *Store) FinishWeComEvent(ctx context.Context, instance, payload string) error {
	return wrap("finish wecom event", s.client.LRem(ctx, s.key("wecom", "inbox", "busy", instance), 1, payload).Err())
}

// RequeueWeComEvents puts back in the inbox what instance was handling when it stopped (a
// crash), oldest first, and returns how many.
func (s *Store) RequeueWeComEvents(ctx context.Context, instance string) (int, error) {
	busy, inbox := s.key("wecom", "inbox", "busy", instance), s.key("wecom", "inbox")
	n := 0
	for {
		_, err := s.client.LMove(ctx, busy, inbox, "LEFT", "RIGHT").Result() // newest first, so the oldest is taken first
		if errors.Is(err, redis.Nil) {
			return n, nil
		}
		if err != nil {
			return n, wrap("requeue wecom events", err)
		}
		n++
	}
}
