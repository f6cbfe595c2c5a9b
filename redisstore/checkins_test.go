package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
)

func newCheckInStore(tb testing.TB) (*redisstore.Store, *redistest.Redis) {
	tb.Helper()
	rd := redistest.New(tb)
	s := redisstore.New(rd.Client, rd.Prefix)
	now := time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	return s, rd
}

func answer(uid int64, unit string, w, st int) *ganwei.CheckIn {
	return &ganwei.CheckIn{UserID: uid, Unit: unit, Period: "2026-W47", Wellbeing: w, Stress: st,
		Support: ganwei.SupportEnough, Benefits: ganwei.BenefitsOK}
}

func TestSubmitReplacesWithinPeriod(t *testing.T) {
	ctx := context.Background()
	s, _ := newCheckInStore(t)
	if res, err := s.SubmitCheckIn(ctx, answer(1, "甲", 4, 2)); err != nil || res.Updated {
		t.Fatalf("first submit = %+v, %v", res, err)
	}
	// The second answer moves the person to another unit and changes the scores.
	second := answer(1, "乙", 2, 5)
	second.Support = ganwei.SupportLacking
	res, err := s.SubmitCheckIn(ctx, second)
	if err != nil || !res.Updated {
		t.Fatalf("second submit = %+v, %v; want Updated", res, err)
	}
	for _, tc := range []struct {
		unit                string
		n, wSum, sSum, lack int
	}{{"", 1, 2, 5, 1}, {"甲", 0, 0, 0, 0}, {"乙", 1, 2, 5, 1}} {
		a, err := s.Aggregates(ctx, []string{"2026-W47"}, tc.unit)
		if err != nil {
			t.Fatal(err)
		}
		got := a[0]
		if got.Responses != tc.n || got.WellbeingSum != tc.wSum || got.StressSum != tc.sSum || got.Support[ganwei.SupportLacking] != tc.lack || got.WellbeingDist[3] != 0 {
			t.Errorf("unit %q aggregate = %+v, want n=%d wsum=%d ssum=%d lacking=%d", tc.unit, got, tc.n, tc.wSum, tc.sSum, tc.lack)
		}
	}
}

func TestSubmitInvalid(t *testing.T) {
	s, _ := newCheckInStore(t)
	for _, c := range []*ganwei.CheckIn{answer(1, "", -1, 3), answer(1, "", 3, 6), {UserID: 1, Period: "x", Wellbeing: 3, Stress: 3, Support: "much", Benefits: ganwei.BenefitsOK}} {
		if _, err := s.SubmitCheckIn(context.Background(), c); ganwei.ErrorCode(err) != ganwei.EINVALID {
			t.Errorf("submit %+v: err = %v, want EINVALID", c, err)
		}
	}
}

func TestFollowUpCaseLifecycle(t *testing.T) {
	ctx := context.Background()
	s, _ := newCheckInStore(t)
	c := answer(9007199254740993, "甲", 2, 5) // a Telegram id beyond 2^53 survives (no cjson)
	c.Talk = true
	res, err := s.SubmitCheckIn(ctx, c)
	if err != nil || res.CaseID == "" || !res.NewCase {
		t.Fatalf("submit = %+v, %v; want a new case", res, err)
	}
	// Answering again in the period joins the same case instead of opening another.
	res2, err := s.SubmitCheckIn(ctx, c)
	if err != nil || res2.CaseID != res.CaseID || res2.NewCase {
		t.Fatalf("resubmit = %+v, %v; want the same case %s", res2, err, res.CaseID)
	}
	got, err := s.Case(ctx, res.CaseID)
	if err != nil || got.UserID != c.UserID || got.Status != ganwei.CaseOpen || len(got.Reasons) != 3 {
		t.Fatalf("case = %+v, %v", got, err)
	}
	for _, st := range []ganwei.CaseStatus{ganwei.CaseAssigned, ganwei.CaseContacted} {
		if _, err := s.UpdateCase(ctx, res.CaseID, st, 42, "谈过了"); err != nil {
			t.Fatalf("update to %s: %v", st, err)
		}
	}
	if _, err := s.UpdateCase(ctx, res.CaseID, ganwei.CaseOpen, 42, ""); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("backwards move: err = %v, want EINVALID", err)
	}
	closed, err := s.UpdateCase(ctx, res.CaseID, ganwei.CaseClosed, 42, "已协调解决")
	if err != nil || closed.Status != ganwei.CaseClosed || closed.Assignee != 42 || len(closed.Notes) != 4 {
		t.Fatalf("closed = %+v, %v", closed, err)
	}
	if active, _ := s.Cases(ctx, true); len(active) != 0 {
		t.Errorf("active cases after closing = %d, want 0", len(active))
	}
	// After the case is closed, a new answer that needs follow-up opens a fresh one.
	res3, err := s.SubmitCheckIn(ctx, c)
	if err != nil || !res3.NewCase || res3.CaseID == res.CaseID {
		t.Errorf("submit after close = %+v, %v; want a new case", res3, err)
	}
}

func TestNoteExpiresBeforeScores(t *testing.T) {
	ctx := context.Background()
	s, rd := newCheckInStore(t)
	s.CheckInRetention, s.NoteRetention = 400*24*time.Hour, 30*24*time.Hour
	c := answer(5, "甲", 3, 3)
	c.Note = "想多陪陪家人"
	if _, err := s.SubmitCheckIn(ctx, c); err != nil {
		t.Fatal(err)
	}
	scoreTTL := rd.Client.TTL(ctx, rd.Prefix+":ci:5:2026-W47").Val()
	noteTTL := rd.Client.TTL(ctx, rd.Prefix+":ci:5:2026-W47:note").Val()
	if scoreTTL < 399*24*time.Hour || noteTTL > 30*24*time.Hour || noteTTL < 29*24*time.Hour {
		t.Errorf("TTL scores %v, note %v; want about 400 and 30 days", scoreTTL, noteTTL)
	}
	got, err := s.CheckIn(ctx, 5, "2026-W47")
	if err != nil || got.Note != c.Note {
		t.Errorf("CheckIn = %+v, %v", got, err)
	}
}

func TestClaimPromptOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := newCheckInStore(t)
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ { // eight replicas race for the same person and period
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ClaimPrompt(ctx, 77, "2026-W47", "prompt")
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("claims won = %d, want 1", wins)
	}
	if ok, _ := s.ClaimPrompt(ctx, 77, "2026-W47", "reminder"); !ok {
		t.Errorf("reminder claim lost, want a separate claim from the prompt")
	}
}

// Test1000ConcurrentSubmissions: 1,000 cadres in 10 units answer at once, 200 of them twice.
func Test1000ConcurrentSubmissions(t *testing.T) {
	ctx := context.Background()
	s, _ := newCheckInStore(t)
	const n = 1000
	jobs := make(chan *ganwei.CheckIn)
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				if _, err := s.SubmitCheckIn(ctx, c); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wantW, wantS, wantCases := 0, 0, 0
	unitN := map[string]int{}
	for i := 0; i < n; i++ {
		unit := fmt.Sprintf("单位%d", i%10)
		c := answer(int64(100000+i), unit, 1+i%5, 1+(i/5)%5)
		c.Talk = i%50 == 0
		wantW += c.Wellbeing
		wantS += c.Stress
		unitN[unit]++
		if len(c.FollowUpReasons()) > 0 {
			wantCases++
		}
		dup := *c
		jobs <- c
		if i%5 == 0 { // a duplicate submission of the same answer must not count twice
			jobs <- &dup
		}
	}
	close(jobs)
	wg.Wait()
	all, err := s.Aggregates(ctx, []string{"2026-W47"}, "")
	if err != nil {
		t.Fatal(err)
	}
	a := all[0]
	dist := 0
	for _, v := range a.WellbeingDist {
		dist += v
	}
	if a.Responses != n || a.WellbeingSum != wantW || a.StressSum != wantS || dist != n || a.Talk != n/50 {
		t.Errorf("aggregate = n %d wsum %d ssum %d dist %d talk %d; want %d %d %d %d %d", a.Responses, a.WellbeingSum, a.StressSum, dist, a.Talk, n, wantW, wantS, n, n/50)
	}
	for unit, want := range unitN {
		u, _ := s.Aggregates(ctx, []string{"2026-W47"}, unit)
		if u[0].Responses != want {
			t.Errorf("unit %s responses = %d, want %d", unit, u[0].Responses, want)
		}
	}
	if cs, _ := s.Cases(ctx, true); len(cs) != wantCases { // one per person, duplicates join it
		t.Errorf("open cases = %d, want %d", len(cs), wantCases)
	}
}

// BenchmarkSubmitCheckIn: one answer with its aggregates (a replacement after the first round).
func BenchmarkSubmitCheckIn(b *testing.B) {
	ctx := context.Background()
	s, rd := newCheckInStore(b)
	rd.RoundTrips.Reset()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c := answer(int64(1000+i%5000), fmt.Sprintf("单位%d", i%50), 1+i%5, 1+i%5)
		if _, err := s.SubmitCheckIn(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	rd.RoundTrips.Report(b)
}

// A partial answer counts in the responses and in the questions it answered only; completing
// it later replaces it without counting twice.
func TestPartialAnswersCountPerQuestion(t *testing.T) {
	ctx := context.Background()
	s, _ := newCheckInStore(t)
	partial := &ganwei.CheckIn{UserID: 1, Unit: "甲", Period: "2026-W47", Wellbeing: 4}
	if _, err := s.SubmitCheckIn(ctx, partial); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Aggregates(ctx, []string{"2026-W47"}, "甲")
	if got := a[0].Sizes(); a[0].Responses != 1 || got != [6]int{1, 1, 0, 0, 0, 0} || a[0].Eligible != 1 {
		t.Errorf("after one question: responses %d, sizes %v, eligible %d", a[0].Responses, got, a[0].Eligible)
	}
	full := answer(1, "甲", 4, 3)
	full.TalkAnswered = true
	if _, err := s.SubmitCheckIn(ctx, full); err != nil {
		t.Fatal(err)
	}
	a, _ = s.Aggregates(ctx, []string{"2026-W47"}, "")
	if got := a[0].Sizes(); a[0].Responses != 1 || got != [6]int{1, 1, 1, 1, 1, 1} || a[0].WellbeingSum != 4 || a[0].Eligible != 1 {
		t.Errorf("after completing: %+v sizes %v", a[0], got)
	}
	c, err := s.CheckIn(ctx, 1, "2026-W47")
	if err != nil || !c.Complete() {
		t.Errorf("stored %+v, %v; want complete", c, err)
	}
	// Withdrawing takes it out again.
	if err := s.WithdrawCheckIn(ctx, 1, "2026-W47"); err != nil {
		t.Fatal(err)
	}
	a, _ = s.Aggregates(ctx, []string{"2026-W47"}, "甲")
	if got := a[0].Sizes(); got != [6]int{} || a[0].WellbeingSum != 0 {
		t.Errorf("after withdrawing: %+v", a[0])
	}
}

// Eligibility counts each person once per period, whether prompted, answering, or both, so
// participation never exceeds 100%.
func TestEligibleCountsEachPersonOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := newCheckInStore(t)
	asked := []*ganwei.User{{ID: 1, Unit: "甲"}, {ID: 2, Unit: "甲"}, {ID: 3, Unit: "乙"}}
	for i := 0; i < 2; i++ { // two replicas run the round
		if err := s.MarkEligible(ctx, "2026-W47", asked); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*ganwei.CheckIn{answer(1, "甲", 3, 3), answer(9, "甲", 3, 3)} { // 9 was not prompted (HR)
		if _, err := s.SubmitCheckIn(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for unit, want := range map[string]int{"": 4, "甲": 3, "乙": 1} {
		a, _ := s.Aggregates(ctx, []string{"2026-W47"}, unit)
		if a[0].Eligible != want || a[0].Participation() > 1 {
			t.Errorf("unit %q: eligible %d, want %d", unit, a[0].Eligible, want)
		}
	}
	// All groups in one read, group by group, period by period.
	g, err := s.GroupAggregates(ctx, []string{"2026-W46", "2026-W47"}, []string{"", "甲", "乙"})
	if err != nil || len(g) != 3 || g[1][1].Unit != "甲" || g[1][1].Eligible != 3 || g[2][1].Eligible != 1 || g[0][0].Period != "2026-W46" || g[0][1].Responses != 2 {
		t.Errorf("GroupAggregates = %+v, %v", g, err)
	}
}

// A changed answer that no longer asks for follow-up closes the case it opened, when HR has not
// taken it up yet.
func TestChangedAnswerRetractsUntouchedCase(t *testing.T) {
	ctx := context.Background()
	s, _ := newCheckInStore(t)
	res, err := s.SubmitCheckIn(ctx, &ganwei.CheckIn{UserID: 1, Unit: "甲", Period: "2026-W47", Wellbeing: 2})
	if err != nil || res.CaseID == "" {
		t.Fatalf("wellbeing 2: %+v, %v; want a case at once", res, err)
	}
	if _, err := s.SubmitCheckIn(ctx, &ganwei.CheckIn{UserID: 1, Unit: "甲", Period: "2026-W47", Wellbeing: 4}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Case(ctx, res.CaseID)
	if total, _, _ := s.OpenCases(ctx); c.Status != ganwei.CaseClosed || total != 0 {
		t.Errorf("case after the answer changed: %+v, %d open", c, total)
	}
}

func TestReopenedCaseCountsAsOpenAgain(t *testing.T) {
	ctx := context.Background()
	s, _ := newCheckInStore(t)
	c := answer(77, "甲", 2, 5)
	c.Talk = true
	res, err := s.SubmitCheckIn(ctx, c)
	if err != nil || res.CaseID == "" {
		t.Fatalf("submit = %+v, %v", res, err)
	}
	if _, err := s.ReopenCase(ctx, res.CaseID, 42, "x"); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("reopening an open case: err = %v, want EINVALID", err)
	}
	if _, err := s.UpdateCase(ctx, res.CaseID, ganwei.CaseClosed, 42, "已协调解决"); err != nil {
		t.Fatal(err)
	}
	if n, per, _ := s.OpenCases(ctx); n != 0 || per["甲"] != 0 {
		t.Fatalf("after close: %d open, 甲 %d", n, per["甲"])
	}
	got, err := s.ReopenCase(ctx, res.CaseID, 42, "由李娟重新打开")
	if err != nil || got.Status != ganwei.CaseOpen || got.Notes[len(got.Notes)-1].Text != "由李娟重新打开" {
		t.Fatalf("reopen = %+v, %v", got, err)
	}
	if n, per, _ := s.OpenCases(ctx); n != 1 || per["甲"] != 1 {
		t.Errorf("after reopen: %d open, 甲 %d; want 1 and 1", n, per["甲"])
	}
	if active, _ := s.Cases(ctx, true); len(active) != 1 || active[0].ID != res.CaseID {
		t.Errorf("active after reopen = %v", active)
	}
	if _, err := s.ReopenCase(ctx, "nosuchcase", 42, ""); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("reopening a missing case: err = %v, want ENOTFOUND", err)
	}
}

// TestCaseNoteLimit: a case note may be ganwei.MaxCaseNoteLen characters long; one more is
// refused on both paths that take a note, with the limit named.
func TestCaseNoteLimit(t *testing.T) {
	ctx := context.Background()
	s, _ := newCheckInStore(t)
	c := answer(9001, "甲", 2, 5)
	c.Talk = true
	res, err := s.SubmitCheckIn(ctx, c)
	if err != nil || res.CaseID == "" {
		t.Fatalf("submit = %+v, %v; want a case", res, err)
	}
	long := strings.Repeat("谈", ganwei.MaxCaseNoteLen+1)
	want := strconv.Itoa(ganwei.MaxCaseNoteLen) + " 个字"
	if _, err := s.UpdateCase(ctx, res.CaseID, ganwei.CaseAssigned, 42, long); ganwei.ErrorCode(err) != ganwei.EINVALID || !strings.Contains(ganwei.ErrorMessage(err), want) {
		t.Errorf("update with a long note: %v; want EINVALID naming %q", err, want)
	}
	if _, err := s.ReopenCase(ctx, res.CaseID, 42, long); ganwei.ErrorCode(err) != ganwei.EINVALID || !strings.Contains(ganwei.ErrorMessage(err), want) {
		t.Errorf("reopen with a long note: %v; want EINVALID naming %q", err, want)
	}
	if _, err := s.UpdateCase(ctx, res.CaseID, ganwei.CaseAssigned, 42, long[:len(long)-len("谈")]); err != nil {
		t.Errorf("update with a note at the limit: %v", err)
	}
}
