package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// Button payloads too long for a front end's limit (Telegram's 64-byte callback data), stored
// so that the button can carry a reference (bot.ActionStore):
//
//	{prefix}:action:{key}   string  the payload, expiring with the button's usefulness

// SaveAction keeps payload under key for ttl.
func (s *Store) SaveAction(ctx context.Context, key, payload string, ttl time.Duration) error {
	return wrap("save button payload", s.client.Set(ctx, s.key("action", key), payload, ttl).Err())
}

// LoadAction returns the payload under key, or ENOTFOUND.
func (s *Store) LoadAction(ctx context.Context, key string) (string, error) {
	p, err := s.client.Get(ctx, s.key("action", key)).Result()
	if errors.Is(err, redis.Nil) {
		return "", ganwei.Errorf(ganwei.ENOTFOUND, "这个按钮已失效")
	}
	return p, wrap("load button payload", err)
}
