package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
)

func updates(ids ...int64) []ganwei.InboxUpdate {
	out := make([]ganwei.InboxUpdate, len(ids))
	for i, id := range ids {
		out[i] = ganwei.InboxUpdate{ID: id, Payload: []byte(`{"update_id":` + string(rune('0'+id)) + `}`)}
	}
	return out
}

// TestInboxAcceptsEachUpdateOnce: an update id is stored once however often it arrives, and
// at its limit the inbox refuses what does not fit (EFULL) rather than growing.
func TestInboxAcceptsEachUpdateOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	n, err := s.AcceptUpdates(ctx, updates(1, 2, 1), 0)
	if err != nil || n != 3 {
		t.Fatalf("Accept(1, 2, 1) = %d, %v; want all 3 taken", n, err)
	}
	if n, err := s.AcceptUpdates(ctx, updates(2), 0); err != nil || n != 1 {
		t.Fatalf("Accept of a redelivered update = %d, %v; want taken", n, err)
	}
	if n, err := s.AcceptUpdates(ctx, updates(3), 2); n != 0 || ganwei.ErrorCode(err) != ganwei.EFULL {
		t.Fatalf("Accept at the limit = %d, %v; want 0 taken, EFULL", n, err)
	}
	// Refused means not marked: the resend is accepted once there is room.
	st, err := s.InboxStats(ctx)
	if err != nil || st.Depth != 2 || st.Oldest.IsZero() {
		t.Fatalf("Stats = %+v, %v; want depth 2 and an oldest time", st, err)
	}
	got, err := s.TakeUpdates(ctx, "a", 10, time.Millisecond)
	if err != nil || len(got) != 2 || got[0].ID != 1 || got[1].ID != 2 || string(got[0].Payload) != `{"update_id":1}` {
		t.Fatalf("Take = %+v, %v; want updates 1 and 2 in order", got, err)
	}
	if err := s.UpdateDone(ctx, got[0].Ref); err != nil {
		t.Fatal(err)
	}
	// Room for one: the first of the batch is stored, the rest refused, in order.
	if n, err := s.AcceptUpdates(ctx, updates(3, 4, 5), 2); n != 1 || ganwei.ErrorCode(err) != ganwei.EFULL {
		t.Fatalf("Accept of 3 with room for 1 = %d, %v; want 1 taken, EFULL", n, err)
	}
	if st, _ := s.InboxStats(ctx); st.Depth != 2 {
		t.Fatalf("depth = %d, want 2 (one taken, one new)", st.Depth)
	}
	if n, _ := s.AcceptUpdates(ctx, updates(4), 0); n != 1 {
		t.Fatalf("update 4, refused before, was not taken once there was room")
	}
}

// TestInboxReclaimsWhatAWorkerLeft: entries a worker released are taken over by another worker's
// next Reclaim at once; entries it still works on are not, until they have been idle long enough.
func TestInboxReclaimsWhatAWorkerLeft(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	if _, err := s.AcceptUpdates(ctx, updates(1, 2, 3), 0); err != nil {
		t.Fatal(err)
	}
	taken, err := s.TakeUpdates(ctx, "a", 3, time.Millisecond)
	if err != nil || len(taken) != 3 {
		t.Fatalf("Take = %d entries, %v", len(taken), err)
	}
	if again, _ := s.TakeUpdates(ctx, "b", 3, time.Millisecond); len(again) != 0 {
		t.Fatalf("a second worker took %d entries already taken", len(again))
	}
	if got, _ := s.ReclaimUpdates(ctx, "b", time.Hour, 10); len(got) != 0 {
		t.Fatalf("Reclaim took %d entries worker a is still on", len(got))
	}
	if err := s.RenewUpdates(ctx, "a", []string{taken[0].Ref}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseUpdates(ctx, "a", []string{taken[1].Ref, taken[2].Ref}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReclaimUpdates(ctx, "b", time.Hour, 10)
	if err != nil || len(got) != 2 || got[0].ID != 2 || got[1].ID != 3 {
		t.Fatalf("Reclaim after release = %+v, %v; want updates 2 and 3", got, err)
	}
	// Everything pending is reclaimable once idle long enough (here: at once).
	got, err = s.ReclaimUpdates(ctx, "b", 0, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("Reclaim(idle 0) = %d entries, %v; want all 3", len(got), err)
	}
	// A renewal by the worker that lost the entry does not take it back.
	if err := s.RenewUpdates(ctx, "a", []string{taken[0].Ref}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseUpdates(ctx, "b", []string{taken[0].Ref}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ReclaimUpdates(ctx, "c", time.Hour, 10); len(got) != 1 || got[0].ID != 1 {
		t.Fatalf("Reclaim = %+v, want update 1 (b released it; a's renewal did not steal it back)", got)
	}
	for _, e := range taken {
		if err := s.UpdateDone(ctx, e.Ref); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := s.InboxStats(ctx); st.Depth != 0 || !st.Oldest.IsZero() {
		t.Fatalf("Stats after all done = %+v, want empty", st)
	}
}

// TestInboxKeepsEachSourceInItsOwnNamespace: a 企业微信 event is deduplicated by its key, apart from
// Telegram's update ids, and comes back out with its source and key.
func TestInboxKeepsEachSourceInItsOwnNamespace(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	tg := ganwei.InboxUpdate{ID: 7, Payload: []byte(`{"update_id":7}`)}
	wc := ganwei.InboxUpdate{Source: ganwei.SourceWeCom, Key: "m:7", Payload: []byte(`{"MsgID":7}`)}
	again := ganwei.InboxUpdate{Source: ganwei.SourceWeCom, Key: "m:7", Payload: []byte(`{"MsgID":7}`)}
	other := ganwei.InboxUpdate{Source: ganwei.SourceWeCom, Key: "7", Payload: []byte(`{"other":1}`)}
	if n, err := s.AcceptUpdates(ctx, []ganwei.InboxUpdate{tg, wc, again, other}, 0); err != nil || n != 4 {
		t.Fatalf("Accept = %d, %v; want all 4 taken", n, err)
	}
	got, err := s.TakeUpdates(ctx, "a", 10, time.Millisecond)
	if err != nil || len(got) != 3 {
		t.Fatalf("Take = %+v, %v; want 3 entries (the resent 企业微信 event once)", got, err)
	}
	if got[0].Source != "" || got[0].ID != 7 || string(got[0].Payload) != `{"update_id":7}` {
		t.Errorf("Telegram entry = %+v", got[0].InboxUpdate)
	}
	if got[1].Source != ganwei.SourceWeCom || got[1].Key != "m:7" || string(got[1].Payload) != `{"MsgID":7}` {
		t.Errorf("企业微信 entry = %+v", got[1].InboxUpdate)
	}
	if got[2].Source != ganwei.SourceWeCom || got[2].Key != "7" {
		t.Errorf("second 企业微信 entry = %+v; a key equal to a Telegram id must not be taken for it", got[2].InboxUpdate)
	}
	// Telegram's mark is unchanged (users.go reads the same key).
	if n, _ := s.AcceptUpdates(ctx, []ganwei.InboxUpdate{tg}, 0); n != 1 {
		t.Fatal("resent Telegram update not taken")
	}
	if st, _ := s.InboxStats(ctx); st.Depth != 3 {
		t.Fatalf("depth = %d, want 3: the resent Telegram update stored again", st.Depth)
	}
}

// TestInboxCountsDeliveries: a new entry is on its first delivery; one taken over after a release
// (its handler timed out, or a stop cut it off) on its second; one returned unstarted keeps its
// count. The dead letters take an entry out of the backlog with its payload and count.
func TestInboxCountsDeliveries(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpenStore(t)
	if _, err := s.AcceptUpdates(ctx, updates(1, 2), 0); err != nil {
		t.Fatal(err)
	}
	got, err := s.TakeUpdates(ctx, "a", 10, time.Millisecond)
	if err != nil || len(got) != 2 || got[0].Deliveries != 1 || got[1].Deliveries != 1 {
		t.Fatalf("Take = %+v, %v; want two entries on their first delivery", got, err)
	}
	if err := s.ReleaseUpdates(ctx, "a", []string{got[0].Ref}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReturnUpdates(ctx, "a", got[1:]); err != nil {
		t.Fatal(err)
	}
	again, err := s.ReclaimUpdates(ctx, "b", time.Minute, 10)
	if err != nil || len(again) != 2 {
		t.Fatalf("Reclaim = %+v, %v; want both", again, err)
	}
	n := map[int64]int{}
	for _, e := range again {
		n[e.ID] = e.Deliveries
	}
	if n[1] != 2 || n[2] != 1 {
		t.Errorf("deliveries after release and return = %v; want 1:2 (released after it ran) and 2:1 (returned unstarted)", n)
	}
	if err := s.DeadLetterUpdates(ctx, []string{again[0].Ref}, "test"); err != nil {
		t.Fatal(err)
	}
	if st, err := s.InboxStats(ctx); err != nil || st.Depth != 1 {
		t.Errorf("depth after dead-lettering one of two = %+v, %v; want 1", st, err)
	}
	dead, err := s.DeadLetters(ctx, 10)
	if err != nil || len(dead) != 1 || dead[0]["why"] != "test" || dead[0]["u"] == "" {
		t.Errorf("dead letters = %v, %v", dead, err)
	}
}
