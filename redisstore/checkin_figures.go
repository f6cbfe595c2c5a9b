package redisstore

// Check-in aggregates: the counts behind summaries, eligibility and blocked prompts. Keys: see checkins.go.

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
)

// Aggregates returns the aggregates of the periods for one unit in one round trip.
func (s *Store) Aggregates(ctx context.Context, periods []string, unit string) ([]*ganwei.Aggregate, error) {
	return s.readAggregates(ctx, "read aggregates", periods, []string{unit})
}

// GroupAggregates returns every group's aggregates over the periods in one round trip.
func (s *Store) GroupAggregates(ctx context.Context, periods, groups []string) ([][]*ganwei.Aggregate, error) {
	flat, err := s.readAggregates(ctx, "read group aggregates", periods, groups)
	if err != nil {
		return nil, err
	}
	out := make([][]*ganwei.Aggregate, len(groups))
	for g := range groups {
		out[g] = make([]*ganwei.Aggregate, len(periods))
		for i := range periods {
			out[g][i] = flat[i*len(groups)+g] // readAggregates goes period by period
		}
	}
	return out, nil
}

// UnitAggregates returns one period's aggregate for each unit in one round trip.
func (s *Store) UnitAggregates(ctx context.Context, period string, units []string) ([]*ganwei.Aggregate, error) {
	return s.readAggregates(ctx, "read unit aggregates", []string{period}, units)
}

// readAggregates reads the aggregate of every unit in every period, period by period, in one round
// trip.
func (s *Store) readAggregates(ctx context.Context, action string, periods, units []string) ([]*ganwei.Aggregate, error) {
	cmds := make([]*redis.MapStringStringCmd, 0, len(periods)*len(units))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, per := range periods {
			for _, u := range units {
				cmds = append(cmds, p.HGetAll(ctx, s.aggKey(per, u)))
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap(action, err)
	}
	out := make([]*ganwei.Aggregate, 0, len(cmds))
	for _, per := range periods {
		for _, u := range units {
			out = append(out, decodeAggregate(per, u, cmds[len(out)].Val()))
		}
	}
	return out, nil
}

func decodeAggregate(period, unit string, h map[string]string) *ganwei.Aggregate {
	n := func(f string) int { v, _ := strconv.Atoi(h[f]); return v }
	a := &ganwei.Aggregate{
		Period: period, Unit: unit, Eligible: n("eligible"), Responses: n("n"), Blocked: n("blocked"),
		WellbeingSum: n("w_sum"), StressSum: n("s_sum"), Talk: n("talk"), TalkAnswered: n("talk_n"),
		Support: map[ganwei.Support]int{}, Benefits: map[ganwei.Benefits]int{},
	}
	for i := 0; i < 5; i++ {
		a.WellbeingDist[i] = n("w" + strconv.Itoa(i+1))
		a.StressDist[i] = n("s" + strconv.Itoa(i+1))
	}
	for _, v := range ganwei.Supports {
		a.Support[v] = n("sup_" + string(v))
	}
	for _, v := range ganwei.BenefitsAll {
		a.Benefits[v] = n("ben_" + string(v))
	}
	return a
}

// CheckInUnits lists every unit that answered or was asked, sorted.
func (s *Store) CheckInUnits(ctx context.Context) ([]string, error) {
	units, err := s.client.SMembers(ctx, s.key("ciunits")).Result()
	if err != nil {
		return nil, wrap("list units", err)
	}
	sort.Strings(units)
	return units, nil
}

// markEligibleScript counts people as eligible for a period once each. KEYS: eligible set, agg
// all, units, periods. ARGV: unit agg key prefix, set ttl s, now, period, then (uid, unit) pairs.
var markEligibleScript = redis.NewScript(`
for i = 5, #ARGV, 2 do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[2], 'eligible', 1)
    if ARGV[i + 1] ~= '' then
      redis.call('HINCRBY', ARGV[1] .. ARGV[i + 1], 'eligible', 1)
      redis.call('SADD', KEYS[3], ARGV[i + 1])
    end
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[4], 'NX', ARGV[3], ARGV[4])
return 1
`)

// MarkEligible counts the people as eligible for the period, each once: the prompt round calls
// it with everyone it asks (every replica may), and an answer counts its author in the submit
// script, so that participation never exceeds 100% when HR or an admin answers too.
func (s *Store) MarkEligible(ctx context.Context, period string, users []*ganwei.User) error {
	if len(users) == 0 {
		return nil
	}
	scores, _ := s.retention()
	args := []any{s.key("ciagg", period, "unit") + ":", int64(scores / time.Second), s.Now().Unix(), period}
	for _, u := range users {
		args = append(args, strconv.FormatInt(u.ID, 10), u.Unit)
	}
	err := markEligibleScript.Run(ctx, s.client,
		[]string{s.eligibleKey(period), s.aggKey(period, ""), s.key("ciunits"), s.key("ciperiods")}, args...).Err()
	return wrap("mark eligible", err)
}

// MarkBlocked counts a prompt Telegram refused, overall and in the unit.
func (s *Store) MarkBlocked(ctx context.Context, period, unit string) error {
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, s.aggKey(period, ""), "blocked", 1)
		if unit != "" {
			p.HIncrBy(ctx, s.aggKey(period, unit), "blocked", 1)
		}
		return nil
	})
	return wrap("mark blocked", err)
}
