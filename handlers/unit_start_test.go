package handlers_test

// /start with and without a code, the menus set at start-up, and /channel on the fake front end.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestUnitWelcomePerRole: /start without a code greets each role with what it can do; a guest is
// told how to bind.
func TestUnitWelcomePerRole(t *testing.T) {
	u := testkit.NewApp(t)
	for _, tc := range []struct {
		id        int64
		want, not []string
	}{
		{testkit.GuestID, []string{"您好，我是敢为助手", "直接打字提问", "/start 邀请码"}, []string{"关爱问卷：定期", "组织部工作"}},
		{testkit.CadreID, []string{"张伟同志", "欢迎使用敢为助手", "/checkin", "四项清单", "/help"}, []string{"组织部工作", "邀请码"}},
		{testkit.HRID, []string{"王芳同志", "• 组织部工作：发邀请码"}, []string{"邀请码完成绑定"}},
	} {
		got := u.Say(tc.id, "/start")
		wantText(t, "/start", got.Text, tc.want, tc.not...)
	}
	if menu := u.Front.Menu(testkit.GuestID); menu != nil {
		t.Errorf("/start without a code set a menu %v", menu)
	}
}

// TestUnitStartWithACode: a wrong, an expired and a used code are refused, each saying why and
// that nothing was bound; the person stays a guest.
func TestUnitStartWithACode(t *testing.T) {
	u := testkit.NewApp(t)
	inv := &ganwei.Invite{Name: "赵敏", Unit: "松陵街道", Position: "科员", Role: ganwei.RoleCadre, CreatedBy: testkit.AdminID}
	expired, err := u.Store.CreateInvite(u.Ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, "wrong code", u.Say(testkit.GuestID, "/start NOSUCHCODE").Text, []string{"邀请码无效", "没有完成绑定", "/start 邀请码"})
	u.Clock.Advance(ganwei.DefaultInviteTTL + time.Hour)
	wantText(t, "expired code", u.Say(testkit.GuestID, "/start "+expired).Text, []string{"已过期", "没有完成绑定", "重新获取"})
	if _, err := u.Store.UserByAccount(u.Ctx, ganwei.TelegramAccount(testkit.GuestID)); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("a refused code bound the guest: %v", err)
	}

	fresh, err := u.Store.CreateInvite(u.Ctx, &ganwei.Invite{Name: "钱七", Unit: "区委组织部", Position: "科员", Role: ganwei.RoleHR, CreatedBy: testkit.AdminID})
	if err != nil {
		t.Fatal(err)
	}
	bound := u.Say(testkit.GuestID, "/start "+fresh)
	wantText(t, "bound", bound.Text, []string{"钱七同志", "绑定成功：钱七（区委组织部 科员）", "组织部工作人员", "• 组织部工作"})
	if got, err := u.Store.UserByAccount(u.Ctx, ganwei.TelegramAccount(testkit.GuestID)); err != nil || got.Role != ganwei.RoleHR || got.Name != "钱七" || got.ID == testkit.GuestID {
		t.Errorf("stored %+v, %v", got, err)
	}
	if menu := u.Front.Menu(testkit.GuestID); !slices.Contains(menu, "summary") {
		t.Errorf("an HR officer's menu after binding: %v", menu)
	}
	wantText(t, "used code", u.Say(testkit.CadreID, "/start "+fresh).Text, []string{"已经用过了", "没有完成绑定"})
}

// TestUnitSyncMenus: at start-up the default menu is a cadre's; each staff member gets their own
// (an admin's has the admin commands), cadres none of their own.
func TestUnitSyncMenus(t *testing.T) {
	u := testkit.NewApp(t)
	if err := u.Handlers.SyncMenus(u.Ctx); err != nil {
		t.Fatal(err)
	}
	def := u.Front.Menu(0)
	if !slices.Contains(def, "checkin") || slices.Contains(def, "summary") || slices.Contains(def, "start") {
		t.Errorf("default menu %v; want a cadre's, without hidden commands", def)
	}
	if def[0] != "help" {
		t.Errorf("default menu starts with %s; want /help first", def[0])
	}
	if m := u.Front.Menu(testkit.CadreID); m != nil {
		t.Errorf("a cadre got a menu of their own: %v", m)
	}
	hr, admin := u.Front.Menu(testkit.HRID), u.Front.Menu(testkit.AdminID)
	if !slices.Contains(hr, "appoint") || !slices.Contains(hr, "unanswered") || slices.Contains(hr, "users") {
		t.Errorf("HR menu %v", hr)
	}
	if !slices.Contains(admin, "users") || !slices.Contains(admin, "audit") || !slices.Contains(admin, "appoint") {
		t.Errorf("admin menu %v", admin)
	}
	if slices.Contains(admin, "channel") {
		t.Errorf("/channel is hidden from menus: %v", admin)
	}

	// An administrator configured by GANWEI_ADMIN_IDS, whether stored or not, gets the admin menu.
	u.Handlers.AdminIDs = map[int64]bool{777: true, testkit.CadreID: true}
	if err := u.Handlers.SyncMenus(u.Ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{777, testkit.CadreID} {
		if m := u.Front.Menu(id); !slices.Contains(m, "users") {
			t.Errorf("configured admin %d got menu %v", id, m)
		}
	}
}

// TestUnitChannel: /channel shows where pushes go; someone with one account is told there is
// nothing to choose; someone with two picks one (stored); an unknown or unbound channel is refused.
func TestUnitChannel(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	wantText(t, "one account", u.Say(c, "/channel").Text, []string{"只绑定了一个渠道"})
	wantText(t, "unbound channel", u.Say(c, "/channel 企业微信").Text, []string{"还没有绑定企业微信账号", "联系组织部"}, "好的")
	if err := u.Store.LinkWeComAccount(u.Ctx, c, "zhangwei"); err != nil {
		t.Fatal(err)
	}
	wantText(t, "two accounts", u.Say(c, "/channel").Text, []string{"目前发到：最初绑定的渠道", "/channel 企业微信"})
	for _, tc := range []struct{ arg, stored, want string }{
		{"企微", "wecom", "只发到企业微信"},
		{"TG", "telegram", "只发到Telegram"},
		{"wecom", "wecom", "只发到企业微信"},
	} {
		wantText(t, "/channel "+tc.arg, u.Say(c, "/channel "+tc.arg).Text, []string{tc.want, "不会重复发送"})
		if got, err := u.Store.PreferredChannel(u.Ctx, c); err != nil || got != tc.stored {
			t.Errorf("/channel %s stored %q, %v", tc.arg, got, err)
		}
	}
	wantText(t, "current", u.Say(c, "/channel").Text, []string{"目前发到：企业微信"})
	wantText(t, "unknown", u.Say(c, "/channel 钉钉").Text, []string{"没有这个渠道"})
	if got, _ := u.Store.PreferredChannel(u.Ctx, c); got != "wecom" {
		t.Errorf("an unknown channel changed the preference to %q", got)
	}
	if got := u.Say(testkit.GuestID, "/channel").Text; !strings.Contains(got, "需要先绑定身份") {
		t.Errorf("guest /channel: %q", got)
	}
}
