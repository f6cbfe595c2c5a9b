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
