package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestAnotherUnitsHRCannotSeeOrActOnIt: an HR officer scoped to 震泽镇 sees neither the 松陵街道
// case, nor its appointment, nor its summary, and cannot act on them; narrowing the scope of a
// signed-in officer takes effect on their next request.
func TestAnotherUnitsHRCannotSeeOrActOnIt(t *testing.T) {
	h := newHarness(t)
	caseID := h.seedCheckIns() // 张伟's case, 松陵街道
	a, _, err := h.office.Appoint(h.as(testkit.AdminID), &ganwei.Appointment{TelegramID: testkit.CadreID, Name: "张伟", Unit: "松陵街道", Position: "副镇长", Date: "2026-11-24"})
	if err != nil {
		t.Fatal(err)
	}
	hr := h.signIn(testkit.HRID) // all units while signed in
	csrf := hr.csrf()
	if _, body := hr.get("/console/cases"); !strings.Contains(body, "/console/cases/"+caseID) {
		t.Fatal("an unscoped officer does not see the case")
	}
	if err := h.store.SetScope(h.ctx, testkit.HRID, []string{"震泽镇"}); err != nil {
		t.Fatal(err)
	}

	// 跟进事项: not listed, not opened, not changed.
	if _, body := hr.get("/console/cases"); strings.Contains(body, caseID) || strings.Contains(body, "张伟") {
		t.Error("the narrowed officer still sees the other unit's case in the list")
	}
	if code, body := hr.get("/console/cases/" + caseID); code != http.StatusNotFound || strings.Contains(body, "加班") {
		t.Errorf("opening the other unit's case: %d, want 404 without the answer", code)
	}
	for _, step := range []string{"assign", "contacted", "close"} {
		if r := hr.post("/console/cases/"+caseID+"/"+step, csrf, nil); r.Code != http.StatusNotFound {
			t.Errorf("%s on the other unit's case: %d, want 404", step, r.Code)
		}
	}
	if r := hr.post("/console/cases/"+caseID+"/note", csrf, url.Values{"note": {"越权备注"}}); r.Code != http.StatusNotFound {
		t.Errorf("note on the other unit's case: %d, want 404", r.Code)
	}
	c, err := h.store.Case(h.ctx, caseID)
	if err != nil || c.Status != ganwei.CaseOpen || len(c.Notes) != 1 {
		t.Errorf("the other unit's case changed: %+v %v", c, err)
	}
	log, _ := h.staff.AuditLog(h.as(testkit.AdminID), 50)
	for _, e := range log {
		if e.Actor == testkit.HRID && e.Action == ganwei.AuditViewCase {
			t.Errorf("an out-of-scope view was audited as a view: %+v", e)
		}
	}

	// 四项清单: not on the board, not paused, not cancelled.
	if _, body := hr.get("/console/reminders"); strings.Contains(body, a.ID) || strings.Contains(body, "张伟") {
		t.Error("the board shows the other unit's appointment")
	}
	for _, st := range []string{"paused", "cancelled"} {
		if r := hr.post("/console/reminders/"+a.ID+"/status", csrf, url.Values{"status": {st}}); r.Code != http.StatusNotFound {
			t.Errorf("%s on the other unit's appointment: %d, want 404", st, r.Code)
		}
	}
	if code, _ := hr.get("/console/reminders/" + a.ID + "/cancel"); code != http.StatusNotFound {
		t.Errorf("cancel confirmation of the other unit's appointment: %d, want 404", code)
	}
	if got, _ := h.store.Appointment(h.ctx, a.ID); got.Status != ganwei.AppointmentActive {
		t.Errorf("the other unit's appointment is %s", got.Status)
	}
	if r := hr.post("/console/reminders/new", csrf, url.Values{"telegram_id": {"9002"}, "name": {"张伟"}, "unit": {"松陵街道"}, "position": {"副镇长"}, "date": {"2026-11-24"}}); r.Code == http.StatusOK && strings.Contains(r.Body, "确认登记") {
		t.Error("the officer may preview a registration in another unit")
	}

	// 关爱问卷 and 总览: their own unit, never another's or everyone's.
	for _, path := range []string{"/console/", "/console/checkins", "/console/checkins/print"} {
		code, body := hr.get(path)
		if code != http.StatusOK || !strings.Contains(body, "震泽镇") || strings.Contains(body, "松陵街道") {
			t.Errorf("%s for the 震泽镇 officer: %d, want their unit only", path, code)
		}
	}
	for _, path := range []string{"/console/checkins?unit=松陵街道", "/console/checkins/print?unit=松陵街道", "/console/?unit=松陵街道"} {
		if code, body := hr.get(path); code != http.StatusForbidden || strings.Contains(body, "松陵街道</") {
			t.Errorf("%s: %d, want 403", path, code)
		}
	}
	if r := hr.do(mustGet(h, "/console/checkins/export?format=csv")); r.Code != http.StatusForbidden {
		t.Errorf("export spanning all units by a scoped officer: %d, want 403", r.Code)
	}

	// Covering several units: their first by default, a picker of theirs, never everyone's.
	if err := h.store.SetScope(h.ctx, testkit.HRID, []string{"震泽镇", "七都镇"}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/console/", "/console/checkins"} {
		code, body := hr.get(path)
		if code != http.StatusOK || !strings.Contains(body, `<option value="七都镇"`) || strings.Contains(body, "松陵街道") {
			t.Errorf("%s for an officer of two units: %d, want their units in a picker", path, code)
		}
	}
	if code, body := hr.get("/console/checkins?unit=七都镇"); code != http.StatusOK || !strings.Contains(body, "关爱问卷汇总 · 七都镇") {
		t.Errorf("their second unit: %d", code)
	}

}

func mustGet(h *harness, path string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return req
}
