package console_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestLongListsArePaged: 60 cases and 64 people show 50 rows a page with 上一页/下一页 that keep
// the filters; the people search narrows by name or unit.
func TestLongListsArePaged(t *testing.T) {
	h := newHarness(t)
	prev := h.cal.Recent(h.clock.Now(), 2)[0]
	for i := range 60 {
		id := int64(60000 + i)
		unit := "松陵街道"
		if i%2 == 1 {
			unit = "震泽镇"
		}
		if err := h.store.SaveUser(h.ctx, &ganwei.User{ID: id, Name: fmt.Sprintf("干部%02d", i), Unit: unit, Role: ganwei.RoleCadre}); err != nil {
			t.Fatal(err)
		}
		c := &ganwei.CheckIn{UserID: id, Unit: unit, Period: prev.ID, Wellbeing: 3, Stress: 3, Support: ganwei.Supports[0],
			Benefits: ganwei.BenefitsAll[0], TalkAnswered: true, Talk: true, SubmittedAt: prev.Start.Add(time.Hour)}
		if _, err := h.store.SubmitCheckIn(h.ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	admin := h.signIn(testkit.AdminID)
	rows := func(body string) int { return strings.Count(body, `<th scope="row"><a href="/console/cases/`) }
	_, body := admin.get("/console/cases")
	if rows(body) != 50 || !strings.Contains(body, "第 1 / 2 页") || !strings.Contains(body, `href="/console/cases?page=2"`) {
		t.Errorf("cases page 1: %d rows", rows(body))
	}
	if _, body = admin.get("/console/cases?page=2"); rows(body) != 10 || !strings.Contains(body, "上一页") {
		t.Errorf("cases page 2: %d rows, want 10", rows(body))
	}
	if _, body = admin.get("/console/cases?unit=震泽镇"); rows(body) != 30 || strings.Contains(body, "下一页") {
		t.Errorf("震泽镇 cases: %d rows, want 30 on one page", rows(body))
	}
	if _, body = admin.get("/console/cases?page=99"); rows(body) != 10 {
		t.Errorf("page beyond the end: %d rows, want the last page", rows(body))
	}
	people := func(body string) int { return strings.Count(body, `/role">`) }
	_, body = admin.get("/console/people")
	if people(body) != 50-1 || !strings.Contains(body, "下一页") { // the admin's own row has no form
		t.Errorf("people page 1: %d role forms, want 49 and a next page", people(body))
	}
	if _, body = admin.get("/console/people?q=震泽镇"); !strings.Contains(body, "已绑定的人员（31）") {
		t.Errorf("search 震泽镇: want 31 people (30 cadres and 李强)")
	}
}
