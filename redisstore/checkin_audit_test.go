package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
)

// TestAuditCoalescesRepeatedSummaryViewsOnly: identical views of aggregate figures within the
// window are one entry with a count and the last time; a view of another unit, a view after the
// window, and every view of one person's case are entries of their own.
func TestAuditCoalescesRepeatedSummaryViewsOnly(t *testing.T) {
	rd := redistest.New(t)
	s := redisstore.New(rd.Client, rd.Prefix)
	now := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	ctx := context.Background()
	write := func(e ganwei.AuditEntry) {
		t.Helper()
		if err := s.Audit(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	// A Telegram id may use 52 bits: the coalesced entry must keep it exact.
	const bigID = 4503599627370495
	view := ganwei.AuditEntry{Actor: bigID, Action: ganwei.AuditViewSummary, Unit: "七都镇", Periods: []string{"2026-W47", "2026-W48"}}
	write(view)
	write(ganwei.AuditEntry{Actor: 9004, Action: ganwei.AuditViewCase, Subject: 9002, Detail: "c1"})
	now = now.Add(time.Minute)
	write(view)
	write(ganwei.AuditEntry{Actor: 9004, Action: ganwei.AuditViewCase, Subject: 9002, Detail: "c1"})
	now = now.Add(time.Minute)
	write(view)
	other := view
	other.Unit = "震泽镇"
	write(other)
	log, err := s.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first: 震泽镇 view, case view, case view, 七都镇 view ×3.
	if len(log) != 4 {
		t.Fatalf("%d entries, want 4: %+v", len(log), log)
	}
	if log[0].Unit != "震泽镇" || log[0].Count > 1 {
		t.Errorf("another unit's view: %+v", log[0])
	}
	if log[1].Action != ganwei.AuditViewCase || log[2].Action != ganwei.AuditViewCase {
		t.Errorf("case views were coalesced: %+v %+v", log[1], log[2])
	}
	v := log[3]
	if v.Action != ganwei.AuditViewSummary || v.Count != 3 || !v.LastAt.Equal(now) || v.At.Equal(now) || len(v.Periods) != 2 || v.Actor != bigID {
		t.Errorf("coalesced view: %+v, want count 3, last at %v, first earlier, periods kept", v, now)
	}
	now = now.Add(ganwei.CoalesceWindow)
	write(view)
	if log, _ = s.AuditLog(ctx, 10); len(log) != 5 || log[0].Unit != "七都镇" || log[0].Count > 1 {
		t.Errorf("a view after the window joined the old entry: %+v", log[0])
	}
}
