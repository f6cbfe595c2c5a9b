package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// Keys of the web console (package console, weblink):
//
//	{prefix}:weblink:{sha256(token)}    string  person id, one-time sign-in link (TTL 5 min)
//	{prefix}:websession:{sha256(id)}    string  JSON ganwei.WebSession (TTL = idle timeout)
//	{prefix}:weblinkrate:{personID}     string  link requests in the current window (TTL = window)

var _ ganwei.WebSessionStore = (*Store)(nil)

// hashed is the stored form of a secret token: a dump of Redis must not sign anyone in.
func hashed(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SaveSignInLink stores a one-time sign-in token as "personID expiresUnixMilli"; Redis drops it
// when it expires (a minute later, so the caller's clock decides the edge).
func (s *Store) SaveSignInLink(ctx context.Context, token string, personID int64, expires time.Time) error {
	v := strconv.FormatInt(personID, 10) + " " + strconv.FormatInt(expires.UnixMilli(), 10)
	ttl := max(expires.Sub(s.Now()), 0) + time.Minute
	return wrap("save sign-in link", s.client.Set(ctx, s.key("weblink", hashed(token)), v, ttl).Err())
}

// TakeSignInLink consumes a sign-in token (GETDEL: two replicas cannot both use it).
func (s *Store) TakeSignInLink(ctx context.Context, token string) (int64, time.Time, error) {
	v, err := s.client.GetDel(ctx, s.key("weblink", hashed(token))).Result()
	if errors.Is(err, redis.Nil) {
		return 0, time.Time{}, ganwei.Errorf(ganwei.ENOTFOUND, "登录链接已使用或已过期")
	}
	if err != nil {
		return 0, time.Time{}, wrap("take sign-in link", err)
	}
	idText, expText, _ := strings.Cut(v, " ")
	id, err1 := strconv.ParseInt(idText, 10, 64)
	exp, err2 := strconv.ParseInt(expText, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, time.Time{}, wrap("take sign-in link", fmt.Errorf("malformed record"))
	}
	return id, time.UnixMilli(exp), nil
}

// SaveWebSession stores or refreshes a console session.
func (s *Store) SaveWebSession(ctx context.Context, ws *ganwei.WebSession, ttl time.Duration) error {
	b, err := json.Marshal(ws)
	if err != nil {
		return wrap("save web session", err)
	}
	return wrap("save web session", s.client.Set(ctx, s.key("websession", hashed(ws.ID)), b, ttl).Err())
}

// RefreshWebSession rewrites a console session with a new TTL only while its key exists (SET XX),
// so that a request that read the session before 退出 cannot bring it back.
func (s *Store) RefreshWebSession(ctx context.Context, ws *ganwei.WebSession, ttl time.Duration) (bool, error) {
	b, err := json.Marshal(ws)
	if err != nil {
		return false, wrap("refresh web session", err)
	}
	err = s.client.SetArgs(ctx, s.key("websession", hashed(ws.ID)), b, redis.SetArgs{Mode: "XX", TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, wrap("refresh web session", err)
	}
	return true, nil
}

// WebSession returns a console session, or ENOTFOUND.
func (s *Store) WebSession(ctx context.Context, id string) (*ganwei.WebSession, error) {
	b, err := s.client.Get(ctx, s.key("websession", hashed(id))).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "登录已失效")
	}
	if err != nil {
		return nil, wrap("load web session", err)
	}
	var ws ganwei.WebSession
	if err := json.Unmarshal(b, &ws); err != nil {
		return nil, wrap("decode web session", err)
	}
	ws.ID = id
	return &ws, nil
}

// DeleteWebSession ends a console session.
func (s *Store) DeleteWebSession(ctx context.Context, id string) error {
	return wrap("delete web session", s.client.Del(ctx, s.key("websession", hashed(id))).Err())
}

// CountSignInRequest counts a link request in a fixed window starting at the first request.
func (s *Store) CountSignInRequest(ctx context.Context, personID int64, window time.Duration) (int64, error) {
	key := s.key("weblinkrate", strconv.FormatInt(personID, 10))
	pipe := s.client.TxPipeline()
	n := pipe.Incr(ctx, key)
	pipe.ExpireNX(ctx, key, window)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, wrap("count sign-in requests", err)
	}
	return n.Val(), nil
}
