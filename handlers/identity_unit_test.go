package handlers_test

import (
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestUnitWhoamiNamesTheAccountsInChinese: /whoami lists the person's accounts as people read
// them, and a stranger sees the account they write from; nobody is shown a "Telegram ID".
func TestUnitWhoamiNamesTheAccountsInChinese(t *testing.T) {
	u := testkit.NewApp(t)
	if err := u.Store.LinkWeComAccount(u.Ctx, testkit.CadreID, "zhangwei"); err != nil {
		t.Fatal(err)
	}
	got := u.Say(testkit.CadreID, "/whoami").Text
	if !strings.Contains(got, "已绑定：Telegram（9002）、企业微信（zhangwei）") || strings.Contains(got, "Telegram ID") {
		t.Errorf("/whoami of a person with two accounts = %q", got)
	}
	got = u.Say(testkit.GuestID, "/whoami").Text
	if !strings.Contains(got, "访客") || !strings.Contains(got, "Telegram（9001）") || strings.Contains(got, "Telegram ID") {
		t.Errorf("/whoami of a stranger = %q", got)
	}
}

// TestUnitLinkGivesACodeForTheOtherChannel: /link is for bound people and gives a one-time code
// that binds the other channel's account to the same person; a stranger is told to bind first.
func TestUnitLinkGivesACodeForTheOtherChannel(t *testing.T) {
	u := testkit.NewApp(t)
	got := u.Say(testkit.CadreID, "/link").Text
	i := strings.Index(got, "绑定码：")
	if i < 0 || !strings.Contains(got, "绑定 ") || !strings.Contains(got, "/start ") {
		t.Fatalf("/link = %q", got)
	}
	code := strings.TrimPrefix(got[i:], "绑定码：")[:10]
	bound, err := u.Store.RedeemInvite(u.Ctx, code, "wecom:zhangwei")
	if err != nil || bound.ID != testkit.CadreID || bound.Role != ganwei.RoleCadre || len(bound.Accounts) != 2 {
		t.Errorf("the link code bound %+v, %v; want the cadre with a second account", bound, err)
	}
	if got := u.Say(testkit.GuestID, "/link").Text; !strings.Contains(got, "绑定身份") {
		t.Errorf("/link of a stranger = %q", got)
	}
}

// TestUnitAppointAWeComLeader: HR may name a new leader by their 企业微信 account; one who is
// not a person yet becomes one with that account (and no role), and the appointment is theirs.
func TestUnitAppointAWeComLeader(t *testing.T) {
	u := testkit.NewApp(t)
	u.Say(testkit.HRID, "/appoint")
	if got := u.Say(testkit.HRID, "wecom:").Text; !strings.Contains(got, "wecom:成员账号") {
		t.Errorf("a malformed 企业微信 account: %q, want the format", got)
	}
	if got := u.Say(testkit.HRID, "wecom:chengang").Text; !strings.Contains(got, "还没有绑定身份") {
		t.Fatalf("an unbound 企业微信 leader: %q", got)
	}
	u.Say(testkit.HRID, "陈刚")
	u.Say(testkit.HRID, "党委书记")
	u.Say(testkit.HRID, "七都镇")
	plan := u.Say(testkit.HRID, "2026年11月23日")
	if !strings.Contains(plan.Text, "企业微信账号 chengang") {
		t.Fatalf("plan %q: want the leader named by their account", plan.Text)
	}
	u.Press(testkit.HRID, plan, "确认登记")
	person, err := u.Store.PersonByAccount(u.Ctx, "wecom:chengang")
	if err != nil || person <= ganwei.PersonIDBase {
		t.Fatalf("leader's person: %d, %v", person, err)
	}
	all, err := u.Store.Appointments(u.Ctx)
	if err != nil || len(all) != 1 || all[0].PersonID != person || all[0].Name != "陈刚" {
		t.Fatalf("appointments %+v, %v", all, err)
	}
}

// TestUnitLinkingAnAccountTellsThePerson: when a link code binds a new account (here 企业微信),
// the person is told on the channel they already use, so a forwarded code does not go unnoticed.
func TestUnitLinkingAnAccountTellsThePerson(t *testing.T) {
	u := testkit.NewApp(t)
	got := u.Say(testkit.CadreID, "/link").Text
	i := strings.Index(got, "绑定码：")
	if i < 0 {
		t.Fatalf("/link = %q", got)
	}
	code := strings.TrimPrefix(got[i:], "绑定码：")[:10]
	before := len(u.Front.Messages(testkit.CadreID))
	const wecomChat = 4242
	u.Handlers.Handle(u.Ctx, ganwei.Event{From: wecomChat, Account: "wecom:zhangwei", Name: "张伟", ChatID: wecomChat, Private: true, Text: "/start " + code})
	if m, ok := u.Front.Last(wecomChat); !ok || !strings.Contains(m.Text, "绑定成功") {
		t.Fatalf("the 企业微信 chat got %+v", m)
	}
	var warned bool
	for _, m := range u.Front.Messages(testkit.CadreID)[before:] {
		warned = warned || strings.Contains(m.Text, "绑定了新的账号：企业微信（zhangwei）") && strings.Contains(m.Text, "联系组织部")
	}
	if !warned {
		t.Errorf("the person's Telegram chat was not told of the new account: %+v", u.Front.Messages(testkit.CadreID)[before:])
	}
}
