package console_test

// Attacks on the console's sign-in and authorization from outside: what a stranger, a colleague
// with a copied cookie or a demoted officer would try. Each test passes only while the promise
// of issue 12 ("Security and quality") holds.

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/console"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/weblink"
)

// cookieOf is the browser's session cookie value.
func (b *browser) cookieOf() string {
	u, _ := url.Parse(b.h.srv.URL + "/console/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "ganwei_console" {
			return c.Value
		}
	}
	return ""
}

// withCookie is another browser (the attacker's) that presents the value as its session cookie.
func (h *harness) withCookie(value string) *browser {
	b := h.browser()
	u, _ := url.Parse(h.srv.URL + "/console/")
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "ganwei_console", Value: value, Path: "/"}})
	return b
}

// TestAttackLinkOpenedTwiceAtOnceSignsInOnce: two browsers press 进入工作台 on the same link at
// the same moment (a forwarded link, or a double click across two tabs): one session, one 410.
func TestAttackLinkOpenedTwiceAtOnceSignsInOnce(t *testing.T) {
	h := newHarness(t)
	for round := range 5 {
		link, err := h.links.IssueFor(h.ctx, testkit.HRID)
		if err != nil {
			t.Fatal(err)
		}
		const n = 4
		codes := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			b := h.browser()
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				req, _ := http.NewRequest(http.MethodPost, link, nil)
				resp, err := b.client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				codes[i] = resp.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		var ok, gone int
		for _, c := range codes {
			switch c {
			case http.StatusSeeOther:
				ok++
			case http.StatusGone:
				gone++
			}
		}
		if ok != 1 || gone != n-1 {
			t.Errorf("round %d: %d opens at once gave %v, want one 303 and %d × 410", round, n, codes, n-1)
		}
	}
}

// TestAttackLinkOfADemotedOfficerSignsNobodyIn: a link issued while the person was HR is worthless
// once they are a cadre, and stays spent when the role comes back.
func TestAttackLinkOfADemotedOfficerSignsNobodyIn(t *testing.T) {
	h := newHarness(t)
	link, err := h.links.IssueFor(h.ctx, testkit.HRID)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.SetRole(h.ctx, testkit.HRID, ganwei.RoleCadre); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	r := b.post(strings.TrimPrefix(link, h.srv.URL), "", nil)
	if r.Code == http.StatusSeeOther || strings.Contains(r.Header.Get("Set-Cookie"), "ganwei_console=") && b.cookieOf() != "" {
		t.Fatalf("a demoted officer's link signed in: %d %q", r.Code, r.Header.Get("Set-Cookie"))
	}
	if code, _ := b.get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("after the refused sign-in the overview answers %d, want 401", code)
	}
	if err := h.store.SetRole(h.ctx, testkit.HRID, ganwei.RoleHR); err != nil {
		t.Fatal(err)
	}
	if r := h.browser().post(strings.TrimPrefix(link, h.srv.URL), "", nil); r.Code != http.StatusGone {
		t.Errorf("the link came back with the role: %d, want 410", r.Code)
	}
}

// TestAttackGuessedAndMalformedTokensSignNobodyIn: made-up tokens, odd lengths and characters,
// and the hashed keys Redis holds (a database dump) open nothing, as links or as cookies.
func TestAttackGuessedAndMalformedTokensSignNobodyIn(t *testing.T) {
	h := newHarness(t)
	link, err := h.links.IssueFor(h.ctx, testkit.HRID)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(link, h.srv.URL+weblink.SignInPath)
	live := h.signIn(testkit.AdminID)

	rdb, prefix := h.store.Client(), h.store.Prefix()
	var stored []string // what a dump of the database shows: the key suffixes and values
	for _, pattern := range []string{prefix + ":weblink:*", prefix + ":websession:*"} {
		keys, err := rdb.Keys(h.ctx, pattern).Result()
		if err != nil || len(keys) == 0 {
			t.Fatalf("keys %s: %v %v", pattern, keys, err)
		}
		for _, k := range keys {
			stored = append(stored, k[strings.LastIndex(k, ":")+1:])
			v, _ := rdb.Get(h.ctx, k).Result()
			stored = append(stored, v)
		}
	}
	guesses := append([]string{"x", "0", strings.Repeat("A", 43), token[:len(token)-1], token + "A",
		strings.ToUpper(token), strings.Repeat("z", 4096), "%00", "..%2f..%2fconsole", "<script>"}, stored...)
	for _, g := range guesses {
		r := h.browser().post(weblink.SignInPath+url.PathEscape(g), "", nil)
		if r.Code == http.StatusSeeOther || strings.Contains(r.Body, "<script>") {
			t.Errorf("sign-in with guessed token %.40q: %d", g, r.Code)
		}
		if code, body := h.withCookie(g).get("/console/"); code != http.StatusUnauthorized || strings.Contains(body, "总览") {
			t.Errorf("cookie %.40q: %d, want 401", g, code)
		}
	}
	if code, _ := live.get("/console/"); code != http.StatusOK {
		t.Errorf("the live session was ended by the guesses: %d", code)
	}
	if r := h.browser().post(weblink.SignInPath+token, "", nil); r.Code != http.StatusSeeOther {
		t.Errorf("the real link no longer works after the guesses: %d", r.Code)
	}
}

// TestAttackSessionFixation: a cookie planted before sign-in (by a colleague at the same desk)
// is neither kept nor made valid by signing in.
func TestAttackSessionFixation(t *testing.T) {
	h := newHarness(t)
	const planted = "attacker-chosen-session-id-0123456789abcdef"
	b := h.withCookie(planted)
	link, err := h.links.IssueFor(h.ctx, testkit.HRID)
	if err != nil {
		t.Fatal(err)
	}
	if r := b.post(strings.TrimPrefix(link, h.srv.URL), "", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.Code)
	}
	if got := b.cookieOf(); got == planted || got == "" {
		t.Errorf("the session cookie after sign-in is %q, want a fresh id", got)
	}
	if code, _ := h.withCookie(planted).get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("the planted id opens the console: %d", code)
	}
}

// sessionRace wraps the session store and runs once a function right after a session has been
// read: another request (退出, or the end of the role) landing between a page's read of the
// session and its refresh.
type sessionRace struct {
	ganwei.WebSessionStore
	mu    sync.Mutex
	after func(id string)
}

func (s *sessionRace) WebSession(ctx context.Context, id string) (*ganwei.WebSession, error) {
	ws, err := s.WebSessionStore.WebSession(ctx, id)
	s.mu.Lock()
	f := s.after
	s.after = nil
	s.mu.Unlock()
	if f != nil {
		f(id)
	}
	return ws, err
}

// TestAttackSignOutDuringARequestStaysSignedOut: the officer presses 退出 while a copy of their
// cookie (another tab, a colleague's browser) is loading a page. Whatever that page shows, the
// session stays ended: the page's refresh of the idle timeout must not bring it back.
func TestAttackSignOutDuringARequestStaysSignedOut(t *testing.T) {
	race := &sessionRace{}
	h := newHarnessWith(t, func(s *console.Server) {
		race.WebSessionStore = s.Links.Store
		s.Links.Store = race
	})
	b := h.signIn(testkit.HRID)
	copied := h.withCookie(b.cookieOf())
	csrf := b.csrf()
	race.mu.Lock()
	race.after = func(string) {
		if r := b.post("/console/signout", csrf, nil); r.Code != http.StatusOK {
			t.Errorf("退出 during the other request: %d", r.Code)
		}
	}
	race.mu.Unlock()
	copied.get("/console/") // in flight while 退出 lands
	if code, _ := copied.get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("the copied cookie after 退出: %d, want 401 (the session came back)", code)
	}
	if code, _ := b.get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("the officer's own browser after 退出: %d, want 401", code)
	}
}

// TestAttackCSRFBypasses: a state change by GET, by a method-override header or field, with the
// token in the query string instead of the form, or with a token of the right length but wrong
// value, changes nothing.
func TestAttackCSRFBypasses(t *testing.T) {
	h := newHarness(t)
	id := h.seedCheckIns()
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	unchanged := func(what string) {
		t.Helper()
		c, err := h.store.Case(h.ctx, id)
		if err != nil || c.Status != ganwei.CaseOpen || len(c.Notes) != 1 {
			t.Fatalf("%s changed the case: %+v %v", what, c, err)
		}
	}
	for _, step := range []string{"assign", "contacted", "close", "note"} {
		path := "/console/cases/" + id + "/" + step
		if step != "close" { // close has a confirmation page under GET
			if code, _ := hr.get(path + "?csrf=" + url.QueryEscape(csrf) + "&note=x"); code != http.StatusMethodNotAllowed && code != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 405", path, code)
			}
		}
		unchanged("GET " + step)
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path+"?_method=POST&csrf="+url.QueryEscape(csrf), nil)
		req.Header.Set("X-HTTP-Method-Override", "POST")
		if r := hr.do(req); r.Code == http.StatusSeeOther {
			t.Errorf("GET with method override on %s: %d", step, r.Code)
		}
		unchanged("method override " + step)
		req, _ = http.NewRequest(http.MethodPost, h.srv.URL+path+"?csrf="+url.QueryEscape(csrf), strings.NewReader("note=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if r := hr.do(req); r.Code != http.StatusForbidden {
			t.Errorf("POST %s with the token in the query string: %d, want 403", step, r.Code)
		}
		unchanged("token in query " + step)
		forged := strings.Repeat("A", len(csrf))
		if r := hr.post(path, forged, url.Values{"note": {"x"}}); r.Code != http.StatusForbidden {
			t.Errorf("POST %s with a forged token: %d, want 403", step, r.Code)
		}
		unchanged("forged token " + step)
	}
	if code, _ := hr.get("/console/signout"); code == http.StatusOK {
		t.Error("GET /console/signout answered 200")
	}
	if code, _ := hr.get("/console/"); code != http.StatusOK {
		t.Errorf("GET signout ended the session: %d", code)
	}
	// A token belongs to its session: after 退出 and a new sign-in the old one is refused.
	if r := hr.post("/console/signout", csrf, nil); r.Code != http.StatusOK {
		t.Fatalf("sign out: %d", r.Code)
	}
	again := h.signIn(testkit.HRID)
	if r := again.post("/console/cases/"+id+"/assign", csrf, nil); r.Code != http.StatusForbidden {
		t.Errorf("the ended session's token on the new session: %d, want 403", r.Code)
	}
	unchanged("old token")
}

// Text that cadres and HR type (names, units, positions, notes, questions), made to break out of
// HTML text, attributes, URLs and CSV cells.
const (
	evilName  = `<img src=x onerror=alert(1)>`
	evilUnit  = `"><script>alert(2)</script>`
	evilNote  = `</textarea><svg onload=alert(3)>`
	evilQuery = `<iframe src=javascript:alert(4)>`
)

// TestAttackTypedHTMLIsEscapedEverywhere: every page an admin opens shows such text as text.
func TestAttackTypedHTMLIsEscapedEverywhere(t *testing.T) {
	h := newHarness(t)
	h.seedCheckIns()
	prev := h.cal.Recent(h.clock.Now(), 2)[0]
	const evilID = 61001
	if err := h.store.SaveUser(h.ctx, &ganwei.User{ID: evilID, Name: evilName, Unit: evilUnit, Position: evilName, Role: ganwei.RoleCadre}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.SubmitCheckIn(h.ctx, &ganwei.CheckIn{UserID: evilID, Unit: evilUnit, Period: prev.ID, Wellbeing: 1, Stress: 5,
		Support: ganwei.Supports[0], Benefits: ganwei.BenefitsAll[0], TalkAnswered: true, Talk: true, Note: evilNote,
		SubmittedAt: prev.Start.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.RecordUnanswered(h.ctx, evilQuery, evilQuery); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.office.Appoint(h.as(testkit.AdminID), &ganwei.Appointment{TelegramID: evilID, Name: evilName, Unit: evilUnit, Position: evilNote, Date: "2026-11-24"}); err != nil {
		t.Fatal(err)
	}
	admin := h.signIn(testkit.AdminID)
	var evilCase string
	heads, _ := h.store.ActiveCaseHeads(h.ctx)
	for _, c := range heads {
		if c.Unit == evilUnit {
			evilCase = c.ID
		}
	}
	if evilCase == "" {
		t.Fatal("no case for the typed unit")
	}
	paths := []string{"/console/cases/" + evilCase, "/console/cases/" + evilCase + "/close", "/console/audit",
		"/console/checkins?unit=" + url.QueryEscape(evilUnit), "/console/cases?unit=" + url.QueryEscape(evilUnit),
		"/console/people?q=" + url.QueryEscape(evilName), "/console/knowledge?q=" + url.QueryEscape(evilQuery)}
	for _, p := range pages {
		paths = append(paths, p.path)
	}
	seen := map[string]bool{}
	for _, p := range paths {
		code, body := admin.get(p)
		if code >= 500 {
			t.Errorf("GET %s: %d", p, code)
		}
		for _, raw := range []string{evilName, evilUnit, evilNote, evilQuery, "<script>alert", "<img src=x", "<svg onload", "<iframe"} {
			if strings.Contains(body, raw) {
				t.Errorf("GET %s shows %q unescaped", p, raw)
			}
		}
		for _, esc := range []string{"&lt;img src=x onerror=alert(1)&gt;", "&lt;script&gt;alert(2)&lt;/script&gt;", "&lt;svg onload=alert(3)&gt;", "&lt;iframe"} {
			if strings.Contains(body, esc) {
				seen[esc] = true
			}
		}
	}
	for _, esc := range []string{"&lt;img src=x onerror=alert(1)&gt;", "&lt;script&gt;alert(2)&lt;/script&gt;", "&lt;svg onload=alert(3)&gt;", "&lt;iframe"} {
		if !seen[esc] {
			t.Errorf("no page showed the typed text as text (%s): the test did not reach it", esc)
		}
	}
}

// TestAttackSpreadsheetFormulasInExportsAreDefused: a name or unit typed as a formula
// (=HYPERLINK(…), +, -, @) reaches the CSV downloads as text, not as a formula Excel would run.
func TestAttackSpreadsheetFormulasInExportsAreDefused(t *testing.T) {
	h := newHarness(t)
	h.seedCheckIns()
	prev := h.cal.Recent(h.clock.Now(), 2)[0]
	formulas := []string{`=HYPERLINK("http://e.cn","点此")`, `+cmd|'/c calc'!A0`, `-2+3`, `@SUM(1+1)`}
	for i, f := range formulas {
		id := int64(62001 + i)
		if err := h.store.SaveUser(h.ctx, &ganwei.User{ID: id, Name: f, Unit: f, Role: ganwei.RoleCadre}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.SubmitCheckIn(h.ctx, &ganwei.CheckIn{UserID: id, Unit: f, Period: prev.ID, Wellbeing: 1, Stress: 5,
			Support: ganwei.Supports[0], Benefits: ganwei.BenefitsAll[0], TalkAnswered: true, Talk: true,
			SubmittedAt: prev.Start.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	admin := h.signIn(testkit.AdminID)
	heads, _ := h.store.ActiveCaseHeads(h.ctx)
	for _, c := range heads {
		admin.get("/console/cases/" + c.ID) // audited views that name the typed people
	}
	for _, path := range []string{"/console/audit/export", "/console/checkins/export?format=csv"} {
		r := admin.do(mustGet(h, path))
		if r.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, r.Code)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		found := 0
		for _, row := range rows {
			for _, cell := range row {
				if cell != "" && strings.ContainsAny(cell[:1], "=+-@\t\r") {
					t.Errorf("%s: cell %q starts a formula", path, cell)
				}
				for _, f := range formulas {
					if strings.Contains(cell, f) {
						found++
					}
				}
			}
		}
		if found == 0 {
			t.Errorf("%s carries none of the typed text: the test did not reach it", path)
		}
	}
}

// failingAudit is the check-in store with an audit log that cannot be written.
type failingAudit struct {
	ganwei.CheckInService
}

func (failingAudit) Audit(context.Context, *ganwei.AuditEntry) error {
	return errors.New("audit log unavailable")
}

// TestAttackNothingIsShownWhenTheAuditEntryCannotBeWritten: opening a case, the summaries and
// the export show nothing of the person or the figures unless the audit entry was written first.
func TestAttackNothingIsShownWhenTheAuditEntryCannotBeWritten(t *testing.T) {
	h := newHarnessWith(t, func(s *console.Server) {
		st := *s.Staff
		st.CheckIns = failingAudit{s.Staff.CheckIns}
		s.Staff = &st
	})
	id := h.seedCheckIns()
	hr := h.signIn(testkit.HRID)
	for _, p := range []string{"/console/cases/" + id, "/console/cases/" + id + "/close", "/console/cases",
		"/console/checkins", "/console/checkins/print", "/console/checkins/export?format=csv"} {
		code, body := hr.get(p)
		if code < 500 || strings.Contains(body, "加班") || strings.Contains(body, "张伟") {
			t.Errorf("GET %s without an audit entry: %d, want 5xx showing nothing of the person", p, code)
		}
	}
	if r := hr.post("/console/cases/"+id+"/note", hr.csrf(), url.Values{"note": {"备注"}}); r.Code == http.StatusOK && strings.Contains(r.Body, "加班") {
		t.Error("a note showed the case without an audit entry")
	}
}

// TestAttackUnitViewDoesNotUndoComplementarySuppression: everyone's table hides 震泽镇 (3
// answers) because 全体 minus 松陵街道 minus 震泽镇 would give 七都镇's single answer away; asking
// for 震泽镇 by itself (?unit=, the print view, a unit-scoped officer) must keep it hidden too.
func TestAttackUnitViewDoesNotUndoComplementarySuppression(t *testing.T) {
	h := newHarness(t)
	h.seedCheckIns()
	prev := h.cal.Recent(h.clock.Now(), 2)[0]
	trendRow := regexp.MustCompile(`(?s)<th scope="row">` + regexp.QuoteMeta(prev.Label) + `</th>(.*?)</tr>`)
	unitRow := regexp.MustCompile(`(?s)<th scope="row">震泽镇</th>(.*?)</tr>`)
	hr := h.signIn(testkit.HRID)
	_, body := hr.get("/console/checkins")
	if m := unitRow.FindStringSubmatch(body); m == nil || !strings.Contains(m[1], "不显示") {
		t.Fatalf("everyone's table shows 震泽镇 (the setup expects it hidden by complement): %q", m)
	}
	check := func(who string, b *browser, path string) {
		t.Helper()
		code, body := b.get(path)
		m := trendRow.FindStringSubmatch(body)
		if code != http.StatusOK || m == nil || !strings.Contains(m[1], "不显示") {
			t.Errorf("%s GET %s: %d, 震泽镇's %s row %q, want hidden", who, path, code, prev.Label, m)
		}
		if strings.Contains(body, "<title>"+prev.Label+" 身心状态") || strings.Contains(body, "<title>"+prev.Label+" 工作压力") {
			t.Errorf("%s GET %s: the chart plots 震泽镇's hidden %s", who, path, prev.Label)
		}
	}
	for _, p := range []string{"/console/checkins?unit=" + url.QueryEscape("震泽镇"), "/console/checkins/print?unit=" + url.QueryEscape("震泽镇")} {
		check("unscoped HR", hr, p)
	}
	if err := h.store.SetScope(h.ctx, testkit.HRID, []string{"震泽镇"}); err != nil {
		t.Fatal(err)
	}
	check("scoped HR", hr, "/console/checkins")
	check("scoped HR", hr, "/console/checkins/print")
	// CSV: per period, what 全体 leaves after the shown units rests on none or at least 3 answers.
	if err := h.store.SetScope(h.ctx, testkit.HRID, nil); err != nil {
		t.Fatal(err)
	}
	r := hr.do(mustGet(h, "/console/checkins/export?format=csv&n=13"))
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("csv: %v %d rows", err, len(rows))
	}
	type sums struct{ all, shown, allSet int }
	left := map[string]*sums{}
	for _, row := range rows[1:] {
		w := 0
		for _, c := range row[7:12] { // 身心1..5: answers to the wellbeing question
			n, err := strconv.Atoi(c)
			if err != nil {
				w = -1
				break
			}
			w += n
		}
		if w < 0 {
			continue // hidden: no figures
		}
		s := left[row[0]]
		if s == nil {
			s = &sums{}
			left[row[0]] = s
		}
		if row[1] == "全体" {
			s.all, s.allSet = w, 1
		} else {
			s.shown += w
		}
	}
	for period, s := range left {
		if d := s.all - s.shown; s.allSet == 1 && d > 0 && d < ganwei.MinGroupSize {
			t.Errorf("%s: 全体 minus the shown units leaves %d answers", period, d)
		}
	}
}

// TestAttackScopedOfficerCannotReachOtherUnitsByEditingForms: an officer of 震泽镇 cannot invite
// into another unit, change roles, read the audit log or open another unit's case under the
// confirmation page; an out-of-scope try is not audited as a view.
func TestAttackScopedOfficerCannotReachOtherUnitsByEditingForms(t *testing.T) {
	h := newHarness(t)
	caseID := h.seedCheckIns()
	if err := h.store.SetScope(h.ctx, testkit.HRID, []string{"震泽镇"}); err != nil {
		t.Fatal(err)
	}
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	r := hr.post("/console/people/invite", csrf, url.Values{"name": {"冒名"}, "unit": {"松陵街道"}, "position": {"科员"}, "role": {"cadre"}})
	if r.Code == http.StatusOK || !strings.Contains(r.Body, "您负责的单位是") {
		t.Errorf("invite into another unit: %d, want refused with the scope", r.Code)
	}
	for _, role := range []string{"admin", "hr", ""} { // "" revokes
		if r := hr.post("/console/people/"+strconv.FormatInt(testkit.CadreID, 10)+"/role", csrf, url.Values{"role": {role}}); r.Code != http.StatusForbidden {
			t.Errorf("HR sets a role %s: %d, want 403", role, r.Code)
		}
		if r := hr.post("/console/people/"+strconv.FormatInt(testkit.HRID, 10)+"/role", csrf, url.Values{"role": {role}}); r.Code != http.StatusForbidden {
			t.Errorf("HR sets their own role %s: %d, want 403", role, r.Code)
		}
	}
	if u, _ := h.store.User(h.ctx, testkit.HRID); u.Role != ganwei.RoleHR {
		t.Errorf("the officer's role is now %s", u.Role)
	}
	for _, p := range []string{"/console/audit", "/console/audit/export", "/console/people/" + strconv.FormatInt(testkit.CadreID, 10) + "/revoke",
		"/console/checkins/export?format=xlsx&unit=" + url.QueryEscape("震泽镇")} {
		if code, body := hr.get(p); code != http.StatusForbidden || strings.Contains(body, "张伟") {
			t.Errorf("GET %s: %d, want 403", p, code)
		}
	}
	if code, body := hr.get("/console/cases/" + caseID + "/close"); code != http.StatusNotFound || strings.Contains(body, "加班") {
		t.Errorf("close confirmation of another unit's case: %d, want 404", code)
	}
	if code, body := hr.get("/console/cases?unit=" + url.QueryEscape("松陵街道")); code != http.StatusOK || strings.Contains(body, caseID) {
		t.Errorf("case list filtered to another unit: %d, lists its case", code)
	}
	log, _ := h.staff.AuditLog(h.as(testkit.AdminID), 100)
	for _, e := range log {
		if e.Actor == testkit.HRID && (e.Action == ganwei.AuditViewCase || e.Unit == "松陵街道") {
			t.Errorf("out-of-scope try audited as a view: %+v", e)
		}
	}
}

// TestAttackForgottenPersonsSessionEnds: someone who deletes their data (/forgetme) while signed
// in is signed out at their next click.
func TestAttackForgottenPersonsSessionEnds(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	if err := h.store.DeleteUser(h.ctx, testkit.HRID); err != nil {
		t.Fatal(err)
	}
	if code, body := hr.get("/console/"); code != http.StatusUnauthorized || strings.Contains(body, "总览") {
		t.Errorf("after the person was deleted: %d, want 401", code)
	}
}

// TestAttackCookieTossingUnderHTTPS: under https the console reads only its __Host- cookie, so a
// neighbour site (a sub-domain, or a plain-http page on the host) that sets "ganwei_console" to
// the attacker's own valid session id cannot sign the officer in as the attacker.
func TestAttackCookieTossingUnderHTTPS(t *testing.T) {
	h := newHarnessWith(t, func(s *console.Server) { s.Secure = true })
	link, err := h.links.IssueFor(h.ctx, testkit.AdminID)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(link, h.srv.URL+weblink.SignInPath)
	ws, err := h.links.SignIn(h.ctx, token) // the attacker's own session
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := h.withCookie(ws.ID).get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("a tossed plain-name cookie with a valid session id: %d, want 401", code)
	}
}
