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
//	{prefix}:wecom:msgs:{userid}      set     ids of the cards sent to userid, so that /forgetme
//	                                          deletes their records (they quote what was sent)
//	{prefix}:wecom:press:{id}         string  the response_code of the latest press on card id (72 h, single use)
//
// Callbacks go through the shared inbox (inbox.go, source "wecom"). Versions before it kept them
// in {prefix}:wecom:inbox and {prefix}:wecom:inbox:busy:{instance} (lists of JSON, oldest at the
// right) with dedupe marks {prefix}:wecom:event:{key}; MoveLegacyWeComQueue empties those.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
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

// SaveWeComMessage keeps the record of card id for ttl, indexed by the userid the record names
// (its "user" field) so that deleting the person deletes it (Forget).
func (s *Store) SaveWeComMessage(ctx context.Context, id int, record string, ttl time.Duration) error {
	var rec struct {
		User string `json:"user"`
	}
	_ = json.Unmarshal([]byte(record), &rec) // a record naming nobody is kept unindexed
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key("wecom", "msg", strconv.Itoa(id)), record, ttl)
		if rec.User != "" {
			p.SAdd(ctx, s.weComMessagesKey(rec.User), id)
			p.Expire(ctx, s.weComMessagesKey(rec.User), ttl)
		}
		return nil
	})
	return wrap("save wecom message", err)
}

func (s *Store) weComMessagesKey(userID string) string { return s.key("wecom", "msgs", userID) }

// weComMessageKeysOf lists the card records (and their pending response codes) of the
// 企业微信 accounts among the account index keys, with the index sets themselves.
func (s *Store) weComMessageKeysOf(ctx context.Context, c redis.Cmdable, accountKeys []string) ([]string, error) {
	prefix := s.accountKey(ganwei.WeComAccount(""))
	var out []string
	for _, k := range accountKeys {
		userID, ok := strings.CutPrefix(k, prefix)
		if !ok || userID == "" {
			continue
		}
		ids, err := c.SMembers(ctx, s.weComMessagesKey(userID)).Result()
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			out = append(out, s.key("wecom", "msg", id), s.key("wecom", "press", id))
		}
		out = append(out, s.weComMessagesKey(userID))
	}
	return out, nil
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

// moveLegacyScript moves every callback of one list of the former 企业微信 queue into the inbox
// stream, oldest (rightmost) first, each in the same step as it leaves the list. KEYS: list,
// stream. ARGV: source.
var moveLegacyScript = redis.NewScript(`
local n = 0
while true do
  local p = redis.call('RPOP', KEYS[1])
  if not p then return n end
  redis.call('XADD', KEYS[2], '*', 's', ARGV[1], 'k', 'legacy', 'u', p)
  n = n + 1
end
`)

// copyMarkScript carries the dedupe marks of the former queue over to the inbox's namespace with
// the time they have left. KEYS: old mark, new mark.
var copyMarkScript = redis.NewScript(`
local t = redis.call('PTTL', KEYS[1])
if t > 0 then redis.call('SET', KEYS[2], '1', 'NX', 'PX', t) end
return t
`)

// MoveLegacyWeComQueue moves what the former 企业微信 queue still holds (versions before the
// shared inbox queued callbacks in {prefix}:wecom:inbox, and the ones a replica was handling in
// {prefix}:wecom:inbox:busy:{instance}) into the inbox, so that nothing accepted before an
// upgrade is lost, and carries its dedupe marks over so that a retry 企业微信 sends across the
// upgrade is not taken twice. Safe to run at every start and on every replica: each callback
// moves once. It returns how many callbacks moved.
func (s *Store) MoveLegacyWeComQueue(ctx context.Context) (int, error) {
	lists := []string{}
	iter := s.client.Scan(ctx, 0, s.key("wecom", "inbox", "busy", "*"), 500).Iterator()
	for iter.Next(ctx) {
		lists = append(lists, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return 0, wrap("find the former wecom queue", err)
	}
	lists = append(lists, s.key("wecom", "inbox")) // taken ones first: they are the older
	moved := 0
	for _, l := range lists {
		n, err := moveLegacyScript.Run(ctx, s.client, []string{l, s.inboxKey()}, ganwei.SourceWeCom).Int()
		moved += n
		if err != nil {
			return moved, wrap("move the former wecom queue", err)
		}
	}
	oldPrefix := s.key("wecom", "event") + ":"
	marks := s.client.Scan(ctx, 0, oldPrefix+"*", 500).Iterator()
	for marks.Next(ctx) {
		old := marks.Val()
		key := strings.TrimPrefix(old, oldPrefix)
		err := copyMarkScript.Run(ctx, s.client, []string{old, s.updateSeenKey(ganwei.InboxUpdate{Source: ganwei.SourceWeCom, Key: key})}).Err()
		if err != nil {
			return moved, wrap("carry the former wecom marks over", err)
		}
	}
	return moved, wrap("find the former wecom marks", marks.Err())
}
