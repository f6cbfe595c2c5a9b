// Package redisstore keeps Ganwei's state in Redis. It is the only package that imports go-redis
// and it owns every key. All keys live under one configurable prefix:
//
//	{prefix}:user:{personID}          string  JSON ganwei.User (person id: see ganwei.Account)
//	{prefix}:account:{platform}:{id}  string  the person id an account is bound to (users.go)
//	{prefix}:schema                   string  the layout version, set by Migrate (migrate.go)
//	{prefix}:users                    zset    person ids of every user (score = id)
//	{prefix}:invite:{code}            hash    payload (JSON ganwei.Invite), exp (unix s); once redeemed
//	                                          only exp and used_at (no payload, no Telegram id)
//	{prefix}:update:{updateID}        string  "1" while the update counts as handled (24 h)
//
// Feature files add their own keys and document them at the top of the file that owns them.
//
// Writes that must not be half-done run as a Lua script or MULTI/EXEC, never as read-modify-write
// across round trips. The client is a redis.UniversalClient, so a single node, Sentinel or Cluster
// all work; in Cluster mode put the prefix in a hash tag (for example "{ganwei}") so that the
// multi-key scripts address one slot.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// DefaultPrefix is the key prefix when none is configured.
const DefaultPrefix = "ganwei"

// Store implements Ganwei's storage interfaces on Redis.
type Store struct {
	client redis.UniversalClient
	prefix string

	// Now is the clock; tests replace it to move time without sleeping.
	Now func() time.Time

	// CheckInRetention and NoteRetention are how long check-in scores and their free-text lines
	// are kept (zero: DefaultCheckInRetention, DefaultNoteRetention). See checkins.go.
	CheckInRetention, NoteRetention time.Duration
}

// New returns a Store using client with every key under prefix (DefaultPrefix when empty).
func New(client redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{client: client, prefix: prefix, Now: time.Now}
}

// Client returns the underlying client, for wiring that must share it (health checks).
func (s *Store) Client() redis.UniversalClient { return s.client }

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// Close closes the client.
func (s *Store) Close() error { return s.client.Close() }

// Ping reports whether Redis answers; /readyz uses it. It always asks Redis, even while other
// commands fail fast after a recent failure, and a success lets them through again at once.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(probing(ctx)).Err(); err != nil {
		return wrap("ping redis", err)
	}
	return nil
}

// NewClient builds a UniversalClient from a redis:// or rediss:// URL with the default
// ClientOptions. See NewClientWith.
func NewClient(rawURL string) (redis.UniversalClient, error) {
	return NewClientWith(rawURL, ClientOptions{})
}

// NewClientWith builds a UniversalClient from a redis:// or rediss:// URL. A `master_name` query
// parameter selects Sentinel (the URL's hosts are the sentinels); several `addr` parameters select
// Cluster; otherwise it is a single node. Timeouts come from o unless the URL sets them
// (dial_timeout, read_timeout, write_timeout); a command is retried at most once; and while Redis
// is unreachable commands fail at once for o.Cooldown instead of each waiting for its timeout.
func NewClientWith(rawURL string, o ClientOptions) (redis.UniversalClient, error) {
	o = o.withDefaults()
	client, err := newClient(rawURL, o)
	if err != nil {
		return nil, err
	}
	client.AddHook(&breaker{cooldown: o.Cooldown, now: time.Now})
	return client, nil
}

// timeouts applies o to the fields the URL left alone.
func timeouts(q url.Values, o ClientOptions, dial, read, write *time.Duration, retries *int) {
	if !q.Has("dial_timeout") {
		*dial = o.DialTimeout
	}
	if !q.Has("read_timeout") {
		*read = o.Timeout
	}
	if !q.Has("write_timeout") {
		*write = o.Timeout
	}
	if !q.Has("max_retries") {
		*retries = 1 // go-redis's 3 retries with backoff multiply every timeout by four
	}
}

func newClient(rawURL string, o ClientOptions) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse REDIS_URL: %w", errors.New("not a URL"))
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("parse REDIS_URL: scheme must be redis:// or rediss://, got %q", u.Scheme)
	}
	q := u.Query()
	switch {
	case q.Has("master_name"):
		opt, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("parse REDIS_URL (sentinel): %w", redactURLError(err))
		}
		timeouts(q, o, &opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.MaxRetries)
		return redis.NewFailoverClient(opt), nil
	case len(q["addr"]) > 0:
		opt, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("parse REDIS_URL (cluster): %w", redactURLError(err))
		}
		timeouts(q, o, &opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.MaxRetries)
		return redis.NewClusterClient(opt), nil
	}
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse REDIS_URL: %w", redactURLError(err))
	}
	timeouts(q, o, &opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.MaxRetries)
	return redis.NewClient(opt), nil
}

// redactURLError drops any text that could carry a password from a URL parse error.
func redactURLError(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "@"); i >= 0 {
		return errors.New("malformed URL")
	}
	return errors.New(msg)
}

// key joins the prefix and parts with colons.
func (s *Store) key(parts ...string) string {
	return s.prefix + ":" + strings.Join(parts, ":")
}

// wrap maps a go-redis error to a ganwei error code and adds context. redis.Nil is not handled
// here: callers translate it to ENOTFOUND where "missing" is meaningful.
func wrap(action string, err error) error {
	if err == nil {
		return nil
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, redis.ErrClosed) || errors.Is(err, errRedisDown) ||
		errors.Is(err, redis.ErrPoolTimeout) || strings.Contains(err.Error(), "connection refused") {
		return fmt.Errorf("%s: %w: %w", action, &ganwei.Error{Code: ganwei.EUNAVAILABLE, Message: "数据服务暂时不可用"}, err)
	}
	return fmt.Errorf("%s: %w", action, err)
}

// maxTxAttempts bounds the retries of an optimistic transaction under contention.
const maxTxAttempts = 5

// updateJSON changes the JSON record at key in an optimistic transaction (WATCH/MULTI), retrying
// when another writer got there first. change edits the record and may queue further writes that
// must commit with it; it returns an error to abort. A missing key is ENOTFOUND with the message
// missing. It is not a Lua script because Lua's cjson would round large Telegram ids through
// doubles.
func updateJSON[T any](ctx context.Context, s *Store, key, missing string, change func(rec *T, p redis.Pipeliner) error) (*T, error) {
	var rec *T
	for attempt := 0; attempt < maxTxAttempts; attempt++ {
		err := s.client.Watch(ctx, func(tx *redis.Tx) error {
			raw, err := tx.Get(ctx, key).Bytes()
			if errors.Is(err, redis.Nil) {
				return ganwei.Errorf(ganwei.ENOTFOUND, "%s", missing)
			} else if err != nil {
				return err
			}
			rec = new(T)
			if err := json.Unmarshal(raw, rec); err != nil {
				return fmt.Errorf("decode %s: %w", key, err)
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				if err := change(rec, p); err != nil {
					return err
				}
				out, err := json.Marshal(rec)
				if err != nil {
					return fmt.Errorf("encode %s: %w", key, err)
				}
				p.Set(ctx, key, out, redis.KeepTTL)
				return nil
			})
			return err
		}, key)
		switch {
		case errors.Is(err, redis.TxFailedErr):
			continue // someone else wrote the record in between: read it again
		case err == nil:
			return rec, nil
		case ganwei.ErrorCode(err) == ganwei.EINTERNAL:
			return nil, wrap("update "+key, err)
		default:
			return nil, err
		}
	}
	return nil, ganwei.Errorf(ganwei.ECONFLICT, "数据正在被修改，请稍后重试")
}

// randomCode draws n characters from alphabet with crypto/rand: ids for invites, appointments
// and cases that cannot be guessed or enumerated.
func randomCode(alphabet string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}
