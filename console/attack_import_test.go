package console_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

// rosterFingerprint recomputes the preview's fingerprint the way anyone reading the page source
// can: it is a checksum of what was shown, not a secret.
func rosterFingerprint(f url.Values) string {
	h := sha256.New()
	for i := range f["line"] {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x01", f["line"][i], f["name"][i], f["unit"][i], f["position"][i], f["role"][i])
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// storedInvites reads every unredeemed invite under the harness's prefix.
func storedInvites(h *harness) []ganwei.Invite {
	h.t.Helper()
	c := h.store.Client()
	var out []ganwei.Invite
	iter := c.Scan(h.ctx, 0, h.store.Prefix()+":invite:*", 1000).Iterator()
	for iter.Next(h.ctx) {
		raw := c.HGet(h.ctx, iter.Val(), "payload").Val()
		if raw == "" {
			continue
		}
		var inv ganwei.Invite
		if err := json.Unmarshal([]byte(raw), &inv); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, inv)
	}
	return out
}

// TestAttackRosterConfirmTampered: a unit-scoped HR officer previews a clean roster, then edits
// the hidden rows of the confirmation form (role 管理员, a unit outside the scope, a row that
// was never previewed) and recomputes the fingerprint. Confirmation re-checks every row in
// people.Service: no invite for an admin, for HR, or outside the scope is issued.
func TestAttackRosterConfirmTampered(t *testing.T) {
	h := newHarness(t)
	if err := h.store.SetScope(h.ctx, testkit.HRID, []string{"七都镇"}); err != nil {
		t.Fatal(err)
	}
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	r := hr.upload("/console/people/import", csrf, "花名册.xlsx", xlsxOf(t, rosterHeader,
		[]any{"周杰", "七都镇", "科员", ""}, []any{"吴芳", "七都镇", "副镇长", "干部"}))
	form := formFields(t, r.Body, "/console/people/import/confirm")
	if len(form["line"]) != 2 {
		t.Fatalf("preview form: %v", form)
	}
	form["role"][0] = "管理员"
	form["unit"][1] = "松陵街道"
	for k, v := range map[string]string{"line": "99", "name": "孙权", "unit": "七都镇", "position": "科员", "role": "组织部"} {
		form[k] = append(form[k], v)
	}
	form.Set("previewed", rosterFingerprint(form))
	c := hr.post("/console/people/import/confirm", csrf, form)
	if strings.Contains(c.Body, "需要重新预览") {
		t.Fatalf("the recomputed fingerprint was refused; the test no longer reaches the service")
	}
	for _, inv := range storedInvites(h) {
		if inv.Role != ganwei.RoleCadre || inv.Unit != "七都镇" {
			t.Errorf("a tampered row was issued: %+v", inv)
		}
	}
	if c.Code == http.StatusOK && strings.Contains(c.Body, "已为") && !strings.Contains(c.Body, "只有管理员可以发放") {
		t.Errorf("confirm does not say why the tampered rows were skipped:\n%s", c.Body)
	}
	// The 四项清单 import the same way: a row moved to another unit is not registered.
	sheet := xlsxOf(t, apptHeader, []any{30002, "赵敏", "镇长", "七都镇", "2026-11-20"})
	r = hr.upload("/console/reminders/import", csrf, "a.xlsx", sheet)
	af := formFields(t, r.Body, "/console/reminders/import/confirm")
	if len(af["tid"]) != 1 {
		t.Fatalf("appointment preview form: %v", af)
	}
	af["unit"][0] = "松陵街道"
	hh := sha256.New()
	fmt.Fprintf(hh, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x01", af["line"][0], af["tid"][0], af["name"][0], af["position"][0], af["unit"][0], af["date"][0])
	af.Set("previewed", hex.EncodeToString(hh.Sum(nil)[:8]))
	hr.post("/console/reminders/import/confirm", csrf, af)
	for _, a := range h.appointments() {
		if a.Unit != "七都镇" {
			t.Errorf("a tampered appointment row was registered: %+v", a)
		}
	}
}

// TestAttackConsoleAfterForgetMe: an HR officer signed in to the console deletes themselves with
// /forgetme (the bot). Their open console session reads no page and changes nothing afterwards:
// no roster preview, no knowledge edit.
func TestAttackConsoleAfterForgetMe(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	if _, err := h.store.Forget(h.ctx, testkit.HRID); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/console/", "/console/people", "/console/cases", "/console/knowledge", "/console/reminders"} {
		if code, body := hr.get(path); code == http.StatusOK && !strings.Contains(body, "登录") {
			t.Errorf("GET %s after /forgetme: %d", path, code)
		}
	}
	r := hr.upload("/console/people/import", csrf, "花名册.xlsx", xlsxOf(t, rosterHeader, []any{"周杰", "七都镇", "科员", ""}))
	if r.Code == http.StatusOK && strings.Contains(r.Body, "/console/people/import/confirm") {
		t.Errorf("roster preview after /forgetme: %d", r.Code)
	}
	form := url.Values{"title": {"干部周转房申请"}, "category": {"关心关爱"}, "questions": {"干部周转房怎么申请"},
		"answer":  {"异地任职的干部可向区委组织部干部科申请周转房，填写申请表并附任职文件，一般 10 个工作日内答复。"},
		"excerpt": {"异地交流任职干部可申请周转住房。"}, "document": {"《区委组织部关于干部周转房管理的通知》"}, "base": {"0"}}
	hr.post("/console/knowledge/new", csrf, form)
	if live, _ := h.store.KBLive(h.ctx); live != 0 {
		t.Errorf("a knowledge change by a forgotten officer: live version %d", live)
	}
}
