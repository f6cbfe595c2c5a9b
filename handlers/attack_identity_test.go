package handlers_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/testkit"
)

var attackLinkCode = regexp.MustCompile(`绑定码：([A-Z0-9]{10})`)

// linkCodeOf asks for /link as person from and returns the code.
func linkCodeOf(t *testing.T, u *testkit.App, from int64) string {
	t.Helper()
	m := attackLinkCode.FindStringSubmatch(u.Say(from, "/link").Text)
	if m == nil {
		t.Fatalf("/link as %d gave no code", from)
	}
	return m[1]
}

// dumpPrefix returns every key under the store's prefix with its value, one line each, so that a
// test can look for what names a person anywhere in Redis.
func dumpPrefix(t *testing.T, u *testkit.App) []string {
	t.Helper()
	c, ctx := u.Store.Client(), u.Ctx
	var out []string
	iter := c.Scan(ctx, 0, u.Store.Prefix()+":*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		var val any
		switch c.Type(ctx, k).Val() {
		case "string":
			val = c.Get(ctx, k).Val()
		case "hash":
			val = c.HGetAll(ctx, k).Val()
		case "list":
			val = c.LRange(ctx, k, 0, -1).Val()
		case "set":
			val = c.SMembers(ctx, k).Val()
		case "zset":
			val = c.ZRangeWithScores(ctx, k, 0, -1).Val()
		case "stream":
			val = c.XRange(ctx, k, "-", "+").Val()
		}
		out = append(out, fmt.Sprintf("%s = %v", k, val))
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAttackForgetMeLeavesNoAccountOrLinkCode: a cadre with two accounts (Telegram and
// 企业微信 linked with /link), a preferred channel and a second, unused link code deletes
// everything with /forgetme. Afterwards no key or value under the prefix names the person (id,
// name, either account), and the unused link code binds nobody.
func TestAttackForgetMeLeavesNoAccountOrLinkCode(t *testing.T) {
	u := testkit.NewApp(t)
	code := linkCodeOf(t, u, testkit.CadreID)
	if _, err := u.Store.RedeemInvite(u.Ctx, code, "wecom:zhangwei"); err != nil {
		t.Fatal(err)
	}
	if got := u.Say(testkit.CadreID, "/channel wecom").Text; !strings.Contains(got, "企业微信") {
		t.Fatalf("/channel wecom = %q", got)
	}
	unused := linkCodeOf(t, u, testkit.CadreID)

	m := u.Say(testkit.CadreID, "/forgetme")
	u.Press(testkit.CadreID, m, "确认删除")
	if got := u.Say(testkit.CadreID, "/whoami").Text; !strings.Contains(got, "访客") {
		t.Fatalf("/whoami after /forgetme = %q", got)
	}
	if _, err := u.Store.PersonByAccount(u.Ctx, "wecom:zhangwei"); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("wecom:zhangwei still leads somewhere after /forgetme: %v", err)
	}
	names := regexp.MustCompile(`(^|[^0-9])9002([^0-9]|$)|张伟|zhangwei|telegram:9002`)
	for _, line := range dumpPrefix(t, u) {
		if names.MatchString(line) {
			t.Errorf("left after /forgetme: %s", line)
		}
	}
	if bound, err := u.Store.RedeemInvite(u.Ctx, unused, "wecom:someoneelse"); err == nil {
		t.Errorf("the forgotten person's unused link code bound %+v", bound)
	}
}

// TestAttackLinkCodeBindsOnlyTheOtherChannel: a link code forwarded to (or guessed by) another
// Telegram user does not make them the cadre: the code binds an account only on a channel the
// person has no account on yet. The code still works afterwards from the other channel.
func TestAttackLinkCodeBindsOnlyTheOtherChannel(t *testing.T) {
	u := testkit.NewApp(t)
	const stranger = 777001
	code := linkCodeOf(t, u, testkit.HRID) // an HR officer's code is worth stealing
	got := u.Say(stranger, "/start "+code).Text
	if strings.Contains(got, "绑定成功") {
		t.Fatalf("a second Telegram account redeemed the HR officer's link code: %q", got)
	}
	if got := u.Say(stranger, "/whoami").Text; !strings.Contains(got, "访客") {
		t.Errorf("stranger after redeeming a forwarded link code: %q", got)
	}
	if hr, _ := u.Store.User(u.Ctx, testkit.HRID); len(hr.Accounts) != 1 {
		t.Errorf("HR officer's accounts = %v, want only their own", hr.Accounts)
	}
	if bound, err := u.Store.RedeemInvite(u.Ctx, code, "wecom:wangfang"); err != nil || bound.ID != testkit.HRID {
		t.Errorf("the link code from 企业微信 after the refused attempt: %+v, %v", bound, err)
	}
}

// TestAttackLinkCodeCannotMoveOrEscalate: an account already bound to one person cannot be
// moved to another by redeeming their link code, in either direction (cadre ↔ HR); both keep
// their role and accounts. A code works once, not after 24 h, and an issuer revoked meanwhile
// gives the new account their current role (guest), not the role they had when asking.
func TestAttackLinkCodeCannotMoveOrEscalate(t *testing.T) {
	u := testkit.NewApp(t)
	hrCode := linkCodeOf(t, u, testkit.HRID)
	cadreCode := linkCodeOf(t, u, testkit.CadreID)
	if err := u.Store.LinkWeComAccount(u.Ctx, testkit.CadreID, "zhangwei"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Store.RedeemInvite(u.Ctx, hrCode, "wecom:zhangwei"); ganwei.ErrorCode(err) != ganwei.ECONFLICT {
		t.Errorf("cadre's account redeeming HR's link code: %v, want ECONFLICT", err)
	}
	if err := u.Store.LinkWeComAccount(u.Ctx, testkit.HRID, "wangfang"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Store.RedeemInvite(u.Ctx, cadreCode, "wecom:wangfang"); ganwei.ErrorCode(err) != ganwei.ECONFLICT {
		t.Errorf("HR's account redeeming the cadre's link code: %v, want ECONFLICT", err)
	}
	for id, role := range map[int64]ganwei.Role{testkit.CadreID: ganwei.RoleCadre, testkit.HRID: ganwei.RoleHR} {
		p, err := u.Store.User(u.Ctx, id)
		if err != nil || p.Role != role || len(p.Accounts) != 2 {
			t.Errorf("person %d after the attempts: %+v, %v", id, p, err)
		}
	}
	if got := u.Say(testkit.HRID, "/whoami").Text; !strings.Contains(got, "组织部") {
		t.Errorf("HR /whoami = %q", got)
	}

	// Replay and expiry.
	code := linkCodeOf(t, u, testkit.LeaderID)
	if _, err := u.Store.RedeemInvite(u.Ctx, code, "wecom:liqiang"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Store.RedeemInvite(u.Ctx, code, "wecom:liqiang2"); ganwei.ErrorCode(err) != ganwei.ECONFLICT {
		t.Errorf("replayed link code: %v, want ECONFLICT (used)", err)
	}
	late := linkCodeOf(t, u, testkit.AdminID)
	u.Clock.Advance(24*time.Hour + time.Second)
	if _, err := u.Store.RedeemInvite(u.Ctx, late, "wecom:chenjing"); ganwei.ErrorCode(err) != ganwei.EEXPIRED {
		t.Errorf("link code after 24 h: %v, want EEXPIRED", err)
	}

	// Issuer revoked between /link and the redemption.
	hrCode2 := linkCodeOf(t, u, testkit.HRID)
	if err := u.Store.SetRole(u.Ctx, testkit.HRID, ganwei.RoleGuest); err != nil {
		t.Fatal(err)
	}
	bound, err := u.Store.RedeemInvite(u.Ctx, hrCode2, "wecom:wangfang_new")
	if err == nil && bound.Role != ganwei.RoleGuest {
		t.Errorf("revoked issuer's link code gave role %s", bound.Role)
	}
}

// TestAttackLinkCodeRace: two accounts redeem one link code at the same moment; exactly one is
// bound.
func TestAttackLinkCodeRace(t *testing.T) {
	u := testkit.NewApp(t)
	code := linkCodeOf(t, u, testkit.CadreID)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = u.Store.RedeemInvite(u.Ctx, code, ganwei.WeComAccount(fmt.Sprintf("racer%d", i)))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if ganwei.ErrorCode(err) != ganwei.ECONFLICT {
			t.Errorf("racing redemption: %v", err)
		}
	}
	p, _ := u.Store.User(u.Ctx, testkit.CadreID)
	if ok != 1 || len(p.Accounts) != 2 {
		t.Errorf("%d redemptions succeeded, cadre has %v; want exactly one more account", ok, p.Accounts)
	}
	bound := 0
	for i := range n {
		if _, err := u.Store.PersonByAccount(u.Ctx, ganwei.WeComAccount(fmt.Sprintf("racer%d", i))); err == nil {
			bound++
		}
	}
	if bound != 1 {
		t.Errorf("%d racing accounts are bound, want 1", bound)
	}
}

// TestAttackTelegramIDEqualToAWeComChatNumber: a Telegram account whose number equals an HR
// officer's person id from the earlier 企业微信 layout (2^52+n, also that officer's 企业微信 chat
// number) is a stranger: no profile, no HR rights; binding an invite makes a person of its own
// and leaves the officer as they were.
func TestAttackTelegramIDEqualToAWeComChatNumber(t *testing.T) {
	u := testkit.NewApp(t)
	const legacy = int64(1)<<52 + 1
	if err := u.Store.SaveUser(u.Ctx, &ganwei.User{ID: legacy, Accounts: []ganwei.Account{"wecom:sunli"}, Name: "孙丽", Unit: "区委组织部", Role: ganwei.RoleHR}); err != nil {
		t.Fatal(err)
	}
	if got := u.Say(legacy, "/whoami").Text; !strings.Contains(got, "访客") || strings.Contains(got, "孙丽") {
		t.Errorf("/whoami of telegram:%d = %q", legacy, got)
	}
	if got := u.Say(legacy, "/cases").Text; strings.Contains(got, "跟进事项：") || strings.Contains(got, "孙丽") {
		t.Errorf("/cases of telegram:%d = %q", legacy, got)
	}
	code, err := u.Store.CreateInvite(u.Ctx, &ganwei.Invite{Name: "钱八", Unit: "七都镇", Role: ganwei.RoleCadre})
	if err != nil {
		t.Fatal(err)
	}
	u.Say(legacy, "/start "+code)
	p, err := u.Store.PersonByAccount(u.Ctx, ganwei.TelegramAccount(legacy))
	if err != nil || p == legacy {
		t.Errorf("telegram:%d bound to person %d (%v), want a person of its own", legacy, p, err)
	}
	hr, err := u.Store.User(u.Ctx, legacy)
	if err != nil || hr.Name != "孙丽" || hr.Role != ganwei.RoleHR || len(hr.Accounts) != 1 {
		t.Errorf("the officer after the look-alike bound: %+v, %v", hr, err)
	}
}

// TestAttackRoleAndPauseNameTheRightPerson: /role and /pause reach the person an admin names,
// whether by 编号, by account or by a bound Telegram id, and a name that leads to nobody changes
// nobody (and is not taken for a unit).
func TestAttackRoleAndPauseNameTheRightPerson(t *testing.T) {
	u := testkit.NewApp(t)
	code, err := u.Store.CreateInvite(u.Ctx, &ganwei.Invite{Name: "刘洋", Unit: "松陵街道", Position: "科员", Role: ganwei.RoleCadre})
	if err != nil {
		t.Fatal(err)
	}
	liu, err := u.Store.RedeemInvite(u.Ctx, code, "wecom:liuyang")
	if err != nil {
		t.Fatal(err)
	}
	role := func(id int64) ganwei.Role {
		p, err := u.Store.User(u.Ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return p.Role
	}
	if got := u.Say(testkit.AdminID, fmt.Sprintf("/role %d 组织部", liu.ID)).Text; !strings.Contains(got, "刘洋") || role(liu.ID) != ganwei.RoleHR {
		t.Errorf("/role by 编号: %q, role %s", got, role(liu.ID))
	}
	if got := u.Say(testkit.AdminID, "/role wecom:liuyang 干部").Text; !strings.Contains(got, "刘洋") || role(liu.ID) != ganwei.RoleCadre {
		t.Errorf("/role by account: %q, role %s", got, role(liu.ID))
	}
	if got := u.Say(testkit.AdminID, "/role telegram:9002 组织部").Text; !strings.Contains(got, "张伟") || role(testkit.CadreID) != ganwei.RoleHR {
		t.Errorf("/role by Telegram account: %q", got)
	}
	before := role(testkit.CadreID)
	for _, ref := range []string{"wecom:nobody", "telegram:123", "telegram:abc", "7000000000009999"} {
		got := u.Say(testkit.AdminID, "/role "+ref+" 管理员").Text
		if strings.Contains(got, "已将") {
			t.Errorf("/role %s changed someone: %q", ref, got)
		}
		if got := u.Say(testkit.HRID, "/pause "+ref).Text; strings.Contains(got, "已暂停") {
			t.Errorf("/pause %s paused something: %q", ref, got)
		}
	}
	if role(testkit.CadreID) != before || role(liu.ID) != ganwei.RoleCadre {
		t.Error("a reference to nobody changed a role")
	}
	if got := u.Say(testkit.HRID, "/pause wecom:liuyang").Text; !strings.Contains(got, "已暂停") {
		t.Fatalf("/pause by account: %q", got)
	}
	if got := u.Say(testkit.HRID, "/pause").Text; !strings.Contains(got, fmt.Sprint(liu.ID)) {
		t.Errorf("/pause lists %q, want 刘洋's 编号 %d", got, liu.ID)
	}
}
