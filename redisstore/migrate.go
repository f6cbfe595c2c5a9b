package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// SchemaVersion is the key layout this version reads and writes:
//
//	1 (no {prefix}:schema key): people keyed by their Telegram id, no accounts.
//	2: every person names their accounts and {prefix}:account:{account} leads to them.
//	3: person ids are opaque: new people get theirs from {prefix}:person:seq (ganwei.PersonIDBase
//	   and up) whatever account they came with, and an appointment names its leader by person id
//	   (field pid; tg keeps the Telegram id HR typed). People stored before keep their ids.
const SchemaVersion = 3

// migrateLockTTL bounds how long a crashed migrating replica holds the others back.
const migrateLockTTL = 2 * time.Minute

// migratePoll is how often a replica waiting for another's migration looks again.
const migratePoll = 200 * time.Millisecond

// Migrate brings a Redis written by an earlier version to SchemaVersion. Run it at start-up,
// before taking updates. It is idempotent, and runs once across replicas: one takes a lock and
// migrates, the others wait until the version is set (or the lock expires, when they try
// themselves). What it did is logged.
func (s *Store) Migrate(ctx context.Context, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	lock := s.key("migrate", "lock")
	for {
		v, err := s.schemaVersion(ctx)
		if err != nil {
			return err
		}
		if v >= SchemaVersion {
			return s.indexAppointments(ctx, logger)
		}
		token := strconv.FormatInt(time.Now().UnixNano(), 36)
		got, err := s.client.SetNX(ctx, lock, token, migrateLockTTL).Result()
		if err != nil {
			return wrap("take migration lock", err)
		}
		if !got {
			select { // another replica is migrating
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(migratePoll):
			}
			continue
		}
		err = s.migrateFrom(ctx, v, logger)
		if _, uerr := unlockScript.Run(ctx, s.client, []string{lock}, token).Result(); uerr != nil && !errors.Is(uerr, redis.Nil) {
			logger.Warn("release migration lock", "err", uerr)
		}
		if err != nil {
			return err
		}
	}
}

// indexAppointments runs IndexAppointmentsByPerson (nothing to do but one read once done) and
// logs what it rewrote.
func (s *Store) indexAppointments(ctx context.Context, logger *slog.Logger) error {
	n, err := s.IndexAppointmentsByPerson(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		logger.Info("appointments indexed by person", "appointments", n)
	}
	return nil
}

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// schemaVersion is the stored layout version; 1 when none is stored.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	v, err := s.client.Get(ctx, s.key("schema")).Int()
	if errors.Is(err, redis.Nil) {
		return 1, nil
	} else if err != nil {
		return 0, wrap("read schema version", err)
	}
	return v, nil
}

func (s *Store) migrateFrom(ctx context.Context, from int, logger *slog.Logger) error {
	start := time.Now()
	v, err := s.schemaVersion(ctx) // again, under the lock
	if err != nil || v >= SchemaVersion {
		return err
	}
	logger.Info("migrating Redis layout", "from", from, "to", SchemaVersion, "prefix", s.prefix)
	n, err := s.migrateAccounts(ctx) // idempotent: layout 2 only adds to what 1 had
	if err != nil {
		return fmt.Errorf("migrate to layout 2 (accounts): %w", err)
	}
	appts, leaders, err := s.migrateAppointmentLeaders(ctx)
	if err != nil {
		return fmt.Errorf("migrate to layout 3 (appointments by person): %w", err)
	}
	if err := s.client.Set(ctx, s.key("schema"), SchemaVersion, 0).Err(); err != nil {
		return wrap("write schema version", err)
	}
	logger.Info("Redis layout migrated", "from", from, "to", SchemaVersion, "people", n,
		"appointments", appts, "leaders_added", leaders, "ms", time.Since(start).Milliseconds())
	return nil
}

// migrateAppointmentLeaders names each appointment's leader by person id (pid) and scores it by
// that id in {prefix}:appts (see appointmentLeader). Appointments that have a pid keep it, so a
// second run changes nothing. It returns how many it gave a pid and how many leaders it made
// people of.
func (s *Store) migrateAppointmentLeaders(ctx context.Context) (n, added int, err error) {
	ids, err := s.client.ZRange(ctx, s.key("appts"), 0, -1).Result()
	if err != nil {
		return 0, 0, wrap("list appointments", err)
	}
	for _, id := range ids {
		pid, made, err := s.appointmentLeader(ctx, id)
		if err != nil {
			return n, added, err
		}
		if pid <= 0 {
			continue
		}
		if err := s.client.ZAddXX(ctx, s.key("appts"), redis.Z{Score: float64(pid), Member: id}).Err(); err != nil {
			return n, added, wrap("index appointment", err)
		}
		if made >= 0 {
			n++
		}
		if made > 0 {
			added++
		}
	}
	return n, added, nil
}

// appointmentLeader returns the person id of an appointment's leader, giving it one first when it
// has none. Before layout 3 an appointment named its leader by the Telegram id HR typed (tg),
// which was also the person id of someone bound through Telegram (or the chat number of someone
// picked among 企业微信 people): tg is a person's id when such a person exists; otherwise the
// account telegram:<tg> leads to them; otherwise the leader never bound an invite and becomes a
// person with that account and the appointment's name (no role), as registering them does now.
// The duplicate guard moves to the person id. made is -1 when the appointment had a pid already,
// 1 when a person was made for the leader, 0 otherwise; pid is 0 for an appointment gone.
func (s *Store) appointmentLeader(ctx context.Context, id string) (pid int64, made int, err error) {
	v, err := s.client.HMGet(ctx, s.apptKey(id), "pid", "tg", "name", "unit", "position").Result()
	if err != nil {
		return 0, 0, wrap("read appointment", err)
	}
	field := func(i int) string { f, _ := v[i].(string); return f }
	if field(0) != "" {
		pid, _ = strconv.ParseInt(field(0), 10, 64)
		return pid, -1, nil
	}
	if field(1) == "" {
		return 0, 0, nil // gone meanwhile
	}
	tg, err := strconv.ParseInt(field(1), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("appointment %s: leader %q: %w", id, field(1), err)
	}
	pid = tg
	if exists, err := s.client.Exists(ctx, s.userKey(tg)).Result(); err != nil {
		return 0, 0, wrap("read user", err)
	} else if exists == 0 {
		created := false
		pid, created, err = s.PersonForAccount(ctx, ganwei.TelegramAccount(tg),
			&ganwei.User{Name: field(2), Unit: field(3), Position: field(4)})
		if err != nil {
			return 0, 0, fmt.Errorf("appointment %s: leader: %w", id, err)
		}
		if created {
			made = 1
		}
	}
	oldDup, newDup := s.dupKey(tg, field(4)), s.dupKey(pid, field(4))
	_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.apptKey(id), "pid", pid)
		if oldDup != newDup {
			p.Copy(ctx, oldDup, newDup, 0, false)
			p.Del(ctx, oldDup)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, 0, wrap("migrate appointment", err)
	}
	return pid, made, nil
}

// migrateAccounts gives every person their Telegram account (their id was their Telegram id) and
// indexes it. A person who already names accounts keeps them; the index is (re)written either way.
func (s *Store) migrateAccounts(ctx context.Context) (int, error) {
	ids, err := s.client.ZRange(ctx, s.key("users"), 0, -1).Result()
	if err != nil {
		return 0, wrap("list users", err)
	}
	n := 0
	for _, raw := range ids {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return n, fmt.Errorf("user id %q: %w", raw, err)
		}
		_, err = updateJSON(ctx, s, s.userKey(id), "没有找到这位用户", func(u *ganwei.User, p redis.Pipeliner) error {
			if len(u.Accounts) == 0 {
				u.Accounts = []ganwei.Account{ganwei.TelegramAccount(id)}
			}
			for _, a := range u.Accounts {
				p.Set(ctx, s.accountKey(a), id, 0)
			}
			return nil
		})
		if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
			continue // deleted meanwhile
		} else if err != nil {
			return n, fmt.Errorf("migrate user %d: %w", id, err)
		}
		n++
	}
	return n, nil
}
