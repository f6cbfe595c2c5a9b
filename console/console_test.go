package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/console"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/weblink"
)

// pages are every GET page of the console with a phrase it must show.
var pages = []struct{ path, want string }{
	{"/console/", "总览"},
	{"/console/checkins", "关爱问卷汇总"},
	{"/console/checkins/print", "打印"},
	{"/console/cases", "跟进事项"},
	{"/console/reminders", "四项清单"},
	{"/console/reminders/new", "登记新任职领导"},
	{"/console/people", "邀请一人"},
	{"/console/reminders/import", "批量登记新任职领导"},
	{"/console/people/import", "按花名册邀请"},
	{"/console/knowledge", "命中测试"},
	{"/console/knowledge/new", "新增条目"},
	{"/console/knowledge/versions", "版本记录"},
}

// TestEveryPageOpensForHRAndNoneWithoutASession: HR sees every page; without a session every
// page answers 401 with the plain sign-in notice and no data.
func TestEveryPageOpensForHRAndNoneWithoutASession(t *testing.T) {
	h := newHarness(t)
	h.seedCheckIns()
	hr := h.signIn(testkit.HRID)
	anon := h.browser()
	for _, p := range pages {
		code, body := hr.get(p.path)
		if code != http.StatusOK || !strings.Contains(body, p.want) {
			t.Errorf("HR GET %s: %d, want 200 with %q", p.path, code, p.want)
		}
		code, body = anon.get(p.path)
		if code != http.StatusUnauthorized || !strings.Contains(body, weblink.MsgSignedOut) || strings.Contains(body, "松陵街道") {
			t.Errorf("anonymous GET %s: %d, want 401 with the sign-in notice only", p.path, code)
		}
	}
}

// TestAuditPageIsForAdminsOnly: the 审计 page follows Staff.AuditLog's rule (admins), and the
// navigation offers it only to them.
func TestAuditPageIsForAdminsOnly(t *testing.T) {
	h := newHarness(t)
	h.seedCheckIns()
	hr := h.signIn(testkit.HRID)
	if code, body := hr.get("/console/audit"); code != http.StatusForbidden || !strings.Contains(body, ganwei.MsgAdminOnly) {
		t.Errorf("HR GET audit: %d, want 403", code)
	}
	if _, body := hr.get("/console/"); strings.Contains(body, `href="/console/audit"`) {
		t.Error("HR's navigation offers 审计")
	}
	hr.get("/console/checkins") // an audited view, by 王芳
	admin := h.signIn(testkit.AdminID)
	code, body := admin.get("/console/audit")
	if code != http.StatusOK || !strings.Contains(body, "王芳</strong> 查看了汇总统计") {
		t.Errorf("admin GET audit: %d, want 200 naming 王芳's view; body:\n%s", code, body)
	}
	r := admin.do(mustRequest(http.MethodGet, h.srv.URL+"/console/audit/export?action=view_summary"))
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Body, "王芳,查看了汇总统计") {
		t.Errorf("audit export: %d %q\n%s", r.Code, r.Header.Get("Content-Type"), r.Body)
	}
	if code, _ := hr.get("/console/audit/export"); code != http.StatusForbidden {
		t.Errorf("HR exports the audit log: %d, want 403", code)
	}
	code, body = admin.get("/console/audit?action=export_individual")
	if code != http.StatusOK || strings.Contains(body, "王芳</strong>") {
		t.Errorf("filtered audit: %d, still lists other actions", code)
	}
}

// TestCadreAndGuestGetNoLink: the link service refuses anyone below HR.
func TestCadreAndGuestGetNoLink(t *testing.T) {
	h := newHarness(t)
	for _, id := range []int64{testkit.CadreID, testkit.GuestID} {
		if _, err := h.links.Issue(h.as(id)); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
			t.Errorf("link for %d: %v, want EFORBIDDEN", id, err)
		}
	}
}

// TestSignInLinkIsSingleUseAndOpeningItDoesNotSpendIt: a preview fetch (GET) leaves the link
// usable; after one use it shows the plain 链接已失效 page.
func TestSignInLinkIsSingleUseAndOpeningItDoesNotSpendIt(t *testing.T) {
	h := newHarness(t)
	link, err := h.links.IssueFor(h.ctx, testkit.HRID)
	if err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	path := strings.TrimPrefix(link, h.srv.URL)
	for range 2 {
		if code, body := b.get(path); code != http.StatusOK || !strings.Contains(body, "进入工作台") {
			t.Fatalf("GET link: %d", code)
		}
	}
	if r := b.post(path, "", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("first use: %d, want 303", r.Code)
	}
	if c := b.do(mustRequest(http.MethodGet, h.srv.URL+"/console/")); c.Code != http.StatusOK {
		t.Fatalf("signed in overview: %d", c.Code)
	}
	r := h.browser().post(path, "", nil)
	if r.Code != http.StatusGone || !strings.Contains(r.Body, weblink.MsgLinkGone) {
		t.Errorf("second use: %d, want 410 with %q", r.Code, weblink.MsgLinkGone)
	}
}

// TestSignInLinkExpiresAfterFiveMinutes, by the injected clock.
func TestSignInLinkExpiresAfterFiveMinutes(t *testing.T) {
	h := newHarness(t)
	link, _ := h.links.IssueFor(h.ctx, testkit.HRID)
	h.clock.Advance(weblink.LinkTTL)
	r := h.browser().post(strings.TrimPrefix(link, h.srv.URL), "", nil)
	if r.Code != http.StatusGone || !strings.Contains(r.Body, weblink.MsgLinkGone) {
		t.Errorf("expired link: %d, want 410", r.Code)
	}
}

// TestSessionCookieIsHttpOnlyStrict: the cookie's attributes.
func TestSessionCookieIsHttpOnlyStrict(t *testing.T) {
	h := newHarness(t)
	link, _ := h.links.IssueFor(h.ctx, testkit.HRID)
	r := h.browser().post(strings.TrimPrefix(link, h.srv.URL), "", nil)
	c := r.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(c, want) {
			t.Errorf("Set-Cookie %q lacks %s", c, want)
		}
	}
}

// TestSessionCookieIsSecureUnderHTTPS: with an https public URL the cookie is Secure and
// __Host- prefixed (bound to this host and path /).
func TestSessionCookieIsSecureUnderHTTPS(t *testing.T) {
	h := newHarnessWith(t, func(s *console.Server) { s.Secure = true })
	link, _ := h.links.IssueFor(h.ctx, testkit.HRID)
	c := h.browser().post(strings.TrimPrefix(link, h.srv.URL), "", nil).Header.Get("Set-Cookie")
	if !strings.HasPrefix(c, "__Host-ganwei_console=") || !strings.Contains(c, "; Secure") || !strings.Contains(c, "HttpOnly") {
		t.Errorf("Set-Cookie %q, want a Secure __Host- cookie", c)
	}
}

// TestSessionEndsAfterThirtyIdleMinutesAndEightHours.
func TestSessionEndsAfterThirtyIdleMinutesAndEightHours(t *testing.T) {
	h := newHarness(t)
	b := h.signIn(testkit.HRID)
	h.clock.Advance(29 * time.Minute)
	if code, _ := b.get("/console/"); code != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d, want 200", code)
	}
	h.clock.Advance(weblink.IdleTimeout)
	if code, _ := b.get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("after 30 idle minutes: %d, want 401", code)
	}

	b = h.signIn(testkit.HRID)
	for elapsed := time.Duration(0); elapsed < weblink.MaxAge-20*time.Minute; elapsed += 20 * time.Minute {
		h.clock.Advance(20 * time.Minute)
		if code, _ := b.get("/console/"); code != http.StatusOK {
			t.Fatalf("busy session at %v: %d", elapsed, code)
		}
	}
	h.clock.Advance(20 * time.Minute)
	if code, _ := b.get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("busy session after 8 hours: %d, want 401", code)
	}
}

// TestRevokingARoleEndsTheSessionAtOnce and narrowing admin to HR takes the admin page away.
func TestRevokingARoleEndsTheSessionAtOnce(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	if err := h.store.SetRole(h.ctx, testkit.HRID, ganwei.RoleCadre); err != nil {
		t.Fatal(err)
	}
	if code, _ := hr.get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("revoked HR: %d, want 401", code)
	}
	if err := h.store.SetRole(h.ctx, testkit.HRID, ganwei.RoleHR); err != nil {
		t.Fatal(err)
	}
	if code, _ := hr.get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("the ended session came back with the role: %d", code)
	}

	admin := h.signIn(testkit.AdminID)
	if code, _ := admin.get("/console/audit"); code != http.StatusOK {
		t.Fatalf("admin audit: %d", code)
	}
	if err := h.store.SetRole(h.ctx, testkit.AdminID, ganwei.RoleHR); err != nil {
		t.Fatal(err)
	}
	if code, _ := admin.get("/console/audit"); code != http.StatusForbidden {
		t.Errorf("admin narrowed to HR, audit page: %d, want 403", code)
	}
}

// TestSignOutEndsTheSession: 退出 needs the form token and ends the session server-side.
func TestSignOutEndsTheSession(t *testing.T) {
	h := newHarness(t)
	b := h.signIn(testkit.HRID)
	if r := b.post("/console/signout", "", nil); r.Code != http.StatusForbidden {
		t.Errorf("sign out without csrf: %d, want 403", r.Code)
	}
	if r := b.post("/console/signout", b.csrf(), nil); r.Code != http.StatusOK || !strings.Contains(r.Body, "已退出") {
		t.Errorf("sign out: %d", r.Code)
	}
	if code, _ := b.get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("after 退出: %d, want 401", code)
	}
}

// TestEveryPostNeedsTheSessionsCSRFToken: a POST without the token, or with another session's,
// changes nothing.
func TestEveryPostNeedsTheSessionsCSRFToken(t *testing.T) {
	h := newHarness(t)
	id := h.seedCheckIns()
	hr := h.signIn(testkit.HRID)
	other := h.signIn(testkit.AdminID).csrf()
	for _, path := range []string{"/cases/" + id + "/assign", "/cases/" + id + "/note", "/cases/" + id + "/contacted",
		"/cases/" + id + "/close", "/reminders/new", "/signout"} {
		for _, token := range []string{"", other} {
			r := hr.post("/console"+path, token, url.Values{"note": {"x"}, "action": {"confirm"}})
			if r.Code != http.StatusForbidden {
				t.Errorf("POST %s with token %q: %d, want 403", path, token, r.Code)
			}
		}
	}
	c, err := h.staff.ViewCase(h.as(testkit.AdminID), id)
	if err != nil || c.Case.Status != ganwei.CaseOpen || len(c.Case.Notes) != 1 {
		t.Errorf("case changed by refused posts: %+v %v", c.Case, err)
	}
}

// TestCaseFollowUp: list, open (audited), take, note, contacted, close after confirmation.
// The person's own words are escaped.
func TestCaseFollowUp(t *testing.T) {
	h := newHarness(t)
	id := h.seedCheckIns()
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	if _, body := hr.get("/console/cases"); !strings.Contains(body, "张伟") || !strings.Contains(body, "/console/cases/"+id) {
		t.Fatalf("case list lacks the case:\n%s", body)
	}
	if _, body := hr.get("/console/cases?unit=震泽镇"); strings.Contains(body, "张伟") {
		t.Error("unit filter kept another unit's case")
	}
	code, body := hr.get("/console/cases/" + id)
	if code != http.StatusOK || !strings.Contains(body, "最近加班太多&lt;script&gt;") || strings.Contains(body, "<script>alert") {
		t.Fatalf("case page: %d, want the escaped note", code)
	}
	log, _ := h.staff.AuditLog(h.as(testkit.AdminID), 10)
	if len(log) == 0 || log[0].Action != ganwei.AuditViewCase || log[0].Actor != testkit.HRID || log[0].Subject != testkit.CadreID {
		t.Errorf("opening the case wrote no view_case entry by HR: %+v", log)
	}
	for _, step := range []struct {
		path string
		form url.Values
	}{{"assign", nil}, {"note", url.Values{"note": {"已电话联系，约下周谈心"}}}, {"contacted", nil}} {
		if r := hr.post("/console/cases/"+id+"/"+step.path, csrf, step.form); r.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d", step.path, r.Code)
		}
	}
	if r := hr.post("/console/cases/"+id+"/note", csrf, url.Values{"note": {"  "}}); r.Code != http.StatusBadRequest {
		t.Errorf("empty note: %d, want 400", r.Code)
	}
	_, body = hr.get("/console/cases/" + id)
	for _, want := range []string{"已电话联系，约下周谈心", "由王芳跟进", "已联系"} {
		if !strings.Contains(body, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	if code, body := hr.get("/console/cases/" + id + "/close"); code != http.StatusOK || !strings.Contains(body, "确认结案") {
		t.Fatalf("close confirmation: %d", code)
	}
	if c, _ := h.staff.ViewCase(h.as(testkit.HRID), id); c.Case.Status == ganwei.CaseClosed {
		t.Fatal("the confirmation page closed the case")
	}
	if r := hr.post("/console/cases/"+id+"/close", csrf, nil); r.Code != http.StatusSeeOther {
		t.Fatalf("close: %d", r.Code)
	}
	if c, _ := h.staff.ViewCase(h.as(testkit.HRID), id); c.Case.Status != ganwei.CaseClosed {
		t.Errorf("case status %s, want closed", c.Case.Status)
	}
	if code, _ := hr.get("/console/cases/nosuch"); code != http.StatusNotFound {
		t.Errorf("unknown case: %d, want 404", code)
	}
}

// TestCheckInSummaryHidesSmallUnits: the same suppression as the bot; a unit of one shows no
// figures, and the page states why.
func TestCheckInSummaryHidesSmallUnits(t *testing.T) {
	h := newHarness(t)
	h.seedCheckIns()
	hr := h.signIn(testkit.HRID)
	_, body := hr.get("/console/checkins")
	row := regexp.MustCompile(`(?s)<th scope="row">七都镇</th>(.*?)</tr>`).FindStringSubmatch(body)
	if row == nil || !strings.Contains(row[1], "作答不足3人") || strings.Contains(row[1], "1 / ") {
		t.Errorf("七都镇 (1 answer) row: %q, want hidden", row)
	}
	if !strings.Contains(body, "<svg") || !strings.Contains(body, "<polyline") && !strings.Contains(body, "<circle") {
		t.Error("no trend chart")
	}
	if _, body := hr.get("/console/checkins?n=26"); strings.Count(body, `<th scope="row">2026年第`) != 26 {
		t.Errorf("period picker n=26 shows %d periods", strings.Count(body, `<th scope="row">2026年第`))
	}
}

// TestExportDownloadsAndIsAudited: CSV and Excel through Staff.Export.
func TestExportDownloadsAndIsAudited(t *testing.T) {
	h := newHarness(t)
	h.seedCheckIns()
	hr := h.signIn(testkit.HRID)
	r := hr.do(mustRequest(http.MethodGet, h.srv.URL+"/console/checkins/export?format=csv&n=8"))
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Body, "参与率") {
		t.Fatalf("csv export: %d %s", r.Code, r.Header.Get("Content-Type"))
	}
	r = hr.do(mustRequest(http.MethodGet, h.srv.URL+"/console/checkins/export?format=xlsx"))
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Body, "PK") {
		t.Fatalf("xlsx export: %d", r.Code)
	}
	log, _ := h.staff.AuditLog(h.as(testkit.AdminID), 10)
	if len(log) < 2 || log[0].Action != ganwei.AuditExportAggregates || log[0].Actor != testkit.HRID {
		t.Errorf("export not audited: %+v", log[0])
	}
}

// TestRegisterLeaderPreviewsBeforeStoring: 预览日期 stores nothing; 确认登记 registers and the
// board shows the leader; a bad id gets a Chinese error with the form kept.
func TestRegisterLeaderPreviewsBeforeStoring(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	form := url.Values{"telegram_id": {"9003"}, "name": {"李强"}, "unit": {"震泽镇"}, "position": {"镇长"}, "date": {"2026-11-24"}, "action": {"preview"}}
	r := hr.post("/console/reminders/new", csrf, form)
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "提醒安排预览") || !strings.Contains(r.Body, "确认登记") {
		t.Fatalf("preview: %d\n%s", r.Code, r.Body)
	}
	if list, _ := h.store.Appointments(h.ctx); len(list) != 0 {
		t.Fatalf("preview stored %d appointments", len(list))
	}
	previewed := regexp.MustCompile(`name="previewed" value="([^"]+)"`).FindStringSubmatch(r.Body)
	if previewed == nil {
		t.Fatal("the preview carries no fingerprint of what it showed")
	}
	form.Set("action", "confirm")
	form.Set("previewed", previewed[1])
	form.Set("date", "2026-11-26") // changed after the preview: previewed again, not registered
	if r := hr.post("/console/reminders/new", csrf, form); r.Code != http.StatusOK || !strings.Contains(r.Body, "提醒安排预览") {
		t.Fatalf("confirm after a change: %d, want the new preview", r.Code)
	}
	if list, _ := h.store.Appointments(h.ctx); len(list) != 0 {
		t.Fatalf("a changed form was registered without its preview")
	}
	form.Set("date", "2026-11-24")
	if r := hr.post("/console/reminders/new", csrf, form); r.Code != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", r.Code, r.Body)
	}
	if _, body := hr.get("/console/reminders"); !strings.Contains(body, `<th scope="row">李强`) || !strings.Contains(body, "权力清单") {
		t.Errorf("board lacks the new leader's row and steps")
	}
	form.Set("telegram_id", "abc")
	if r := hr.post("/console/reminders/new", csrf, form); r.Code != http.StatusBadRequest || !strings.Contains(r.Body, "一串数字") || !strings.Contains(r.Body, `value="李强"`) {
		t.Errorf("bad id: %d, want 400 with the message and the form kept", r.Code)
	}
}

// TestRegisterALeaderByTheirWeComAccount: the form takes wecom:USERID as /appoint does; the
// leader becomes a person with that account (or is the person already bound to it).
func TestRegisterALeaderByTheirWeComAccount(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	form := url.Values{"telegram_id": {"wecom:Chengang"}, "name": {"陈刚"}, "unit": {"七都镇"}, "position": {"党委书记"}, "date": {"2026-11-24"}, "action": {"preview"}}
	r := hr.post("/console/reminders/new", csrf, form)
	previewed := regexp.MustCompile(`name="previewed" value="([^"]+)"`).FindStringSubmatch(r.Body)
	if r.Code != http.StatusOK || previewed == nil {
		t.Fatalf("preview: %d\n%s", r.Code, r.Body)
	}
	form.Set("action", "confirm")
	form.Set("previewed", previewed[1])
	if r := hr.post("/console/reminders/new", csrf, form); r.Code != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", r.Code, r.Body)
	}
	list, err := h.store.Appointments(h.ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("appointments: %v, %v", list, err)
	}
	u, err := h.store.UserByAccount(h.ctx, ganwei.WeComAccount("Chengang"))
	if err != nil || list[0].PersonID != u.ID || list[0].TelegramID != 0 {
		t.Errorf("leader %+v, person by wecom:Chengang %+v, %v; want the same person and no Telegram id", list[0], u, err)
	}
	form.Set("telegram_id", "wecom:")
	if r := hr.post("/console/reminders/new", csrf, form); r.Code != http.StatusBadRequest || !strings.Contains(r.Body, "wecom:成员账号") {
		t.Errorf("empty 企业微信 account: %d, want 400 with the format", r.Code)
	}
}

var inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]+</script>|\son[a-z]+=|\sstyle=`)

// TestPagesCarryCSPAndNoInlineScript and stay under the page weight.
func TestPagesCarryCSPAndNoInlineScript(t *testing.T) {
	h := newHarness(t)
	h.seedCheckIns()
	admin := h.signIn(testkit.AdminID)
	css := admin.do(mustRequest(http.MethodGet, h.srv.URL+"/console/static/style.css"))
	if css.Code != http.StatusOK {
		t.Fatalf("style.css: %d", css.Code)
	}
	for _, p := range append(pages, struct{ path, want string }{"/console/audit", "审计"}) {
		r := admin.do(mustRequest(http.MethodGet, h.srv.URL+p.path))
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s CSP %q", p.path, csp)
		}
		if m := inlineScript.FindString(r.Body); m != "" {
			t.Errorf("%s has inline script or style: %q", p.path, m)
		}
		if w := len(r.Body) + len(css.Body); w > 200<<10 {
			t.Errorf("%s weighs %d bytes with its stylesheet, over 200 KB", p.path, w)
		}
		if strings.Contains(r.Body, "http://") || strings.Contains(r.Body, "https://") {
			t.Errorf("%s refers to another origin", p.path)
		}
	}
}

func mustRequest(method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		panic(err)
	}
	return req
}

// TestPauseResumeAndCancelAnAppointment through the board's buttons; cancelling asks first.
func TestPauseResumeAndCancelAnAppointment(t *testing.T) {
	h := newHarness(t)
	a, _, err := h.office.Appoint(h.as(testkit.HRID), &ganwei.Appointment{TelegramID: testkit.LeaderID, Name: "李强", Unit: "震泽镇", Position: "镇长", Date: "2026-11-24"})
	if err != nil {
		t.Fatal(err)
	}
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	status := func() ganwei.AppointmentStatus {
		got, err := h.store.Appointment(h.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	path := "/console/reminders/" + a.ID + "/status"
	if _, body := hr.get("/console/reminders"); !strings.Contains(body, `action="`+path+`"`) || !strings.Contains(body, "暂停") {
		t.Fatal("the board offers no 暂停")
	}
	if r := hr.post(path, csrf, url.Values{"status": {"paused"}}); r.Code != http.StatusSeeOther || status() != ganwei.AppointmentPaused {
		t.Fatalf("pause: %d, status %s", r.Code, status())
	}
	if _, body := hr.get("/console/reminders"); !strings.Contains(body, "恢复") {
		t.Error("a paused appointment offers no 恢复")
	}
	if r := hr.post(path, csrf, url.Values{"status": {"active"}}); r.Code != http.StatusSeeOther || status() != ganwei.AppointmentActive {
		t.Fatalf("resume: %d, status %s", r.Code, status())
	}
	if code, body := hr.get("/console/reminders/" + a.ID + "/cancel"); code != http.StatusOK || !strings.Contains(body, "确认取消") || status() != ganwei.AppointmentActive {
		t.Fatalf("cancel confirmation: %d, status %s", code, status())
	}
	if r := hr.post(path, "", url.Values{"status": {"cancelled"}}); r.Code != http.StatusForbidden || status() != ganwei.AppointmentActive {
		t.Errorf("cancel without csrf: %d, status %s", r.Code, status())
	}
	if r := hr.post(path, csrf, url.Values{"status": {"bogus"}}); r.Code != http.StatusBadRequest {
		t.Errorf("bogus status: %d, want 400", r.Code)
	}
	if r := hr.post(path, csrf, url.Values{"status": {"cancelled"}}); r.Code != http.StatusSeeOther || status() != ganwei.AppointmentCancelled {
		t.Errorf("cancel: %d, status %s", r.Code, status())
	}
	if r := hr.post("/console/reminders/nosuch/status", csrf, url.Values{"status": {"paused"}}); r.Code != http.StatusNotFound {
		t.Errorf("unknown appointment: %d, want 404", r.Code)
	}
}

// TestCrossSitePostsAreRefused: a form posted from another site neither signs anyone in (login
// CSRF: the link stays usable) nor changes anything, even with a valid token.
func TestCrossSitePostsAreRefused(t *testing.T) {
	h := newHarness(t)
	link, _ := h.links.IssueFor(h.ctx, testkit.HRID)
	b := h.browser()
	for _, hdr := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		req, _ := http.NewRequest(http.MethodPost, link, nil)
		req.Header.Set(hdr[0], hdr[1])
		if r := b.do(req); r.Code != http.StatusForbidden {
			t.Errorf("sign-in with %s: %d, want 403", hdr[0], r.Code)
		}
	}
	if r := b.post(strings.TrimPrefix(link, h.srv.URL), "", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("the link was spent by the refused posts: %d", r.Code)
	}
	csrf := b.csrf()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/console/signout", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if r := b.do(req); r.Code != http.StatusForbidden {
		t.Errorf("cross-site sign-out with a valid token: %d, want 403", r.Code)
	}
	if code, _ := b.get("/console/"); code != http.StatusOK {
		t.Errorf("session ended by a cross-site post: %d", code)
	}
}
