package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/weblink"
)

// sentAppointment registers 李强 (震泽镇) and lets the scheduler send the first step.
func (h *harness) sentAppointment() *ganwei.Appointment {
	h.t.Helper()
	a, _, err := h.office.Appoint(h.as(testkit.AdminID), &ganwei.Appointment{TelegramID: testkit.LeaderID, Name: "李强", Unit: "震泽镇", Position: "镇长", Date: "2026-11-25"})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.office.Reminders.(*reminders.Service).Tick(h.ctx); err != nil {
		h.t.Fatal(err)
	}
	return a
}

// TestRemindNowFromTheBoard: the board offers 立即提醒 on a sent, unacknowledged step; pressing it
// reminds the leader once and says so; a second press is refused in words; another unit's officer
// cannot; after 已阅知 the button is gone.
func TestRemindNowFromTheBoard(t *testing.T) {
	h := newHarness(t)
	a := h.sentAppointment()
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	path := "/console/reminders/" + a.ID + "/remind/notice"
	if _, body := hr.get("/console/reminders"); !strings.Contains(body, `action="`+path+`"`) || strings.Contains(body, "/remind/power") {
		t.Fatal("the board does not offer 立即提醒 on the sent step only")
	}
	if r := hr.post(path, "", nil); r.Code != http.StatusForbidden || len(h.front.Messages(testkit.LeaderID)) != 1 {
		t.Errorf("without the CSRF token: %d, want 403 and nothing sent", r.Code)
	}
	r := hr.post(path, csrf, nil)
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "已请敢为助手立即提醒李强阅读") {
		t.Fatalf("remind now: %d\n%s", r.Code, r.Body)
	}
	if msgs := h.front.Messages(testkit.LeaderID); len(msgs) != 2 || !strings.HasPrefix(msgs[1].Text, "【提醒】") {
		t.Fatalf("leader's messages: %+v", msgs)
	}
	if r := hr.post(path, csrf, nil); r.Code != http.StatusConflict || !strings.Contains(r.Body, "刚刚已提醒过李强") {
		t.Errorf("second press: %d", r.Code)
	}
	if err := h.store.SetScope(h.ctx, testkit.HRID, []string{"七都镇"}); err != nil {
		t.Fatal(err)
	}
	if r := hr.post("/console/reminders/"+a.ID+"/remind/power", csrf, nil); r.Code != http.StatusNotFound {
		t.Errorf("another unit's officer: %d, want 404", r.Code)
	}
	if _, err := h.office.Acknowledge(h.as(testkit.LeaderID), a.ID, "notice"); err != nil {
		t.Fatal(err)
	}
	admin := h.signIn(testkit.AdminID)
	if _, body := admin.get("/console/reminders"); strings.Contains(body, `action="`+path+`"`) {
		t.Error("an acknowledged step still offers 立即提醒")
	}
	if r := admin.post(path, admin.csrf(), nil); r.Code != http.StatusConflict || !strings.Contains(r.Body, "无需再提醒") {
		t.Errorf("remind an acknowledged step: %d", r.Code)
	}
	if _, body := admin.get("/console/audit"); !strings.Contains(body, "王芳</strong> 请敢为助手立即提醒 李强阅读《任职提醒告知》") {
		t.Error("the 审计 page does not say who had whom reminded")
	}
}

// TestNewHandlersRefuseWithoutARightfulSession: every import, remind-now and scope handler
// answers 401 without a session or after it expired, 403 to a POST without the CSRF token, and
// nothing changes.
func TestNewHandlersRefuseWithoutARightfulSession(t *testing.T) {
	h := newHarness(t)
	a := h.sentAppointment()
	sheet := xlsxOf(t, apptHeader, []any{30002, "赵敏", "镇长", "七都镇", "2026-11-20"})
	roster := xlsxOf(t, rosterHeader, []any{"周杰", "七都镇", "科员", "干部"})
	gets := []string{"/console/reminders/import", "/console/reminders/import/template", "/console/people/import", "/console/people/import/template"}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/console/reminders/import/confirm", url.Values{"line": {"2"}, "tid": {"30002"}, "name": {"赵敏"}, "position": {"镇长"}, "unit": {"七都镇"}, "date": {"2026-11-20"}}},
		{"/console/reminders/" + a.ID + "/remind/notice", nil},
		{"/console/people/import/confirm", url.Values{"line": {"2"}, "name": {"周杰"}, "unit": {"七都镇"}, "position": {"科员"}, "role": {"干部"}}},
		{"/console/people/import/codes", url.Values{"name": {"周杰"}, "unit": {"七都镇"}, "position": {""}, "role": {"cadre"}, "code": {"X"}, "link": {""}, "expires": {""}, "sig": {"00"}}},
		{"/console/people/9004/scope", url.Values{"units": {"七都镇"}}},
	}
	uploads := map[string][]byte{"/console/reminders/import": sheet, "/console/people/import": roster}
	unchanged := func(when string) {
		t.Helper()
		if n := len(h.appointments()); n != 1 {
			t.Errorf("%s: %d appointments", when, n)
		}
		if n := len(h.front.Messages(testkit.LeaderID)); n != 1 {
			t.Errorf("%s: the leader got %d messages", when, n)
		}
		if u, _ := h.store.User(h.ctx, testkit.HRID); u.Scoped() {
			t.Errorf("%s: scope changed", when)
		}
		if log := inviteAudits(h); len(log) != 0 {
			t.Errorf("%s: invites issued", when)
		}
	}
	check := func(who string, b *browser, csrf string, want int) {
		t.Helper()
		for _, p := range gets {
			if code, body := b.get(p); code != want || (want == http.StatusUnauthorized && !strings.Contains(body, weblink.MsgSignedOut)) {
				t.Errorf("%s GET %s: %d, want %d", who, p, code, want)
			}
		}
		for _, p := range posts {
			if r := b.post(p.path, csrf, p.form); r.Code != want {
				t.Errorf("%s POST %s: %d, want %d", who, p.path, r.Code, want)
			}
		}
		for p, data := range uploads {
			if r := b.upload(p, csrf, "a.xlsx", data); r.Code != want {
				t.Errorf("%s upload %s: %d, want %d", who, p, r.Code, want)
			}
		}
		unchanged(who)
	}
	check("anonymous", h.browser(), "", http.StatusUnauthorized)

	admin := h.signIn(testkit.AdminID)
	csrf := admin.csrf()
	for _, p := range posts {
		if r := admin.post(p.path, "", p.form); r.Code != http.StatusForbidden {
			t.Errorf("POST %s without CSRF: %d, want 403", p.path, r.Code)
		}
		if r := admin.post(p.path, "wrong"+csrf, p.form); r.Code != http.StatusForbidden {
			t.Errorf("POST %s with a wrong CSRF token: %d, want 403", p.path, r.Code)
		}
	}
	for p, data := range uploads {
		if r := admin.upload(p, "", "a.xlsx", data); r.Code != http.StatusForbidden {
			t.Errorf("upload %s without CSRF: %d, want 403", p, r.Code)
		}
	}
	unchanged("without CSRF")

	h.clock.Advance(weblink.IdleTimeout)
	for _, p := range gets {
		if code, _ := admin.get(p); code != http.StatusUnauthorized {
			t.Errorf("expired session GET %s: %d, want 401", p, code)
		}
	}
	check("expired session", admin, csrf, http.StatusUnauthorized)

	// An officer whose role is revoked: the open session ends at once.
	hr := h.signIn(testkit.HRID)
	hrCSRF := hr.csrf()
	if err := h.store.SetRole(h.ctx, testkit.HRID, ganwei.RoleCadre); err != nil {
		t.Fatal(err)
	}
	for _, p := range posts[:3] {
		if r := hr.post(p.path, hrCSRF, p.form); r.Code != http.StatusUnauthorized && r.Code != http.StatusForbidden {
			t.Errorf("revoked officer POST %s: %d, want 401 or 403", p.path, r.Code)
		}
	}
	unchanged("revoked officer")
}

// TestAuditPageCoalescesRepeatedSummaryViewsNotCaseViews: five looks at the same summary within
// minutes are one line saying how many; every opening of a case stays a line of its own; the CSV
// export quotes a name that starts like a formula.
func TestAuditPageCoalescesRepeatedSummaryViewsNotCaseViews(t *testing.T) {
	h := newHarness(t)
	caseID := h.seedCheckIns()
	hr := h.signIn(testkit.HRID)
	for range 5 {
		if code, _ := hr.get("/console/checkins"); code != http.StatusOK {
			t.Fatal(code)
		}
		h.clock.Advance(time.Minute)
	}
	for range 3 {
		if code, _ := hr.get("/console/cases/" + caseID); code != http.StatusOK {
			t.Fatal(code)
		}
	}
	admin := h.signIn(testkit.AdminID)
	_, body := admin.get("/console/audit?person=王芳")
	if n := strings.Count(body, "王芳</strong> 查看了汇总统计"); n != 1 || !strings.Contains(body, "10 分钟内共 5 次") {
		t.Errorf("%d summary lines for five views, want one saying 共 5 次", n)
	}
	if n := strings.Count(body, "王芳</strong> 查看了跟进事项及本人答卷"); n != 3 {
		t.Errorf("%d case-view lines for three openings, want 3", n)
	}
	formula := ganwei.User{ID: 9010, Name: "=1+2", Unit: "七都镇", Role: ganwei.RoleHR}
	if err := h.store.SaveUser(h.ctx, &formula); err != nil {
		t.Fatal(err)
	}
	if _, err := h.staff.Summary(h.as(formula.ID), "", 4); err != nil {
		t.Fatal(err)
	}
	r := admin.do(mustGet(h, "/console/audit/export"))
	if !strings.Contains(r.Body, ",'=1+2,查看了汇总统计") {
		t.Errorf("the export does not quote a formula-like name:\n%s", r.Body)
	}
}

// TestAuditPagePagesThroughTheWholeLog: without a filter the page reads one page of the log (600
// entries: beyond the 500 a filter searches), a page past the end shows the last one, and a
// filter still finds its entries.
func TestAuditPagePagesThroughTheWholeLog(t *testing.T) {
	h := newHarness(t)
	at := h.clock.Now().Add(-700 * time.Minute)
	for i := range 600 {
		e := &ganwei.AuditEntry{At: at.Add(time.Duration(i) * time.Minute), Actor: testkit.HRID, Action: ganwei.AuditViewCase,
			Subject: testkit.CadreID, Detail: fmt.Sprintf("c%03d", i), Periods: []string{"2026-W46"}}
		if i == 0 {
			e.Action, e.Subject, e.Detail = ganwei.AuditExportIndividual, 0, "xlsx"
		}
		if err := h.store.Audit(h.ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	admin := h.signIn(testkit.AdminID)
	code, body := admin.get("/console/audit")
	if code != http.StatusOK || !strings.Contains(body, "第 1 / 12 页（第 1–50 条，共 600 条）") || strings.Count(body, "<li><time>") != 50 {
		t.Fatalf("first page: %d\n%s", code, body)
	}
	if _, body = admin.get("/console/audit?page=99"); !strings.Contains(body, "第 12 / 12 页（第 551–600 条，共 600 条）") || !strings.Contains(body, "王芳</strong> 导出了个人明细") {
		t.Errorf("past the end: want the last page with the oldest entry")
	}
	if _, body = admin.get("/console/audit?action=export_individual"); strings.Contains(body, "王芳</strong> 导出了个人明细") {
		t.Errorf("a filter found an entry older than the newest %d", 500)
	}
	if _, body = admin.get("/console/audit?action=view_case&person=王芳"); !strings.Contains(body, "共 500 条") {
		t.Errorf("filter by action and person over the newest 500: %s", body[strings.Index(body, "<main"):])
	}
}

// TestBoardSaysCancelledStepsWillNotGo: once a registration is cancelled, its unsent steps read
// 不再发送 without a due date, rather than 待发送 on a day they will never go out.
func TestBoardSaysCancelledStepsWillNotGo(t *testing.T) {
	h := newHarness(t)
	a := h.sentAppointment()
	if err := h.office.SetStatus(h.as(testkit.AdminID), a.ID, ganwei.AppointmentCancelled); err != nil {
		t.Fatal(err)
	}
	_, body := h.signIn(testkit.HRID).get("/console/reminders")
	if strings.Contains(body, `tag scheduled">`+ganwei.StepScheduled.Label()+"</span><br>") || strings.Count(body, `tag stopped">不再发送</span></td>`) != len(a.Steps)-1 {
		t.Errorf("board of a cancelled registration with %d unsent steps:\n%s", len(a.Steps)-1, body)
	}
}

// TestSigningInAgainEndsTheBrowsersEarlierSession: a second sign-in in the same browser (another
// officer at the same desk, or the same one again) ends the session the browser held, on the
// server too, so a copy of the old cookie opens nothing.
func TestSigningInAgainEndsTheBrowsersEarlierSession(t *testing.T) {
	h := newHarness(t)
	b := h.signIn(testkit.HRID)
	u, _ := url.Parse(h.srv.URL)
	var old string
	for _, c := range b.client.Jar.Cookies(u) {
		old = c.Value
	}
	if old == "" {
		t.Fatal("no session cookie after signing in")
	}
	link, err := h.links.IssueFor(h.ctx, testkit.AdminID)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := b.client.PostForm(link, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d", resp.StatusCode)
	}
	if _, _, err := h.links.Resume(h.ctx, old); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("the earlier session still resumes: %v", err)
	}
	if code, body := b.get("/console/"); code != http.StatusOK || !strings.Contains(body, "陈静") {
		t.Errorf("the new session: %d", code)
	}
}

// TestPeoplePageSaysWhoIsNotAVisitor: a leader registered for the 四项清单 before binding is
// listed as such on 人员, not as 访客 (the same words as the bot's /users).
func TestPeoplePageSaysWhoIsNotAVisitor(t *testing.T) {
	h := newHarness(t)
	if _, _, err := h.office.Appoint(h.as(testkit.AdminID), &ganwei.Appointment{TelegramID: 777001, Name: "周新", Unit: "震泽镇", Position: "副镇长", Date: "2026-11-25"}); err != nil {
		t.Fatal(err)
	}
	_, body := h.signIn(testkit.AdminID).get("/console/people")
	row := regexp.MustCompile(`<th scope="row">周新</th>.*?</tr>`).FindString(strings.ReplaceAll(body, "\n", " "))
	if !strings.Contains(row, "未绑定身份，已登记为新任职领导") || strings.Contains(row, "<td>访客</td>") {
		t.Errorf("the registered leader's row: %q", row)
	}
}
