package console_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

var rosterHeader = []string{"姓名", "单位", "职务", "角色"}

// TestInviteFromRosterPreviewConfirmDownload: the roster is previewed row by row (HR may not hand
// out HR rights, nor invite into a unit outside their scope, nor the same person twice); on
// confirmation (after the officer's scope was narrowed: that row is reported, not issued) the
// codes are issued through people.Service, shown once, and download as Excel
// whose cells are text (a formula in a name stays text); the download is audited.
func TestInviteFromRosterPreviewConfirmDownload(t *testing.T) {
	h := newHarness(t)
	if err := h.store.SetScope(h.ctx, testkit.HRID, []string{"七都镇", "震泽镇"}); err != nil {
		t.Fatal(err)
	}
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	formula := `=cmd|'/C calc'!A0` // DDE: would run a program if read as a formula
	r := hr.upload("/console/people/import", csrf, "花名册.xlsx", xlsxOf(t, rosterHeader,
		[]any{"周杰", "七都镇", "科员", ""},      // 2: good
		[]any{"吴芳", "震泽镇", "副镇长", "干部"},   // 3: good
		[]any{"郑强", "七都镇", "科员", "组织部"},   // 4: HR may not hand out HR rights
		[]any{"冯雪", "松陵街道", "科员", "干部"},   // 5: outside the scope
		[]any{"周杰", "七都镇", "科员", "干部"},    // 6: repeats row 2
		[]any{"", "七都镇", "科员", "干部"},      // 7: no name
		[]any{"陈亮", "七都镇", "科员", "局长"},    // 8: unknown role
		[]any{formula, "七都镇", "科员", "干部"}, // 9: a formula, kept as text
	))
	if r.Code != http.StatusOK {
		t.Fatalf("preview: %d\n%s", r.Code, r.Body)
	}
	for _, want := range []string{"可邀请 3 人", "有问题 5 行", "只有管理员可以发放组织部或管理员权限的邀请码", "您负责的单位是：七都镇、震泽镇",
		"与第 2 行重复", "姓名不能为空", "角色「局长」无法识别"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if log := inviteAudits(h); len(log) != 0 {
		t.Fatalf("the preview issued something: %+v", log)
	}
	form := formFields(t, r.Body, "/console/people/import/confirm")
	if err := h.store.SetScope(h.ctx, testkit.HRID, []string{"七都镇"}); err != nil { // narrowed before 确认
		t.Fatal(err)
	}
	c := hr.post("/console/people/import/confirm", csrf, form)
	if c.Code != http.StatusOK || !strings.Contains(c.Body, "已为 2 人生成邀请码") || !strings.Contains(c.Body, "第 3 行 吴芳（震泽镇）：您负责的单位是：七都镇") {
		t.Fatalf("confirm: %d\n%s", c.Code, c.Body)
	}
	dl := formFields(t, c.Body, "/console/people/import/codes")
	if len(dl["code"]) != 2 || dl.Get("sig") == "" {
		t.Fatalf("download form: %v", dl)
	}
	for _, code := range dl["code"] {
		if !strings.Contains(c.Body, code) {
			t.Errorf("code %s not shown", code)
		}
	}
	file := hr.post("/console/people/import/codes", csrf, dl)
	if file.Code != http.StatusOK || !strings.Contains(file.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("download: %d %s\n%s", file.Code, file.Header.Get("Content-Type"), file.Body)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(file.Body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("邀请码")
	if len(rows) != 3 || rows[1][4] != dl["code"][0] || !strings.HasPrefix(rows[1][5], "https://t.me/") {
		t.Fatalf("codes sheet rows: %v", rows)
	}
	for row := 2; row <= 3; row++ {
		for col := 1; col <= 7; col++ {
			ref, _ := excelize.CoordinatesToCellName(col, row)
			if f, _ := x.GetCellFormula("邀请码", ref); f != "" {
				t.Errorf("cell %s holds a formula: %q", ref, f)
			}
		}
	}
	if rows[2][0] != formula {
		t.Errorf("the formula-like name became %q, want the text as typed", rows[3][0])
	}
	log := inviteAudits(h)
	if len(log) != 2 || log[0].Action != ganwei.AuditExportInvites || log[1].Action != ganwei.AuditInviteMany || log[0].Actor != testkit.HRID || log[0].Detail != "2" {
		t.Errorf("audit log %+v, want the batch then its download by HR", log)
	}
	// Someone else's session, even an admin's, cannot turn the codes into a file.
	admin := h.signIn(testkit.AdminID)
	if r := admin.post("/console/people/import/codes", admin.csrf(), dl); r.Code != http.StatusForbidden {
		t.Errorf("another officer downloads the codes: %d, want 403", r.Code)
	}
	forged := url.Values{}
	for k, v := range dl {
		forged[k] = append([]string(nil), v...)
	}
	forged["code"][0] = "STOLEN01"
	if r := hr.post("/console/people/import/codes", csrf, forged); r.Code != http.StatusForbidden {
		t.Errorf("a changed code list: %d, want 403", r.Code)
	}
}

// TestAdminEditsHRScope: an admin sets and clears an HR officer's units on the 人员 page; HR
// cannot; the change is audited and a unit name too long is refused in words.
func TestAdminEditsHRScope(t *testing.T) {
	h := newHarness(t)
	admin := h.signIn(testkit.AdminID)
	csrf := admin.csrf()
	_, body := admin.get("/console/people")
	if !strings.Contains(body, `action="/console/people/9004/scope"`) || strings.Contains(body, `action="/console/people/9002/scope"`) {
		t.Error("the scope form is not offered for HR only")
	}
	path := "/console/people/9004/scope"
	if r := admin.post(path, csrf, url.Values{"units": {"七都镇、震泽镇，七都镇"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("set scope: %d\n%s", r.Code, r.Body)
	}
	u, _ := h.store.User(h.ctx, testkit.HRID)
	if strings.Join(u.Scope, ",") != "七都镇,震泽镇" {
		t.Errorf("scope %v", u.Scope)
	}
	if r := admin.post(path, csrf, url.Values{"units": {strings.Repeat("镇", 80)}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body, "单位名称不能超过") {
		t.Errorf("too long a unit: %d", r.Code)
	}
	if r := admin.post("/console/people/9002/scope", csrf, url.Values{"units": {"七都镇"}}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body, "只对组织部工作人员有意义") {
		t.Errorf("a scope for a cadre: %d", r.Code)
	}
	if r := admin.post(path, csrf, url.Values{"units": {""}}); r.Code != http.StatusSeeOther {
		t.Errorf("clear scope: %d", r.Code)
	}
	if u, _ = h.store.User(h.ctx, testkit.HRID); u.Scoped() {
		t.Errorf("scope not cleared: %v", u.Scope)
	}
	hr := h.signIn(testkit.HRID)
	if r := hr.post(path, hr.csrf(), url.Values{"units": {"七都镇"}}); r.Code != http.StatusForbidden {
		t.Errorf("HR edits scopes: %d, want 403", r.Code)
	}
	if u, _ = h.store.User(h.ctx, testkit.HRID); u.Scoped() {
		t.Errorf("HR changed their own scope: %v", u.Scope)
	}
	log, _ := h.staff.AuditLog(h.as(testkit.AdminID), 10)
	n := 0
	for _, e := range log {
		if e.Action == ganwei.AuditSetScope && e.Actor == testkit.AdminID && e.Subject == testkit.HRID {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d scope changes audited, want 2: %+v", n, log)
	}
	if _, body := admin.get("/console/audit"); !strings.Contains(body, "调整了负责单位") || !strings.Contains(body, "负责单位：七都镇、震泽镇") {
		t.Error("the 审计 page does not say who changed whose scope")
	}
}

// inviteAudits are the audit entries about invites, newest first.
func inviteAudits(h *harness) []*ganwei.AuditEntry {
	h.t.Helper()
	all, err := h.staff.AuditLog(h.as(testkit.AdminID), 100)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []*ganwei.AuditEntry
	for _, e := range all {
		if e.Action == ganwei.AuditInviteMany || e.Action == ganwei.AuditExportInvites {
			out = append(out, e)
		}
	}
	return out
}
