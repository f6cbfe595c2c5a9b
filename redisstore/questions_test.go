package redisstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ganwei-bot/ganwei"
)

func TestVotes(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	id, err := s.RecordAsked(ctx, &ganwei.AskedQuestion{Question: "犯错了能容错吗", EntryIDs: []string{"rongcuo", "sange"}, Found: true})
	if err != nil || id == "" {
		t.Fatalf("RecordAsked = %q, %v", id, err)
	}
	steps := []struct {
		vote         string
		wantUp, down int64
	}{
		{ganwei.VoteUp, 1, 0},
		{ganwei.VoteUp, 1, 0}, // pressed twice: counted once
		{ganwei.VoteDown, 0, 1},
	}
	for _, st := range steps {
		q, err := s.Vote(ctx, id, st.vote)
		if err != nil || q.Vote != st.vote {
			t.Fatalf("Vote(%s) = %+v, %v", st.vote, q, err)
		}
		for _, e := range []string{"rongcuo", "sange"} {
			up, down, err := s.FeedbackCounts(ctx, e)
			if err != nil || up != st.wantUp || down != st.down {
				t.Fatalf("after %s: FeedbackCounts(%s) = %d/%d, %v; want %d/%d", st.vote, e, up, down, err, st.wantUp, st.down)
			}
		}
	}
	if _, err := s.Vote(ctx, "nope", ganwei.VoteUp); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("Vote(unknown) = %v, want ENOTFOUND", err)
	}
	if _, err := s.Vote(ctx, id, "sideways"); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("Vote(bad) = %v, want EINVALID", err)
	}
}

func TestUnansweredQueue(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	for _, q := range []struct{ norm, ex string }{
		{"公积金怎么提取", "公积金怎么提取？"},
		{"明天天气", "明天天气怎么样"},
		{"公积金怎么提取", "请问公积金怎么提取"},
	} {
		if err := s.RecordUnanswered(ctx, q.norm, q.ex); err != nil {
			t.Fatal(err)
		}
	}
	top, err := s.TopUnanswered(ctx, 10)
	if err != nil || len(top) != 2 {
		t.Fatalf("TopUnanswered = %v, %v", top, err)
	}
	if top[0].Normalized != "公积金怎么提取" || top[0].Count != 2 || top[0].Example != "请问公积金怎么提取" {
		t.Errorf("top[0] = %+v", top[0])
	}
}

// TestUnansweredQueueIsBounded: the curation queue drops its least-asked questions once it has
// clearly overgrown, and keeps the frequent ones.
func TestUnansweredQueueIsBounded(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	for range 3 {
		if err := s.RecordUnanswered(ctx, "常被问到的问题", "常被问到的问题？"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5500 {
		q := fmt.Sprintf("问题%d", i)
		if err := s.RecordUnanswered(ctx, q, q); err != nil {
			t.Fatal(err)
		}
	}
	top, err := s.TopUnanswered(ctx, 6000)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 5000 || top[0].Normalized != "常被问到的问题" || top[0].Count != 3 {
		t.Fatalf("after overflow: %d questions, top %+v; want 5000 with the frequent one first", len(top), top[0])
	}
}

func TestPickCountsTheWordingForTheEntry(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	id, err := s.RecordAsked(ctx, &ganwei.AskedQuestion{Question: "想去村里锻炼怎么报名", Normalized: "想去村里锻炼报名", Candidates: []string{"K-16", "K-27"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pick(ctx, id, "K-99"); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("Pick(not offered) = %v, want EINVALID", err)
	}
	for range 2 { // a second tap counts once
		q, err := s.Pick(ctx, id, "K-16")
		if err != nil || q.Picked != "K-16" || len(q.EntryIDs) != 1 || q.EntryIDs[0] != "K-16" {
			t.Fatalf("Pick = %+v, %v", q, err)
		}
	}
	// A 👎 on the picked answer is about the picked entry, and it now ranks among the worst.
	if _, err := s.Vote(ctx, id, ganwei.VoteDown); err != nil {
		t.Fatal(err)
	}
	worst, err := s.WorstRated(ctx, 5)
	if err != nil || len(worst) != 1 || worst[0].EntryID != "K-16" || worst[0].Picks != 1 || worst[0].Down != 1 {
		t.Errorf("WorstRated = %+v, %v; want K-16 with 1 pick and 1 down", worst, err)
	}
	if _, err := s.Pick(ctx, "expired", "K-16"); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("Pick(unknown) = %v, want ENOTFOUND", err)
	}
}

func TestWorstRatedWithReasons(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	ask := func(entries ...string) string {
		id, err := s.RecordAsked(ctx, &ganwei.AskedQuestion{Question: "q", EntryIDs: entries, Found: true})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	vote := func(id, v string) {
		if _, err := s.Vote(ctx, id, v); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c, d := ask("K-1"), ask("K-1"), ask("K-2"), ask("K-3")
	vote(a, ganwei.VoteDown)
	vote(b, ganwei.VoteDown)
	vote(c, ganwei.VoteDown)
	vote(d, ganwei.VoteUp)
	if _, err := s.GiveReason(ctx, d, ganwei.ReasonWrong); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("GiveReason after 👍 = %v, want EINVALID", err)
	}
	if _, err := s.GiveReason(ctx, a, "bogus"); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("GiveReason(bogus) = %v, want EINVALID", err)
	}
	if _, err := s.GiveReason(ctx, a, ganwei.ReasonOffTopic); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GiveReason(ctx, b, ganwei.ReasonVague); err != nil {
		t.Fatal(err)
	}
	worst, err := s.WorstRated(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(worst) != 2 || worst[0].EntryID != "K-1" || worst[0].Down != 2 || worst[1].EntryID != "K-2" {
		t.Fatalf("WorstRated = %+v; want K-1 (2 down) then K-2, and not the liked K-3", worst)
	}
	if r := worst[0].Reasons; r[ganwei.ReasonOffTopic] != 1 || r[ganwei.ReasonVague] != 1 {
		t.Errorf("K-1 reasons = %v", r)
	}
	// Changing 👎 to 👍 takes the vote and its reason back.
	vote(a, ganwei.VoteUp)
	worst, _ = s.WorstRated(ctx, 10)
	for _, w := range worst {
		if w.EntryID == "K-1" {
			t.Errorf("K-1 after a vote changed: %+v; want it balanced (1 down, 1 up) and out of the list", w)
		}
	}
}
