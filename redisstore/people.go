package redisstore

// Keys of people and their accounts:
//
//	{prefix}:user:{personID}           string  the person (ganwei.User JSON)
//	{prefix}:users                     zset    person ids, score = id
//	{prefix}:account:{platform}:{id}   string  the person id an account is bound to
//	{prefix}:person:seq                string  counter behind new person ids (ganwei.PersonIDBase + n)
//	{prefix}:channel:{personID}        string  the channel the person chose for pushes (wecom.go)
//	{prefix}:linkcodes:{personID}      set     the person's link codes (invites with a person id), so
//	                                           that deleting the person deletes their codes too
//
// A person id is opaque: nothing here or above reads it as a platform id. People stored by the
// first layouts keep the id they had (see Migrate).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// legacyIDLimit bounds the ids people got before person ids were allocated: Telegram user ids
// (at most 52 bits). See SaveUser.
const legacyIDLimit int64 = 1 << 52

// accountKey indexes an account to its person.
func (s *Store) accountKey(a ganwei.Account) string { return s.key("account", string(a)) }

func (s *Store) personSeqKey() string { return s.key("person", "seq") }

// userKeyPrefix is the user key without the id, for scripts that learn the id as they run.
func (s *Store) userKeyPrefix() string { return s.key("user") + ":" }

var errNoPerson = ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这位用户")

// PersonByAccount returns the person id the account is bound to, or ENOTFOUND.
func (s *Store) PersonByAccount(ctx context.Context, a ganwei.Account) (int64, error) {
	if !a.Valid() {
		return 0, errNoPerson
	}
	id, err := s.client.Get(ctx, s.accountKey(a)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, errNoPerson
	} else if err != nil {
		return 0, wrap("find account", err)
	}
	return id, nil
}

// userByAccountScript reads the account's person in one round trip.
// KEYS: account. ARGV: user key prefix. Returns false, or the user JSON (false when the index
// points to a person that is gone).
var userByAccountScript = redis.NewScript(`
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('GET', ARGV[1] .. id)
`)

// UserByAccount returns the person the account is bound to, or ENOTFOUND: the account index and
// the profile are read in one round trip (a script), as every event needs them.
func (s *Store) UserByAccount(ctx context.Context, a ganwei.Account) (*ganwei.User, error) {
	if !a.Valid() {
		return nil, errNoPerson
	}
	raw, err := userByAccountScript.Run(ctx, s.client, []string{s.accountKey(a)}, s.userKeyPrefix()).Text()
	if errors.Is(err, redis.Nil) {
		return nil, errNoPerson
	} else if err != nil {
		return nil, wrap("find account", err)
	}
	var u ganwei.User
	if err := json.Unmarshal([]byte(raw), &u); err != nil {
		return nil, fmt.Errorf("decode user of %s: %w", a.Platform(), err)
	}
	if !u.HasAccount(a) {
		// The index names a person who no longer claims the account: not theirs.
		return nil, errNoPerson
	}
	return &u, nil
}

// PushTarget returns a person and the channel they chose for pushes ("" when none), in one round
// trip (channels.Router).
func (s *Store) PushTarget(ctx context.Context, personID int64) (*ganwei.User, string, error) {
	var user, channel *redis.StringCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		user = p.Get(ctx, s.userKey(personID))
		channel = p.Get(ctx, s.key("channel", strconv.FormatInt(personID, 10)))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, "", wrap("read push target", err)
	}
	raw, err := user.Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, "", errNoPerson
	}
	var u ganwei.User
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, "", fmt.Errorf("decode user %d: %w", personID, err)
	}
	return &u, channel.Val(), nil
}

// userTail is the user's JSON after its id (`,"accounts":…}`): the scripts below write
// '{"id":' .. id .. tail once they know the id, which they allocate.
func userTail(u *ganwei.User) (string, error) {
	c := *u
	c.ID = 0
	raw, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("encode user: %w", err)
	}
	tail, ok := strings.CutPrefix(string(raw), `{"id":0`)
	if !ok {
		return "", fmt.Errorf("encode user: id is not the first field")
	}
	return tail, nil
}

// redeemScript consumes an invite and writes the person it binds in one step. The used invite
// keeps only that it was used and when (so that a second attempt is told why it failed): the
// profile now lives in the user record, and the invite no longer names the person nor links the
// code to their account, so /forgetme has nothing to find there. What Go read before (the
// account's person, that person's record) must be unchanged, else it answers -3 and Go reads
// again.
// KEYS: invite, account, users, person seq. ARGV: now (unix s), account's person as read ("" for
// none), mode ("new" allocates a person id), person id (other modes), that person's record as
// read, user JSON tail, user key prefix, id base.
// Returns {1, id} on success, {0} unknown, {-1} expired, {-2} already used, {-3} changed meanwhile.
var redeemScript = redis.NewScript(`
local exp = redis.call('HGET', KEYS[1], 'exp')
if not exp then return {0} end
if redis.call('HEXISTS', KEYS[1], 'used_at') == 1 or redis.call('HEXISTS', KEYS[1], 'used_by') == 1 then return {-2} end
if tonumber(exp) <= tonumber(ARGV[1]) then return {-1} end
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[2] then return {-3} end
local pid = ARGV[4]
if ARGV[3] == 'new' then
  pid = string.format('%d', tonumber(ARGV[8]) + redis.call('INCR', KEYS[4]))
elseif (redis.call('GET', ARGV[7] .. pid) or '') ~= ARGV[5] then
  return {-3}
end
redis.call('HDEL', KEYS[1], 'payload')
redis.call('HSET', KEYS[1], 'used_at', ARGV[1])
redis.call('SET', ARGV[7] .. pid, '{"id":' .. pid .. ARGV[6])
redis.call('ZADD', KEYS[3], pid, pid)
redis.call('SET', KEYS[2], pid)
return {1, pid}
`)

// RedeemInvite binds the account to the invite's profile and consumes the code in one atomic
// step (see ganwei.UserService.RedeemInvite).
func (s *Store) RedeemInvite(ctx context.Context, code string, a ganwei.Account) (*ganwei.User, error) {
	code = normalizeInviteCode(code)
	if code == "" {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "邀请码无效")
	}
	if !a.Valid() {
		return nil, ganwei.Errorf(ganwei.EINVALID, "无法识别您的账号")
	}
	key := s.key("invite", code)
	for attempt := 0; attempt < maxTxAttempts; attempt++ {
		raw, err := s.client.HGet(ctx, key, "payload").Bytes()
		if errors.Is(err, redis.Nil) {
			if used, err := s.client.HExists(ctx, key, "used_at").Result(); err == nil && used {
				return nil, ganwei.Errorf(ganwei.ECONFLICT, "邀请码已被使用")
			}
			return nil, ganwei.Errorf(ganwei.ENOTFOUND, "邀请码无效")
		} else if err != nil {
			return nil, wrap("read invite", err)
		}
		var inv ganwei.Invite
		if err := json.Unmarshal(raw, &inv); err != nil {
			return nil, fmt.Errorf("decode invite: %w", err)
		}
		u, done, err := s.redeemOnce(ctx, key, &inv, a)
		if err != nil || done {
			return u, err
		}
	}
	return nil, ganwei.Errorf(ganwei.ECONFLICT, "数据正在更新，请稍后重试")
}

// redeemOnce is one attempt of RedeemInvite; done is false when what it read changed meanwhile.
func (s *Store) redeemOnce(ctx context.Context, key string, inv *ganwei.Invite, a ganwei.Account) (*ganwei.User, bool, error) {
	now := s.Now()
	bound, err := s.client.Get(ctx, s.accountKey(a)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, wrap("find account", err)
	}
	mode, target := "new", int64(0)
	if bound != "" {
		if target, err = strconv.ParseInt(bound, 10, 64); err != nil {
			return nil, false, fmt.Errorf("account index: %w", err)
		}
		mode = "update"
	}
	if inv.PersonID != 0 {
		if target != 0 && target != inv.PersonID {
			return nil, true, ganwei.Errorf(ganwei.ECONFLICT, "这个账号已绑定其他人员，不能再绑定。如有疑问请联系组织部。")
		}
		target, mode = inv.PersonID, "link"
	}
	var old *ganwei.User
	oldRaw := ""
	if target != 0 {
		oldRaw, err = s.client.Get(ctx, s.userKey(target)).Result()
		switch {
		case errors.Is(err, redis.Nil) && mode == "link":
			return nil, true, ganwei.Errorf(ganwei.ENOTFOUND, "邀请码无效")
		case errors.Is(err, redis.Nil):
			mode = "new" // the index points to a person that is gone: start afresh
		case err != nil:
			return nil, false, wrap("read user", err)
		default:
			old = new(ganwei.User)
			if err := json.Unmarshal([]byte(oldRaw), old); err != nil {
				return nil, false, fmt.Errorf("decode user %d: %w", target, err)
			}
		}
	}
	var u *ganwei.User
	switch {
	case mode == "link":
		// A link code adds the person's account on ANOTHER channel. One redeemed on a channel
		// where they already have an account (a code forwarded to, or seen by, someone else
		// there) binds nothing and stays valid for the other channel.
		if mine := old.AccountOn(a.Platform()); mine != "" && mine != a {
			return nil, true, ganwei.Errorf(ganwei.ECONFLICT, "这个绑定码只能在您还没有绑定的另一个渠道使用（您已绑定：%s），没有完成绑定。", ganwei.AccountsLabel(old.Accounts))
		}
		u = old // profile and role stay; one more account
		if !u.HasAccount(a) {
			u.Accounts = append(u.Accounts, a)
		}
		u.UpdatedAt = now
	case mode == "update":
		// The account's person redeems another invite: same person, new profile and role.
		u = &ganwei.User{ID: target, Accounts: old.Accounts, Name: inv.Name, Unit: inv.Unit, Position: inv.Position,
			Role: inv.Role, CreatedAt: old.CreatedAt, UpdatedAt: now}
		if !u.HasAccount(a) {
			u.Accounts = append(u.Accounts, a)
		}
	default:
		u = &ganwei.User{Accounts: []ganwei.Account{a}, Name: inv.Name, Unit: inv.Unit, Position: inv.Position,
			Role: inv.Role, CreatedAt: now, UpdatedAt: now}
	}
	tail, err := userTail(u)
	if err != nil {
		return nil, false, err
	}
	res, err := redeemScript.Run(ctx, s.client,
		[]string{key, s.accountKey(a), s.key("users"), s.personSeqKey()},
		now.Unix(), bound, mode, strconv.FormatInt(target, 10), oldRaw, tail, s.userKeyPrefix(),
		ganwei.PersonIDBase).Slice()
	if err != nil {
		return nil, false, wrap("redeem invite", err)
	}
	switch code, _ := res[0].(int64); code {
	case 1:
		idText, _ := res[1].(string)
		if u.ID, err = strconv.ParseInt(idText, 10, 64); err != nil {
			return nil, false, fmt.Errorf("redeem invite: person id %q: %w", idText, err)
		}
		return u, true, nil
	case -1:
		return nil, true, ganwei.Errorf(ganwei.EEXPIRED, "邀请码已过期")
	case -2:
		return nil, true, ganwei.Errorf(ganwei.ECONFLICT, "邀请码已被使用")
	case -3:
		return nil, false, nil
	}
	return nil, true, ganwei.Errorf(ganwei.ENOTFOUND, "邀请码无效")
}

// personForAccountScript returns the account's person, or makes one.
// KEYS: account, users, person seq. ARGV: user JSON tail, user key prefix, id base.
// Returns {id, created (0/1)}.
var personForAccountScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and redis.call('EXISTS', ARGV[2] .. cur) == 1 then return {cur, 0} end
local pid = string.format('%d', tonumber(ARGV[3]) + redis.call('INCR', KEYS[3]))
redis.call('SET', ARGV[2] .. pid, '{"id":' .. pid .. ARGV[1])
redis.call('ZADD', KEYS[2], pid, pid)
redis.call('SET', KEYS[1], pid)
return {pid, 1}
`)

// PersonForAccount returns the person the account is bound to, or makes one with profile's
// name, unit and position and no role (see ganwei.UserService.PersonForAccount).
func (s *Store) PersonForAccount(ctx context.Context, a ganwei.Account, profile *ganwei.User) (int64, bool, error) {
	if _, err := ganwei.ParseAccount(string(a)); err != nil {
		return 0, false, err
	}
	now := s.Now()
	u := &ganwei.User{Accounts: []ganwei.Account{a}, Role: ganwei.RoleGuest, CreatedAt: now, UpdatedAt: now}
	if profile != nil {
		u.Name, u.Unit, u.Position = profile.Name, profile.Unit, profile.Position
	}
	if strings.TrimSpace(u.Name) == "" {
		u.Name = a.Label()
	}
	u.ID = 1 // Validate wants an id; the script allocates the real one
	if err := u.Validate(); err != nil {
		return 0, false, err
	}
	tail, err := userTail(u)
	if err != nil {
		return 0, false, err
	}
	res, err := personForAccountScript.Run(ctx, s.client,
		[]string{s.accountKey(a), s.key("users"), s.personSeqKey()}, tail, s.userKeyPrefix(), ganwei.PersonIDBase).Slice()
	if err != nil {
		return 0, false, wrap("person for account", err)
	}
	idText, _ := res[0].(string)
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("person for account: id %q: %w", idText, err)
	}
	created, _ := res[1].(int64)
	return id, created == 1, nil
}

// LinkAccount binds one more account to an existing person (see ganwei.UserService.LinkAccount):
// the account index and the profile change together, in an optimistic transaction over both.
func (s *Store) LinkAccount(ctx context.Context, personID int64, a ganwei.Account) error {
	if _, err := ganwei.ParseAccount(string(a)); err != nil {
		return err
	}
	userKey, accKey := s.userKey(personID), s.accountKey(a)
	for attempt := 0; attempt < maxTxAttempts; attempt++ {
		err := s.client.Watch(ctx, func(tx *redis.Tx) error {
			bound, err := tx.Get(ctx, accKey).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
			if bound != "" && bound != strconv.FormatInt(personID, 10) {
				if tx.Exists(ctx, s.userKeyPrefix()+bound).Val() == 1 {
					return ganwei.Errorf(ganwei.ECONFLICT, "该账号已绑定其他人员")
				}
			}
			raw, err := tx.Get(ctx, userKey).Bytes()
			if errors.Is(err, redis.Nil) {
				return errNoPerson
			} else if err != nil {
				return err
			}
			var u ganwei.User
			if err := json.Unmarshal(raw, &u); err != nil {
				return fmt.Errorf("decode user %d: %w", personID, err)
			}
			if !u.HasAccount(a) {
				u.Accounts = append(u.Accounts, a)
				u.UpdatedAt = s.Now()
			}
			out, err := json.Marshal(&u)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, userKey, out, 0)
				p.Set(ctx, accKey, personID, 0)
				return nil
			})
			return err
		}, userKey, accKey)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if ganwei.ErrorCode(err) == ganwei.EINTERNAL {
			return wrap("link account", err)
		}
		return err
	}
	return ganwei.Errorf(ganwei.ECONFLICT, "数据正在被修改，请稍后重试")
}

// accountKeysOf lists the account index keys that lead to the person: those the profile names
// and that still point to them (an index another person took over is left alone).
func (s *Store) accountKeysOf(ctx context.Context, id int64) []string {
	u, err := s.User(ctx, id)
	if err != nil || len(u.Accounts) == 0 {
		return nil
	}
	keys := make([]string, len(u.Accounts))
	for i, a := range u.Accounts {
		keys[i] = s.accountKey(a)
	}
	vals, err := s.mget(ctx, keys)
	if err != nil {
		return nil
	}
	mine := strconv.FormatInt(id, 10)
	out := keys[:0]
	for i, k := range keys {
		if vals[i] == mine {
			out = append(out, k)
		}
	}
	return out
}

// DeleteUser removes the user's profile and the account links that lead to it. Deleting an
// unknown user is not an error.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	accounts := s.accountKeysOf(ctx, id)
	codes, err := s.linkCodeKeysOf(ctx, s.client, id)
	if err != nil {
		return wrap("delete user", err)
	}
	_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, append(append(accounts, codes...), s.userKey(id), s.linkCodesKey(id), s.key("channel", strconv.FormatInt(id, 10)))...)
		p.ZRem(ctx, s.key("users"), id)
		return nil
	})
	return wrap("delete user", err)
}

// linkCodesKey is the set of the person's link codes.
func (s *Store) linkCodesKey(id int64) string { return s.key("linkcodes", strconv.FormatInt(id, 10)) }

// linkCodeKeysOf lists the invite keys of the person's link codes (used or not).
func (s *Store) linkCodeKeysOf(ctx context.Context, c redis.Cmdable, id int64) ([]string, error) {
	codes, err := c.SMembers(ctx, s.linkCodesKey(id)).Result()
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(codes))
	for i, code := range codes {
		keys[i] = s.key("invite", code)
	}
	return keys, nil
}
