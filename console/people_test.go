package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestHRInvitesCadresOnlyAndSeesNoList: HR gets a code and the bot link for a cadre, is refused
// an HR invite with the service's sentence, and sees no list of people (admins only).
func TestHRInvitesCadresOnlyAndSeesNoList(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	r := hr.post("/console/people/invite", csrf, url.Values{"name": {"赵敏"}, "unit": {"松陵街道"}, "position": {"科员"}, "role": {"cadre"}})
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "邀请码已生成") || !strings.Contains(r.Body, "https://t.me/ganwei_test_bot?start=") {
		t.Fatalf("HR invites a cadre: %d\n%s", r.Code, r.Body)
	}
	r = hr.post("/console/people/invite", csrf, url.Values{"name": {"钱七"}, "unit": {"区委组织部"}, "role": {"hr"}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body, "只有管理员") || !strings.Contains(r.Body, `value="钱七"`) {
		t.Errorf("HR invites HR: %d, want 400 with the refusal and the form kept", r.Code)
	}
	r = hr.post("/console/people/invite", csrf, url.Values{"name": {""}, "unit": {"松陵街道"}, "role": {"cadre"}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body, `role="alert"`) {
		t.Errorf("invite without a name: %d, want 400 with the reason", r.Code)
	}
	if _, body := hr.get("/console/people"); strings.Contains(body, "陈静") {
		t.Error("HR sees the list of people")
	}
	if r := hr.post("/console/people/"+strconv.FormatInt(testkit.CadreID, 10)+"/role", csrf, url.Values{"role": {"hr"}}); r.Code != http.StatusForbidden {
		t.Errorf("HR changes a role: %d, want 403", r.Code)
	}
}

// TestAdminChangesAndRevokesRolesAndTheSessionEnds: an admin lists people, promotes a cadre,
// revokes HR after a confirmation page (whose web session ends at once), and cannot change their
// own role.
func TestAdminChangesAndRevokesRolesAndTheSessionEnds(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	admin := h.signIn(testkit.AdminID)
	csrf := admin.csrf()
	if _, body := admin.get("/console/people"); !strings.Contains(body, "张伟") || !strings.Contains(body, "王芳") {
		t.Fatalf("admin's list lacks people")
	}
	cadre := strconv.FormatInt(testkit.CadreID, 10)
	if r := admin.post("/console/people/"+cadre+"/role", csrf, url.Values{"role": {"hr"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("promote: %d %s", r.Code, r.Body)
	}
	if u, _ := h.store.User(h.ctx, testkit.CadreID); u.Role != ganwei.RoleHR {
		t.Errorf("张伟 is %s, want hr", u.Role)
	}
	hrID := strconv.FormatInt(testkit.HRID, 10)
	if code, body := admin.get("/console/people/" + hrID + "/revoke"); code != http.StatusOK || !strings.Contains(body, "确认撤销") {
		t.Fatalf("revoke confirmation: %d", code)
	}
	if code, _ := hr.get("/console/"); code != http.StatusOK {
		t.Fatal("the confirmation page revoked")
	}
	if r := admin.post("/console/people/"+hrID+"/role", csrf, url.Values{"role": {""}}); r.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Code)
	}
	if code, _ := hr.get("/console/"); code != http.StatusUnauthorized {
		t.Errorf("revoked HR's session: %d, want 401", code)
	}
	if r := admin.post("/console/people/"+strconv.FormatInt(testkit.AdminID, 10)+"/role", csrf, url.Values{"role": {"cadre"}}); r.Code != http.StatusConflict {
		t.Errorf("own role: %d, want 409", r.Code)
	}
	if r := admin.post("/console/people/"+cadre+"/role", "", url.Values{"role": {"admin"}}); r.Code != http.StatusForbidden {
		t.Errorf("role change without csrf: %d, want 403", r.Code)
	}
}
