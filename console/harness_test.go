package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/console"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/knowledge/sequence"
	"github.com/ganwei-bot/ganwei/people"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/weblink"
	"github.com/ganwei-bot/ganwei/workdays"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// harness is the console on a real Redis with the seeded people and an injected clock.
type harness struct {
	t      testing.TB
	ctx    context.Context
	store  *redisstore.Store
	clock  *testkit.Clock
	cal    *checkin.Calendar
	links  *weblink.Service
	srv    *httptest.Server
	staff  *checkin.Staff
	front  *testkit.Front
	office *reminders.Office
	editor *curation.Editor
}

// start is a Friday afternoon: the check-in period of that week is running.
var start = testkit.At("2026-11-25 10:00")

func newHarness(t testing.TB) *harness { return newHarnessWith(t, nil) }

// newHarnessWith lets a test adjust the server before it starts.
func newHarnessWith(t testing.TB, adjust func(*console.Server)) *harness {
	t.Helper()
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	clock := testkit.NewClock(start)
	store.Now = clock.Now
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	cal, err := checkin.NewCalendar(checkin.DefaultSchedule, testkit.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: ctx, store: store, clock: clock, cal: cal, front: &testkit.Front{}}
	lib, err := knowledge.Open("")
	if err != nil {
		t.Fatal(err)
	}
	h.links = &weblink.Service{Users: store, Store: store, Now: clock.Now}
	h.staff = &checkin.Staff{Users: store, CheckIns: store, Periods: cal, Now: clock.Now, Location: testkit.Shanghai}
	rem := &reminders.Service{Queue: store, Users: store, Messenger: h.front, Sequence: sequence.Fixed(sequence.Default()),
		Calendar: workdays.New(testkit.Shanghai), Now: clock.Now, Instance: "test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h.office = &reminders.Office{Reminders: rem, Users: store, Audit: store}
	h.editor = &curation.Editor{Versions: store, Users: store, Audit: store, Library: lib, Now: clock.Now}
	srv := &console.Server{
		Links: h.links, Staff: h.staff,
		Office:     h.office,
		Curation:   &curation.Queue{Questions: store, Users: store, Audit: store, Now: clock.Now},
		Editor:     h.editor,
		People:     &people.Service{Users: store, Now: clock.Now, Audit: store},
		Answerer:   &knowledge.Answerer{Library: lib},
		InviteLink: func(code string) string { return "https://t.me/ganwei_test_bot?start=" + code },
		Names:      store, Periods: cal, Location: testkit.Shanghai, Now: clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if adjust != nil {
		adjust(srv)
	}
	handler, err := srv.Handler()
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewServer(handler)
	t.Cleanup(h.srv.Close)
	h.links.PublicURL = h.srv.URL
	return h
}

// as is a context with the person as the actor, for seeding through the services.
func (h *harness) as(id int64) context.Context {
	return ganwei.NewContextWithActor(h.ctx, ganwei.Actor{ID: id})
}

// browser is one person's browser: a cookie jar, no automatic redirects.
type browser struct {
	h      *harness
	client *http.Client
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signIn opens a fresh link for the person and presses 进入工作台.
func (h *harness) signIn(id int64) *browser {
	h.t.Helper()
	link, err := h.links.IssueFor(h.ctx, id)
	if err != nil {
		h.t.Fatalf("issue link for %d: %v", id, err)
	}
	b := h.browser()
	if code, _ := b.get(strings.TrimPrefix(link, h.srv.URL)); code != http.StatusOK {
		h.t.Fatalf("open link: %d", code)
	}
	resp, err := b.client.PostForm(link, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("use link: %d, want 303", resp.StatusCode)
	}
	return b
}

type response struct {
	Code   int
	Body   string
	Header http.Header
}

func (b *browser) do(req *http.Request) response {
	b.h.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(body), resp.Header}
}

func (b *browser) get(path string) (int, string) {
	req, _ := http.NewRequest(http.MethodGet, b.h.srv.URL+path, nil)
	r := b.do(req)
	return r.Code, r.Body
}

// post submits a form; csrf "" sends none.
func (b *browser) post(path, csrf string, form url.Values) response {
	if form == nil {
		form = url.Values{}
	}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the form token of the browser's session, read from a page as a browser would.
func (b *browser) csrf() string {
	b.h.t.Helper()
	_, body := b.get("/console/")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		b.h.t.Fatalf("no csrf field on the overview")
	}
	return m[1]
}

// seedCheckIns stores answers for the period before the running one: units of 3, 3 and 1
// people (the last hidden), and one cadre asking for a talk (a case).
func (h *harness) seedCheckIns() (caseID string) {
	h.t.Helper()
	prev := h.cal.Recent(h.clock.Now(), 2)[0]
	id := int64(50000)
	for unit, n := range map[string]int{"松陵街道": 3, "震泽镇": 3, "七都镇": 1} {
		for range n {
			id++
			if err := h.store.SaveUser(h.ctx, &ganwei.User{ID: id, Name: "干部" + unit, Unit: unit, Role: ganwei.RoleCadre}); err != nil {
				h.t.Fatal(err)
			}
			c := &ganwei.CheckIn{UserID: id, Unit: unit, Period: prev.ID, Wellbeing: 4, Stress: 3,
				Support: ganwei.Supports[0], Benefits: ganwei.BenefitsAll[0], TalkAnswered: true, SubmittedAt: prev.Start.Add(time.Hour)}
			if _, err := h.store.SubmitCheckIn(h.ctx, c); err != nil {
				h.t.Fatal(err)
			}
		}
	}
	c := &ganwei.CheckIn{UserID: testkit.CadreID, Unit: "松陵街道", Period: prev.ID, Wellbeing: 1, Stress: 5,
		Support: ganwei.Supports[0], Benefits: ganwei.BenefitsAll[0], TalkAnswered: true, Talk: true,
		Note: "最近加班太多<script>alert(1)</script>", SubmittedAt: prev.Start.Add(2 * time.Hour)}
	res, err := h.store.SubmitCheckIn(h.ctx, c)
	if err != nil {
		h.t.Fatal(err)
	}
	cases, err := h.store.Cases(h.ctx, true)
	if err != nil || len(cases) == 0 {
		h.t.Fatalf("seeded case: %v %+v", err, res)
	}
	return cases[0].ID
}
