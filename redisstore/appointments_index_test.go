package redisstore_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
)

func ids(list []*ganwei.Appointment) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

// TestAppointmentsOfReadsOnlyThePersons: a person's appointments come from the index by person,
// cancelled ones included, newest first, and never anyone else's; the full list keeps its
// newest-first order; a forgotten person's appointments leave the index with them.
func TestAppointmentsOfReadsOnlyThePersons(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	s := redisstore.New(r.Client, r.Prefix+"ganwei")
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	create := func(tg int64, position string, at time.Time) string {
		t.Helper()
		id, created, err := s.CreateAppointment(ctx, &ganwei.Appointment{PersonID: tg, TelegramID: tg, Name: "陈刚", Position: position,
			CreatedAt: at, Steps: []*ganwei.StepState{{ID: "notice", Title: "告知", DueAt: at}}})
		if err != nil || !created {
			t.Fatalf("CreateAppointment = %q, %v, %v", id, created, err)
		}
		return id
	}
	const leader, other = 5000000001, 5000000002
	first := create(leader, "党委书记", t0)
	mid := create(other, "镇长", t0.Add(time.Hour))
	second := create(leader, "党委副书记", t0.Add(2*time.Hour))
	wecomLeader := redisstore.WeComChatBase + 7 // a 企业微信 person's chat id is above 2^52
	wc := create(wecomLeader, "局长", t0.Add(3*time.Hour))
	if err := s.SetAppointmentStatus(ctx, first, ganwei.AppointmentCancelled); err != nil {
		t.Fatal(err)
	}

	got, err := s.AppointmentsOf(ctx, leader)
	if err != nil || !slices.Equal(ids(got), []string{second, first}) || got[1].Status != ganwei.AppointmentCancelled {
		t.Errorf("AppointmentsOf(leader) = %v, %v; want [%s %s] with the first cancelled", ids(got), err, second, first)
	}
	if got, err := s.AppointmentsOf(ctx, other); err != nil || !slices.Equal(ids(got), []string{mid}) {
		t.Errorf("AppointmentsOf(other) = %v, %v; want [%s]", ids(got), err, mid)
	}
	if got, err := s.AppointmentsOf(ctx, wecomLeader); err != nil || !slices.Equal(ids(got), []string{wc}) {
		t.Errorf("AppointmentsOf(企业微信 leader) = %v, %v; want [%s]", ids(got), err, wc)
	}
	if got, err := s.AppointmentsOf(ctx, 5000000003); err != nil || len(got) != 0 {
		t.Errorf("AppointmentsOf(nobody) = %v, %v; want none", ids(got), err)
	}
	all, err := s.Appointments(ctx)
	if err != nil || !slices.Equal(ids(all), []string{wc, second, mid, first}) {
		t.Errorf("Appointments = %v, %v; want newest first", ids(all), err)
	}

	if _, err := s.Forget(ctx, leader); err != nil {
		t.Fatal(err)
	}
	if got, err := s.AppointmentsOf(ctx, leader); err != nil || len(got) != 0 {
		t.Errorf("AppointmentsOf after /forgetme = %v, %v; want none", ids(got), err)
	}
	if n := r.Client.ZCount(ctx, r.Prefix+"ganwei:appts", strconv.FormatInt(leader, 10), strconv.FormatInt(leader, 10)).Val(); n != 0 {
		t.Errorf("the index still holds %d entries of the forgotten person", n)
	}
}

// TestIndexAppointmentsByPersonRewritesTheOldLayout: an entry written by the previous version
// (scored by creation time) is found by person before and after start-up rewrites it, and the
// rewrite is idempotent and puts back nothing that was removed.
func TestIndexAppointmentsByPersonRewritesTheOldLayout(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	prefix := r.Prefix + "ganwei"
	loadFixture(t, r.Client, prefix) // the previous layout: one appointment of 7000000004
	s := redisstore.New(r.Client, prefix)
	old, err := r.Client.ZRangeWithScores(ctx, prefix+":appts", 0, -1).Result()
	if err != nil || len(old) != 1 || old[0].Score < 1e12 {
		t.Fatalf("fixture appts = %+v, %v; want one entry scored by creation time", old, err)
	}
	id := old[0].Member.(string)
	// A stale entry whose appointment is gone is nobody's: it is neither listed nor rescored.
	r.Client.ZAdd(ctx, prefix+":appts", redis.Z{Score: old[0].Score + 1, Member: "zzzzzzzzzz"})

	if got, err := s.AppointmentsOf(ctx, 7000000004); err != nil || !slices.Equal(ids(got), []string{id}) {
		t.Errorf("before indexing: AppointmentsOf = %v, %v; want [%s]", ids(got), err, id)
	}
	if err := s.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if score, err := r.Client.ZScore(ctx, prefix+":appts", id).Result(); err != nil || score != 7000000004 {
		t.Errorf("after start-up the entry is scored %v, %v; want the person's id", score, err)
	}
	if got, err := s.AppointmentsOf(ctx, 7000000004); err != nil || !slices.Equal(ids(got), []string{id}) {
		t.Errorf("after indexing: AppointmentsOf = %v, %v; want [%s]", ids(got), err, id)
	}
	if n, err := s.IndexAppointmentsByPerson(ctx); err != nil || n != 0 {
		t.Errorf("indexing again rewrote %d, %v; want 0", n, err)
	}
	if score := r.Client.ZScore(ctx, prefix+":appts", "zzzzzzzzzz").Val(); score != old[0].Score+1 {
		t.Errorf("the stale entry was rescored to %v; an entry without its appointment is left alone", score)
	}
}

// BenchmarkMineAmong1000: what /help costs to find the asker's own appointment among 1,000
// leaders' — through the index by person (AppointmentsOf), and, for comparison, by listing
// every appointment as /help did before.
func BenchmarkMineAmong1000(b *testing.B) {
	ctx := context.Background()
	r := redistest.New(b)
	s := redisstore.New(r.Client, r.Prefix+"ganwei")
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i := range 1000 {
		a := &ganwei.Appointment{PersonID: int64(5000000001 + i), TelegramID: int64(5000000001 + i), Name: "陈刚", Position: "党委书记", CreatedAt: t0,
			Steps: []*ganwei.StepState{{ID: "notice", Title: "告知", DueAt: t0}, {ID: "power", Title: "权力清单", DueAt: t0}}}
		if _, _, err := s.CreateAppointment(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	const asker = 5000000500
	b.Run("index", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if list, err := s.AppointmentsOf(ctx, asker); err != nil || len(list) != 1 {
				b.Fatal(len(list), err)
			}
		}
	})
	b.Run("index-none", func(b *testing.B) { // most people who ask for /help have none
		b.ReportAllocs()
		for b.Loop() {
			if list, err := s.AppointmentsOf(ctx, 6000000001); err != nil || len(list) != 0 {
				b.Fatal(len(list), err)
			}
		}
	})
	b.Run("list-all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			list, err := s.Appointments(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, a := range list {
				if a.TelegramID == asker {
					n++
				}
			}
			if n != 1 {
				b.Fatal(n)
			}
		}
	})
}
