package redisstore

// Keys:
//
//	{prefix}:dialog:{telegramID}   string  JSON ganwei.Dialog, with the dialog's expiry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

var _ ganwei.DialogStore = (*Store)(nil)

func (s *Store) dialogKey(userID int64) string {
	return s.key("dialog", strconv.FormatInt(userID, 10))
}

// Dialog returns the open dialog of the user, or ENOTFOUND.
func (s *Store) Dialog(ctx context.Context, userID int64) (*ganwei.Dialog, error) {
	raw, err := s.client.Get(ctx, s.dialogKey(userID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "没有进行中的对话")
	} else if err != nil {
		return nil, wrap("get dialog", err)
	}
	var d ganwei.Dialog
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode dialog: %w", err)
	}
	return &d, nil
}

// SaveDialog stores d as the user's open dialog for ttl.
func (s *Store) SaveDialog(ctx context.Context, userID int64, d *ganwei.Dialog, ttl time.Duration) error {
	d.UpdatedAt = s.Now()
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode dialog: %w", err)
	}
	return wrap("save dialog", s.client.Set(ctx, s.dialogKey(userID), raw, ttl).Err())
}

// ClearDialog ends the user's open dialog; ending none is not an error.
func (s *Store) ClearDialog(ctx context.Context, userID int64) error {
	return wrap("clear dialog", s.client.Del(ctx, s.dialogKey(userID)).Err())
}
