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
const SchemaVersion = 2

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
	n, err := s.migrateAccounts(ctx)
	if err != nil {
		return fmt.Errorf("migrate to layout 2 (accounts): %w", err)
	}
	if err := s.client.Set(ctx, s.key("schema"), SchemaVersion, 0).Err(); err != nil {
		return wrap("write schema version", err)
	}
	logger.Info("Redis layout migrated", "from", from, "to", SchemaVersion, "people", n, "ms", time.Since(start).Milliseconds())
	return nil
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
