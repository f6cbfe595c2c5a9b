package console_test

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

// Sizes of the benchmark district: 10,000 cadres in 50 units, 52 weekly periods. The summary
// pages read per-period aggregates (counters), so their cost depends on the periods and units, not
// on how many answers built them; to keep seeding short, 20 cadres per unit answer each week
// (52,000 answers), and 1 in 50 answers opens a follow-up case.
const (
	benchCadres       = 10000
	benchUnits        = 50
	benchWeeks        = 52
	benchAnswersPerUC = 20
)

func seedDistrict(b *testing.B, h *harness) {
	b.Helper()
	for i := range benchCadres {
		u := &ganwei.User{ID: int64(700000 + i), Name: fmt.Sprintf("干部%05d", i), Unit: fmt.Sprintf("单位%02d", i%benchUnits), Role: ganwei.RoleCadre}
		if err := h.store.SaveUser(h.ctx, u); err != nil {
			b.Fatal(err)
		}
	}
	periods := h.cal.Recent(h.clock.Now(), benchWeeks+1)[:benchWeeks]
	jobs := make(chan *ganwei.CheckIn, 256)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				if _, err := h.store.SubmitCheckIn(h.ctx, c); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	n := 0
	for _, p := range periods {
		for unit := range benchUnits {
			for k := range benchAnswersPerUC {
				n++
				id := int64(700000 + unit + k*benchUnits)
				c := &ganwei.CheckIn{UserID: id, Unit: fmt.Sprintf("单位%02d", unit), Period: p.ID, Wellbeing: 1 + n%5, Stress: 1 + (n/5)%5,
					Support: ganwei.Supports[n%3], Benefits: ganwei.BenefitsAll[n%2], TalkAnswered: true, Talk: n%50 == 0, SubmittedAt: p.Start.Add(time.Hour)}
				jobs <- c
			}
		}
	}
	close(jobs)
	wg.Wait()
}

// BenchmarkConsolePages measures the server time of each page for a district of 10,000 cadres
// with a year of weekly check-ins and of audit entries, and reports its p99 (go test -bench Console -run ^$ ./console/).
func BenchmarkConsolePages(b *testing.B) {
	h := newHarness(b)
	seedDistrict(b, h)
	seedAuditLog(b, h)
	admin := h.signIn(testkit.AdminID)
	for _, p := range append(pages, struct{ path, want string }{"/console/audit", "审计"}) {
		b.Run(p.path, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				code, _ := admin.get(p.path)
				took = append(took, time.Since(start))
				if code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, code)
				}
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
