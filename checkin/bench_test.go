package checkin_test

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// Year sizes of the benchmarks: 10,000 cadres in 50 units answering every week for 52 weeks.
const (
	yearCadres = 10000
	yearUnits  = 50
	yearWeeks  = 52
)

// yearNow is the moment the benchmarks summarize: just after the 52nd prompt.
var yearNow = time.Date(2026, 11, 20, 17, 0, 0, 0, shanghai)

// seedYear writes a year of answers through SubmitCheckIn (so aggregates are built as in
// production) with a realistic mix: most answers fine, a few needing follow-up.
func seedYear(tb testing.TB, client redis.UniversalClient, prefix string, cadres int) (*redisstore.Store, []ganwei.Period) {
	tb.Helper()
	ctx := context.Background()
	s := redisstore.New(client, prefix)
	cal, _ := checkin.NewCalendar("", shanghai)
	periods := cal.Recent(yearNow, yearWeeks)
	_, err := client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < cadres; i++ {
			u := ganwei.User{ID: int64(800000000 + i), Name: fmt.Sprintf("干部%05d", i), Unit: fmt.Sprintf("单位%02d", i%yearUnits), Role: ganwei.RoleCadre}
			raw := fmt.Sprintf(`{"id":%d,"name":%q,"unit":%q,"role":"cadre"}`, u.ID, u.Name, u.Unit)
			p.Set(ctx, prefix+":user:"+fmt.Sprint(u.ID), raw, 0)
			p.ZAdd(ctx, prefix+":users", redis.Z{Score: float64(u.ID), Member: u.ID})
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	type job struct {
		i int
		p ganwei.Period
	}
	jobs := make(chan job, 1024)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r := rand.New(rand.NewSource(int64(j.i)*1000 + j.p.Start.Unix()))
				c := &ganwei.CheckIn{UserID: int64(800000000 + j.i), Unit: fmt.Sprintf("单位%02d", j.i%yearUnits), Period: j.p.ID,
					Wellbeing: 3 + r.Intn(3), Stress: 1 + r.Intn(4), Support: ganwei.Supports[r.Intn(2)], Benefits: ganwei.BenefitsOK}
				if r.Intn(40) == 0 {
					c.Wellbeing, c.Talk = 2, true
				}
				if _, err := s.SubmitCheckIn(ctx, c); err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	for _, p := range periods {
		for i := 0; i < cadres; i++ {
			jobs <- job{i, p}
		}
	}
	close(jobs)
	wg.Wait()
	return s, periods
}

// BenchmarkYear: 10,000 cadres × 52 weeks. Summary reads precomputed aggregates only; the
// exports stream rows.
func BenchmarkYear(b *testing.B) {
	rd := redistest.New(b)
	start := time.Now()
	s, periods := seedYear(b, rd.Client, rd.Prefix, yearCadres)
	b.Logf("seeded %d answers in %v", yearCadres*yearWeeks, time.Since(start))
	cal, _ := checkin.NewCalendar("", shanghai)
	ctx := context.Background()

	b.Run("summary", func(b *testing.B) {
		rd.RoundTrips.Reset()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			rep, err := checkin.Summarize(ctx, s, cal, yearNow, "", yearWeeks)
			if err != nil || rep.Current.Responses != yearCadres || len(rep.Units) != yearUnits {
				b.Fatalf("summary = %+v, %v", rep.Current, err)
			}
		}
		rd.RoundTrips.Report(b)
	})
	b.Run("chart", func(b *testing.B) {
		rep, _ := checkin.Summarize(ctx, s, cal, yearNow, "", yearWeeks)
		for i := 0; i < b.N; i++ {
			if _, err := checkin.TrendChart(rep); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, tc := range []struct {
		name       string
		format     string
		individual bool
	}{{"export_xlsx_aggregates", "xlsx", false}, {"export_xlsx_individual", "xlsx", true}, {"export_csv_individual", "csv", true}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cw := &countWriter{}
				err := checkin.Export(ctx, cw, checkin.ExportOptions{Format: tc.format, Service: s, Users: s, Periods: periods, Individual: tc.individual})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(cw.n), "bytes")
			}
		})
	}
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
