package handlers_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestUnitUsersAndRole: an admin lists people and changes a role; the person's menu follows; one's
// own role and unknown people are refused with the service's sentence.
func TestUnitUsersAndRole(t *testing.T) {
	u := testkit.NewApp(t)
	if got := u.Say(testkit.AdminID, "/users").Text; !strings.Contains(got, "共 4 人") || !strings.Contains(got, "张伟") {
		t.Errorf("/users: %q", got)
	}
	if got := u.Say(testkit.AdminID, "/role "+strconv.FormatInt(testkit.CadreID, 10)+" 组织部").Text; !strings.Contains(got, "调整为组织部工作人员") {
		t.Errorf("/role to HR: %q", got)
	}
	if menu := u.Front.Menu(testkit.CadreID); !slices.Contains(menu, "summary") {
		t.Errorf("promoted person's menu %v lacks /summary", menu)
	}
	if got := u.Say(testkit.AdminID, "/role "+strconv.FormatInt(testkit.AdminID, 10)+" 撤销").Text; !strings.Contains(got, "不能调整自己的角色") {
		t.Errorf("/role on oneself: %q", got)
	}
	if got := u.Say(testkit.AdminID, "/role 123 组织部").Text; !strings.Contains(got, "没有找到") {
		t.Errorf("/role on a stranger: %q", got)
	}
	if got := u.Say(testkit.HRID, "/users").Text; !strings.Contains(got, "仅对管理员开放") {
		t.Errorf("HR /users: %q", got)
	}
}

// TestUnitUnansweredQueue: a question the knowledge base lacks is declined and queued for HR.
func TestUnitUnansweredQueue(t *testing.T) {
	u := testkit.NewApp(t)
	u.Say(testkit.CadreID, "单位食堂周末几点开门")
	if got := u.Say(testkit.HRID, "/unanswered").Text; !strings.Contains(got, "食堂") || !strings.Contains(got, "1 次") {
		t.Errorf("/unanswered: %q", got)
	}
}

// TestUnitWhoamiCancelMyCheckInsAndForgetMe: a cadre's own commands.
func TestUnitWhoamiCancelMyCheckInsAndForgetMe(t *testing.T) {
	u := testkit.NewApp(t)
	if got := u.Say(testkit.CadreID, "/whoami").Text; !strings.Contains(got, "张伟") || !strings.Contains(got, "干部") {
		t.Errorf("/whoami: %q", got)
	}
	if got := u.Say(testkit.CadreID, "/cancel").Text; !strings.Contains(got, "已取消") {
		t.Errorf("/cancel: %q", got)
	}
	if got := u.Say(testkit.CadreID, "/mycheckins").Text; !strings.Contains(got, "还没有填写过") {
		t.Errorf("/mycheckins before any: %q", got)
	}
	ask := u.Say(testkit.CadreID, "/forgetme")
	u.Press(testkit.CadreID, ask, "确认删除")
	if done := u.Message(testkit.CadreID, ask.ID); done.Edits != 1 || !strings.Contains(done.Text, "个人资料") {
		t.Errorf("after 确认删除 the message reads %q", done.Text)
	}
	if got := u.Say(testkit.CadreID, "/whoami").Text; !strings.Contains(got, "访客") {
		t.Errorf("/whoami after /forgetme: %q", got)
	}
}

// TestUnitStaffCheckInCommands: /summary, /cases, /export, /pause and /audit on the fake.
func TestUnitStaffCheckInCommands(t *testing.T) {
	u := testkit.NewApp(t)
	if got := u.Say(testkit.HRID, "/summary").Text; !strings.Contains(got, "关爱问卷") {
		t.Errorf("/summary: %q", got)
	}
	if got := u.Say(testkit.HRID, "/cases").Text; got == "" {
		t.Error("/cases said nothing")
	}
	u.Say(testkit.HRID, "/export")
	var file string
	for _, m := range u.Front.Messages(testkit.HRID) {
		if m.File != "" {
			file = m.File
		}
	}
	if !strings.HasSuffix(file, ".xlsx") {
		t.Errorf("/export sent file %q, want a workbook", file)
	}
	if got := u.Say(testkit.HRID, "/pause 松陵街道").Text; !strings.Contains(got, "已暂停") {
		t.Errorf("/pause: %q", got)
	}
	if got := u.Say(testkit.HRID, "/pause").Text; !strings.Contains(got, "松陵街道") {
		t.Errorf("/pause list: %q", got)
	}
	if got := u.Say(testkit.AdminID, "/audit").Text; !strings.Contains(got, "王芳") {
		t.Errorf("/audit does not name HR's views: %q", got)
	}
}

// TestUnitAppointListManageAndAck: HR registers a leader after confirming the plan, finds them in
// /reminders, pauses the sequence; 已阅知 is refused to anyone but the leader.
func TestUnitAppointListManageAndAck(t *testing.T) {
	u := testkit.NewApp(t)
	plan := u.Say(testkit.HRID, "/appoint "+strconv.FormatInt(testkit.LeaderID, 10)+" 李强 镇长 震泽镇 2026年11月23日")
	if !strings.Contains(plan.Text, "请确认") {
		t.Fatalf("/appoint plan: %q", plan.Text)
	}
	u.Press(testkit.HRID, plan, "确认登记")
	if got, _ := u.Front.Last(testkit.HRID); !strings.Contains(got.Text, "李强") || got.ID == plan.ID {
		t.Fatalf("after 确认登记: %q", got.Text)
	}
	list := u.Say(testkit.HRID, "/reminders")
	u.Press(testkit.HRID, list, "查看进度：李强")
	steps, _ := u.Front.Last(testkit.HRID)
	u.Press(testkit.HRID, steps, "暂停")
	if a := u.Front.Answers(); len(a) == 0 || a[len(a)-1].Text != "已暂停" {
		t.Errorf("暂停 answered %+v", a)
	}
	all, err := u.Store.Appointments(u.Ctx)
	if err != nil || len(all) != 1 || all[0].Status != ganwei.AppointmentPaused {
		t.Fatalf("appointments %+v, %v; want one, paused", all, err)
	}
	ack := reminders.AckData(all[0].ID, all[0].Steps[0].ID)
	u.Handlers.Handle(u.Ctx, ganwei.Event{From: testkit.CadreID, ChatID: testkit.CadreID, Private: true, Action: &ganwei.Action{ID: "k", Payload: ack}})
	if a := u.Front.Answers(); !a[len(a)-1].Alert {
		t.Errorf("someone else's 已阅知 answered %+v, want a refusal", a[len(a)-1])
	}
}

// TestUnitRoleWithUnitsScopesHR: /role ID 组织部 UNIT makes an HR officer for that unit, whose
// /summary is then that unit's; units for another role are refused.
func TestUnitRoleWithUnitsScopesHR(t *testing.T) {
	u := testkit.NewApp(t)
	id := strconv.FormatInt(testkit.CadreID, 10)
	if got := u.Say(testkit.AdminID, "/role "+id+" 组织部 震泽镇").Text; !strings.Contains(got, "负责：震泽镇") {
		t.Fatalf("/role with a unit: %q", got)
	}
	if got := u.Say(testkit.CadreID, "/summary").Text; !strings.Contains(got, "震泽镇") {
		t.Errorf("scoped /summary: %q", got)
	}
	if got := u.Say(testkit.CadreID, "/summary 松陵街道").Text; !strings.Contains(got, "您负责的单位是：震泽镇") {
		t.Errorf("scoped /summary of another unit: %q", got)
	}
	if got := u.Say(testkit.AdminID, "/users").Text; !strings.Contains(got, "负责：震泽镇") {
		t.Errorf("/users does not show the scope: %q", got)
	}
	if got := u.Say(testkit.AdminID, "/role "+id+" 干部 震泽镇").Text; !strings.Contains(got, "只适用于组织部") {
		t.Errorf("units for a cadre: %q", got)
	}
}

// TestUnitTalkAlertGoesToHRCoveringTheUnit: a request to talk alerts the admins and the HR
// officers whose scope covers the person's unit, not HR of other units.
func TestUnitTalkAlertGoesToHRCoveringTheUnit(t *testing.T) {
	u := testkit.NewApp(t)
	if err := u.Store.SetScope(u.Ctx, testkit.HRID, []string{"震泽镇"}); err != nil {
		t.Fatal(err)
	}
	q := u.Say(testkit.CadreID, "/checkin")
	for i := 0; i < 5; i++ {
		cur := u.Message(testkit.CadreID, q.ID)
		if len(cur.Buttons) == 0 {
			t.Fatalf("question %d has no buttons: %q", i+1, cur.Text)
		}
		u.Press(testkit.CadreID, cur, cur.Buttons[0][0].Label) // the fifth: 希望谈一谈
	}
	alerted := func(id int64) bool {
		for _, m := range u.Front.Messages(id) {
			if strings.Contains(m.Text, "希望与组织谈心谈话") {
				return true
			}
		}
		return false
	}
	if !alerted(testkit.AdminID) {
		t.Error("the admin was not alerted")
	}
	if alerted(testkit.HRID) {
		t.Error("HR of another unit was alerted")
	}
}

// TestUnitUsersShowsStanding: /users tells apart, instead of calling them all 访客, a leader
// registered for the 四项清单 who has not bound an invite yet and an administrator named by
// GANWEI_ADMIN_IDS (stored with no role); someone whose role was revoked is still a 访客.
func TestUnitUsersShowsStanding(t *testing.T) {
	u := testkit.NewApp(t)
	u.Handlers.AdminIDs = map[int64]bool{777: true}
	u.Handlers.Register()
	if err := u.Handlers.SyncMenus(u.Ctx); err != nil { // makes a person for the configured admin
		t.Fatal(err)
	}
	plan := u.Say(testkit.HRID, "/appoint 20002 陈刚 党委书记 七都镇 2026年11月23日")
	u.Press(testkit.HRID, plan, "确认登记")
	if got := u.Say(testkit.AdminID, "/role "+strconv.FormatInt(testkit.CadreID, 10)+" 撤销").Text; !strings.Contains(got, "已撤销") {
		t.Fatalf("/role 撤销: %q", got)
	}
	got := u.Say(testkit.AdminID, "/users").Text
	line := func(name string) string {
		for _, l := range strings.Split(got, "\n") {
			if strings.Contains(l, name) {
				return l
			}
		}
		t.Fatalf("/users has no line for %s: %q", name, got)
		return ""
	}
	if l := line("陈刚"); !strings.Contains(l, "· 未绑定身份，已登记为新任职领导（编号") || strings.Contains(l, "访客") {
		t.Errorf("registered leader: %q", l)
	}
	if l := line(". 管理员 ·"); !strings.Contains(l, "· 管理员，由系统配置指定（编号") || strings.Contains(l, "访客") {
		t.Errorf("configured admin: %q", l)
	}
	if l := line("张伟"); !strings.Contains(l, "访客") {
		t.Errorf("revoked cadre: %q", l)
	}
	if !strings.Contains(got, "共 6 人") {
		t.Errorf("/users header: %q", got)
	}

	// Revoking a configured administrator records it but does not claim they are now a 访客.
	var id string
	for _, f := range strings.Fields(line(". 管理员 ·")) {
		if n, err := strconv.ParseInt(strings.TrimRight(f, "）"), 10, 64); err == nil {
			id = strconv.FormatInt(n, 10)
		}
	}
	if got := u.Say(testkit.AdminID, "/role "+id+" 撤销").Text; strings.Contains(got, "现为访客") || !strings.Contains(got, "由系统配置指定为管理员") {
		t.Errorf("/role 撤销 on a configured admin: %q", got)
	}
}
