package curation_test

import (
	"context"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// TestOnlyHRReadsTheUnansweredQuestions: people's own words are for HR only, decided in the
// service by the actor's current role.
func TestOnlyHRReadsTheUnansweredQuestions(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"食堂几点开门", "食堂几点开门", "停车位怎么申请"} {
		if err := store.RecordUnanswered(ctx, q, q); err != nil {
			t.Fatal(err)
		}
	}
	queue := &curation.Queue{Questions: store, Users: store}
	as := func(id int64) context.Context { return ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: id}) }
	for _, c := range []context.Context{ctx, as(testkit.GuestID), as(testkit.CadreID)} {
		if _, _, err := queue.Unanswered(c, 10); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
			t.Errorf("unanswered without HR role: %v, want EFORBIDDEN", err)
		}
		if _, err := queue.WorstRated(c, 5); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
			t.Errorf("worst rated without HR role: %v, want EFORBIDDEN", err)
		}
	}
	top, total, err := queue.Unanswered(as(testkit.HRID), 1)
	if err != nil || total != 2 || len(top) != 1 || top[0].Example != "食堂几点开门" || top[0].Count != 2 {
		t.Errorf("HR: top %+v total %d err %v; want the most asked of 2", top, total, err)
	}
}
