package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

var _ ganwei.UserService = (*Store)(nil)

// User returns the user with the person id, or ENOTFOUND.
func (s *Store) User(ctx context.Context, id int64) (*ganwei.User, error) {
	raw, err := s.client.Get(ctx, s.userKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这位用户")
	} else if err != nil {
		return nil, wrap("get user", err)
	}
	var u ganwei.User
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, fmt.Errorf("decode user %d: %w", id, err)
	}
	return &u, nil
}

// SaveUser creates or replaces a user, indexing the accounts it names. A profile that names no
// account and has an id below 2^52 gets the account "telegram:<id>": that is what such a profile
// meant in the first layout, where people were keyed by their Telegram id (the seeding of tests
// and demos relies on it). New people get their ids from RedeemInvite and PersonForAccount.
func (s *Store) SaveUser(ctx context.Context, u *ganwei.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	now := s.Now()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	u.UpdatedAt = now
	if len(u.Accounts) == 0 && u.ID < legacyIDLimit {
		u.Accounts = []ganwei.Account{ganwei.TelegramAccount(u.ID)}
	}
	raw, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encode user: %w", err)
	}
	_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.userKey(u.ID), raw, 0)
		for _, a := range u.Accounts {
			p.Set(ctx, s.accountKey(a), u.ID, 0)
		}
		p.ZAdd(ctx, s.key("users"), redis.Z{Score: float64(u.ID), Member: u.ID})
		return nil
	})
	return wrap("save user", err)
}

// Users lists every user, ordered by id.
func (s *Store) Users(ctx context.Context) ([]*ganwei.User, error) {
	ids, err := s.client.ZRange(ctx, s.key("users"), 0, -1).Result()
	if err != nil {
		return nil, wrap("list users", err)
	}
	return s.usersByID(ctx, ids)
}

// UsersPage is up to limit users from offset, ordered by id, and the number of users.
func (s *Store) UsersPage(ctx context.Context, offset, limit int) ([]*ganwei.User, int, error) {
	if offset < 0 || limit <= 0 {
		return nil, 0, ganwei.Errorf(ganwei.EINVALID, "invalid page %d+%d", offset, limit)
	}
	var ids *redis.StringSliceCmd
	var total *redis.IntCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		ids = p.ZRange(ctx, s.key("users"), int64(offset), int64(offset+limit-1))
		total = p.ZCard(ctx, s.key("users"))
		return nil
	})
	if err != nil {
		return nil, 0, wrap("list users", err)
	}
	users, err := s.usersByID(ctx, ids.Val())
	return users, int(total.Val()), err
}

// usersByID reads the users with the ids, in order, skipping any deleted meanwhile.
func (s *Store) usersByID(ctx context.Context, ids []string) ([]*ganwei.User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.key("user", id)
	}
	vals, err := s.mget(ctx, keys)
	if err != nil {
		return nil, wrap("list users", err)
	}
	users := make([]*ganwei.User, 0, len(vals))
	for _, v := range vals {
		if v == "" {
			continue // deleted between the two reads
		}
		var u ganwei.User
		if err := json.Unmarshal([]byte(v), &u); err != nil {
			return nil, fmt.Errorf("decode user: %w", err)
		}
		users = append(users, &u)
	}
	return users, nil
}

// mget reads many string keys; it pipelines single GETs so that it also works on a Cluster,
// where one MGET may not span slots.
func (s *Store) mget(ctx context.Context, keys []string) ([]string, error) {
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]string, len(keys))
	for i, c := range cmds {
		out[i] = c.Val()
	}
	return out, nil
}

// SetRole changes a user's role; RoleGuest revokes it. ENOTFOUND for an unknown user.
func (s *Store) SetRole(ctx context.Context, id int64, role ganwei.Role) error {
	_, err := updateJSON(ctx, s, s.userKey(id), "没有找到这位用户", func(u *ganwei.User, _ redis.Pipeliner) error {
		u.Role, u.UpdatedAt = role, s.Now()
		return nil
	})
	return err
}

// SetScope sets the units an HR officer covers (none: all). ENOTFOUND for an unknown user.
func (s *Store) SetScope(ctx context.Context, id int64, units []string) error {
	_, err := updateJSON(ctx, s, s.userKey(id), "没有找到这位用户", func(u *ganwei.User, _ redis.Pipeliner) error {
		u.Scope, u.UpdatedAt = units, s.Now()
		return nil
	})
	return err
}

func (s *Store) userKey(id int64) string { return s.key("user", strconv.FormatInt(id, 10)) }

// inviteAlphabet leaves out look-alike characters (0/O, 1/I/L) because codes get read aloud and
// typed by hand.
const inviteAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// inviteCodeLen gives 31^10 ≈ 8e14 codes: unguessable within the rate limit and the expiry.
const inviteCodeLen = 10

// inviteGrace keeps a used or expired invite around a while so that a late attempt is told why
// it failed instead of "unknown code".
const inviteGrace = 30 * 24 * time.Hour

// CreateInvite stores inv under a fresh random code, which it sets and returns.
func (s *Store) CreateInvite(ctx context.Context, inv *ganwei.Invite) (string, error) {
	if err := inv.Validate(); err != nil {
		return "", err
	}
	if inv.ExpiresAt.IsZero() {
		inv.ExpiresAt = s.Now().Add(ganwei.DefaultInviteTTL)
	}
	for attempt := 0; attempt < 3; attempt++ {
		code, err := randomCode(inviteAlphabet, inviteCodeLen)
		if err != nil {
			return "", err
		}
		inv.Code = code
		raw, err := json.Marshal(inv)
		if err != nil {
			return "", fmt.Errorf("encode invite: %w", err)
		}
		key := s.key("invite", code)
		ok, err := s.client.HSetNX(ctx, key, "payload", raw).Result()
		if err != nil {
			return "", wrap("create invite", err)
		} else if !ok {
			continue // astronomically unlikely collision: draw again
		}
		_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, key, "exp", inv.ExpiresAt.Unix())
			p.ExpireAt(ctx, key, inv.ExpiresAt.Add(inviteGrace))
			if inv.PersonID != 0 { // a link code: deleting the person deletes it (Forget, DeleteUser)
				p.SAdd(ctx, s.linkCodesKey(inv.PersonID), code)
				p.ExpireAt(ctx, s.linkCodesKey(inv.PersonID), inv.ExpiresAt.Add(inviteGrace))
			}
			return nil
		})
		if err != nil {
			return "", wrap("create invite", err)
		}
		return code, nil
	}
	return "", ganwei.Errorf(ganwei.ECONFLICT, "生成邀请码失败，请重试")
}

// normalizeInviteCode accepts what people type: lower case, spaces, full-width letters.
func normalizeInviteCode(code string) string {
	out := make([]rune, 0, len(code))
	for _, r := range code {
		switch {
		case r >= 'ａ' && r <= 'ｚ':
			r = r - 'ａ' + 'A'
		case r >= 'Ａ' && r <= 'Ｚ':
			r = r - 'Ａ' + 'A'
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r >= 'a' && r <= 'z':
			r = r - 'a' + 'A'
		}
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			out = append(out, r)
		}
	}
	if len(out) != inviteCodeLen {
		return ""
	}
	return string(out)
}

// Forget deletes or anonymizes everything that names or links to the person, in one optimistic
// transaction over the indexes that lead to their data (retried when an answer or an appointment
// slips in between the read and the write). See ganwei.UserService.Forget.
//
// What goes: the profile, its account links, link codes and channel choice; every answer, free-text line, prompt claim, pause, dialog and
// eligibility mark; their appointments with the duplicate guard and the queued reminder jobs.
// Their cases stay as closed shells (id, period, status, dates) with the identity, unit, reasons
// and HR's notes removed and one note 本人已删除. Used invites hold no identity after redemption
// (see redeemScript). Aggregates keep their counts; the audit log keeps who viewed the data.
func (s *Store) Forget(ctx context.Context, id int64) (*ganwei.Forgotten, error) {
	uid := strconv.FormatInt(id, 10)
	index, cases := s.ciIndexKey(id), s.key("cicase", uid)
	now := s.Now()
	closing, err := json.Marshal(ganwei.CaseNote{At: now, Status: ganwei.CaseClosed, Text: "本人已删除资料，事项关闭"})
	if err != nil {
		return nil, fmt.Errorf("encode case note: %w", err)
	}
	for attempt := 0; attempt < maxTxAttempts; attempt++ {
		var out ganwei.Forgotten
		err := s.client.Watch(ctx, func(tx *redis.Tx) error {
			out = ganwei.Forgotten{}
			answered, err := tx.ZRange(ctx, index, 0, -1).Result()
			if err != nil {
				return err
			}
			caseIDs, err := tx.SMembers(ctx, cases).Result()
			if err != nil {
				return err
			}
			periods, err := tx.ZRange(ctx, s.key("ciperiods"), 0, -1).Result()
			if err != nil {
				return err
			}
			profile, err := tx.Exists(ctx, s.userKey(id)).Result()
			if err != nil {
				return err
			}
			linkCodes, err := s.linkCodeKeysOf(ctx, tx, id)
			if err != nil {
				return err
			}
			// The links from the person's accounts go too: read after WATCH, so that an account
			// linked meanwhile (it rewrites the watched profile) makes this attempt start over.
			accounts := s.accountKeysOf(ctx, id)
			cards, err := s.weComMessageKeysOf(ctx, tx, accounts) // the cards sent them quote what was sent
			if err != nil {
				return err
			}
			out.Profile = profile == 1
			notes := make([]*redis.IntCmd, len(answered))
			answers := make([]*redis.IntCmd, len(answered))
			caseState := make([]*redis.SliceCmd, len(caseIDs))
			appts, err := s.appointmentsOf(ctx, tx, uid)
			if err != nil {
				return err
			}
			if _, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, per := range answered {
					answers[i] = p.Exists(ctx, s.ciKey(id, per))
					notes[i] = p.Exists(ctx, s.ciKey(id, per)+":note")
				}
				for i, cid := range caseIDs {
					caseState[i] = p.HMGet(ctx, s.caseKey(cid), "status", "unit")
				}
				return nil
			}); err != nil {
				return err
			}
			for i := range answered {
				out.Answers += int(answers[i].Val())
				out.Notes += int(notes[i].Val())
			}
			out.Appointments = len(appts)
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				for _, per := range answered {
					p.Del(ctx, s.ciKey(id, per), s.ciKey(id, per)+":note")
				}
				for _, per := range periods {
					p.SRem(ctx, s.eligibleKey(per), uid)
				}
				for i, cid := range caseIDs {
					st := caseState[i].Val()
					status, _ := st[0].(string)
					if status == "" {
						continue // expired or deleted: HSET would resurrect it
					}
					out.Cases++
					if status != string(ganwei.CaseClosed) {
						unit, _ := st[1].(string)
						p.ZRem(ctx, s.key("cases", "active"), cid)
						p.HIncrBy(ctx, s.key("cases", "openbyunit"), unit, -1)
					}
					p.HDel(ctx, s.caseKey(cid), "uid", "unit", "reasons", "assignee")
					p.HSet(ctx, s.caseKey(cid), "status", string(ganwei.CaseClosed), "updated", now.Unix(), "forgotten", 1)
					p.Del(ctx, s.caseKey(cid)+":notes")
					p.RPush(ctx, s.caseKey(cid)+":notes", closing)
				}
				for _, a := range appts {
					p.Del(ctx, s.apptKey(a.id), s.dupKey(id, a.position))
					p.ZRem(ctx, s.key("appts"), a.id)
					for _, step := range a.steps {
						p.ZRem(ctx, s.dueKey(), jobMember(a.id, step))
						p.ZRem(ctx, s.inflightKey(), jobMember(a.id, step))
					}
				}
				p.Del(ctx, append([]string{index, cases, s.key("ciclaim", uid), s.dialogKey(id), s.userKey(id),
					s.linkCodesKey(id), s.key("channel", uid)}, slices.Concat(accounts, linkCodes, cards)...)...)
				p.ZRem(ctx, s.key("users"), id)
				p.SRem(ctx, s.key("cipause", "users"), uid)
				return nil
			})
			return err
		}, index, cases, s.userKey(id), s.key("appts"), s.linkCodesKey(id))
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return nil, wrap("forget user", err)
		}
		return &out, nil
	}
	return nil, ganwei.Errorf(ganwei.ECONFLICT, "数据正在更新，请稍后重试")
}

// personAppointment is what Forget needs to remove one appointment of a person.
type personAppointment struct {
	id, position string
	steps        []string
}

// appointmentsOf finds the person's appointments by reading each appointment's owner: there is
// no per-person index, and a deletion is rare enough for the scan of one zset.
func (s *Store) appointmentsOf(ctx context.Context, tx *redis.Tx, uid string) ([]personAppointment, error) {
	ids, err := tx.ZRange(ctx, s.key("appts"), 0, -1).Result()
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	cmds := make([]*redis.SliceCmd, len(ids))
	if _, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, aid := range ids {
			cmds[i] = p.HMGet(ctx, s.apptKey(aid), "pid", "position", "steps")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var out []personAppointment
	for i, aid := range ids {
		v := cmds[i].Val()
		if pid, _ := v[0].(string); pid != uid {
			continue
		}
		pos, _ := v[1].(string)
		steps, _ := v[2].(string)
		a := personAppointment{id: aid, position: pos}
		if steps != "" {
			a.steps = strings.Split(steps, ",")
		}
		out = append(out, a)
	}
	return out, nil
}

// UsersByID reads the users with the ids in one round trip, skipping ids nobody has (a page
// naming many people — the audit log — looks them up at once rather than one by one).
func (s *Store) UsersByID(ctx context.Context, ids []int64) ([]*ganwei.User, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = strconv.FormatInt(id, 10)
	}
	return s.usersByID(ctx, keys)
}
