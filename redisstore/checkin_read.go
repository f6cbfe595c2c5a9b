package redisstore

// Reading answers back: one answer, a person's history, and every answer of some periods for the export. Keys: see checkins.go.

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// decodeCheckIn builds a CheckIn from an answer hash; nil when the hash is empty (expired).
func decodeCheckIn(uid int64, period string, h map[string]string, note string) *ganwei.CheckIn {
	if len(h) == 0 || h["at"] == "" {
		return nil
	}
	w, _ := strconv.Atoi(h[ganwei.QuestionWellbeing])
	st, _ := strconv.Atoi(h[ganwei.QuestionStress])
	at, _ := strconv.ParseInt(h["at"], 10, 64)
	return &ganwei.CheckIn{
		UserID: uid, Unit: h["unit"], Period: period, Wellbeing: w, Stress: st,
		Support: ganwei.Support(h[ganwei.QuestionSupport]), Benefits: ganwei.Benefits(h[ganwei.QuestionBenefits]), Talk: h[ganwei.QuestionTalk] == "1",
		TalkAnswered: h[ganwei.QuestionTalk] == "0" || h[ganwei.QuestionTalk] == "1", Note: note, SubmittedAt: time.Unix(at, 0),
	}
}

// CheckIn returns the person's answer for the period, or ENOTFOUND.
func (s *Store) CheckIn(ctx context.Context, userID int64, period string) (*ganwei.CheckIn, error) {
	var c *ganwei.CheckIn
	err := s.readCheckIns(ctx, "get check-in", []int64{userID}, []string{period}, func(got *ganwei.CheckIn) error {
		c = got
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, ganwei.Errorf(ganwei.ENOTFOUND, "本期还没有填写")
	}
	return c, nil
}

// readCheckIns reads the answers of every person in every period, person by person, in one round
// trip, and calls fn for each one still stored.
func (s *Store) readCheckIns(ctx context.Context, action string, uids []int64, periods []string, fn func(*ganwei.CheckIn) error) error {
	hs := make([]*redis.MapStringStringCmd, 0, len(uids)*len(periods))
	notes := make([]*redis.StringCmd, 0, len(uids)*len(periods))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, uid := range uids {
			for _, per := range periods {
				k := s.ciKey(uid, per)
				hs = append(hs, p.HGetAll(ctx, k))
				notes = append(notes, p.Get(ctx, k+":note"))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) { // a missing note is redis.Nil
		return wrap(action, err)
	}
	i := 0
	for _, uid := range uids {
		for _, per := range periods {
			if c := decodeCheckIn(uid, per, hs[i].Val(), notes[i].Val()); c != nil {
				if err := fn(c); err != nil {
					return err
				}
			}
			i++
		}
	}
	return nil
}

// CheckIns returns the person's answers, newest first, at most limit (0 = all).
func (s *Store) CheckIns(ctx context.Context, userID int64, limit int) ([]*ganwei.CheckIn, error) {
	stop := int64(-1)
	if limit > 0 {
		stop = int64(limit - 1)
	}
	periods, err := s.client.ZRevRange(ctx, s.ciIndexKey(userID), 0, stop).Result()
	if err != nil {
		return nil, wrap("list check-ins", err)
	}
	var out []*ganwei.CheckIn
	err = s.readCheckIns(ctx, "list check-ins", []int64{userID}, periods, func(c *ganwei.CheckIn) error {
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachCheckIn calls fn for every stored answer in the periods, person by person, reading a batch
// of people per round trip so that memory stays flat however large the year is.
func (s *Store) EachCheckIn(ctx context.Context, periods []string, fn func(*ganwei.CheckIn) error) error {
	const batch = 50 // × 52 periods: 2,600 answers in flight
	var cursor int64
	for {
		ids, err := s.client.ZRangeByScore(ctx, s.key("users"), &redis.ZRangeBy{
			Min: "(" + strconv.FormatInt(cursor, 10), Max: "+inf", Count: batch}).Result()
		if err != nil {
			return wrap("list users for export", err)
		}
		if len(ids) == 0 {
			return nil
		}
		uids := make([]int64, len(ids))
		for i, v := range ids {
			uids[i], _ = strconv.ParseInt(v, 10, 64)
		}
		if err := s.readCheckIns(ctx, "read check-ins for export", uids, periods, fn); err != nil {
			return err
		}
		cursor = uids[len(uids)-1]
	}
}
