package console_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
)

// benchAuditEntries is a year of the district's audit log as the 审计 page meets it: 20 HR officers
// opening cases (each naming another cadre), listing cases, exporting, and viewing summaries.
const benchAuditEntries = 5000

// seedAuditLog writes the entries straight to the store, oldest first, a couple of hours apart,
// so that every one is its own entry (no two views fall in one coalescing window).
func seedAuditLog(b *testing.B, h *harness) {
	b.Helper()
	at := h.clock.Now().Add(-benchAuditEntries * 2 * time.Hour)
	for i := range benchAuditEntries {
		hr := int64(700000 + (i*7)%20) // the district's HR officers are among its people
		e := &ganwei.AuditEntry{At: at.Add(time.Duration(i) * 2 * time.Hour), Actor: hr}
		switch i % 4 {
		case 0, 1:
			e.Action, e.Subject, e.Detail = ganwei.AuditViewCase, int64(700000+(i*37)%benchCadres), fmt.Sprintf("c%d", i)
			e.Periods = []string{"2026-W40"}
		case 2:
			e.Action, e.Detail = ganwei.AuditListCases, "12"
		default:
			e.Action, e.Unit, e.Periods = ganwei.AuditViewSummary, fmt.Sprintf("单位%02d", i%benchUnits), []string{"2026-W40", "2026-W41"}
		}
		if err := h.store.Audit(h.ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
