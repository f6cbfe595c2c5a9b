package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
)

// tgSay sends text as Telegram user from, waits until the bot handled it and returns the newest
// message to that chat.
func (h *wecomHarness) tgSay(from int64, text string) string {
	h.t.Helper()
	if err := h.app.bot.WaitHandled(h.ctx, h.tg.SendText(from, text)); err != nil {
		h.t.Fatalf("telegram %q: %v", text, err)
	}
	m, ok := h.tg.LastMessageTo(from)
	if !ok {
		h.t.Fatalf("telegram %q: no reply", text)
	}
	return m.Text
}

// pushPrompt sends person the check-in prompt the way the scheduler does, and reports how many
// messages it added on Telegram (to tgChat) and on 企业微信 (to userID).
func (h *wecomHarness) pushPrompt(person int64, tgChat int64, userID string) (onTelegram, onWeCom int) {
	h.t.Helper()
	u, err := h.store.User(h.ctx, person)
	if err != nil {
		h.t.Fatal(err)
	}
	tg0, wc0 := len(h.tg.MessagesTo(tgChat)), len(h.wc.Messages(userID))
	period := h.app.cfg.CheckIn.Calendar.PeriodAt(h.clock.Now())
	if err := h.app.handlers.SendCheckInPrompt(h.ctx, u, period, true); err != nil {
		h.t.Fatalf("push to %d: %v", person, err)
	}
	return len(h.tg.MessagesTo(tgChat)) - tg0, len(h.wc.Messages(userID)) - wc0
}

var linkCode = regexp.MustCompile(`绑定码：([A-Z0-9]+)`)

// A person who binds on 企业微信 and later links Telegram with /link is one person: one id (of
// their own, not a platform number), one history readable from either channel, and each push on
// one channel only, the preferred one. The other way round (Telegram first) and an administrator's
// mapping give the same.
func TestOnePersonOnTwoChannels(t *testing.T) {
	const tgZhou, tgQian = 880001, 880002
	h := newWeComHarness(t, true, nil, func(h *wecomHarness) []string {
		for _, id := range []int64{tgZhou, tgQian} {
			h.tg.SetUser(models.User{ID: id, FirstName: "测试"})
		}
		return nil
	})
	code, err := h.store.CreateInvite(h.ctx, &ganwei.Invite{Name: "周洁", Unit: "发改委", Position: "科员", Role: ganwei.RoleCadre})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.say("zhoujie", "绑定 "+code); !strings.Contains(got.Text+got.Title+got.Body, "绑定成功") {
		t.Fatalf("binding on 企业微信: %+v", got)
	}
	person, err := h.store.PersonByAccount(h.ctx, "wecom:zhoujie")
	if err != nil || person <= ganwei.PersonIDBase {
		t.Fatalf("person of wecom:zhoujie: %d, %v; want an id of their own", person, err)
	}
	// Some history before the second account: an answered check-in.
	period := h.app.cfg.CheckIn.Calendar.PeriodAt(h.clock.Now())
	if _, err := h.store.SubmitCheckIn(h.ctx, &ganwei.CheckIn{UserID: person, Unit: "发改委", Period: period.ID, Wellbeing: 4, Stress: 2,
		Support: ganwei.SupportEnough, Benefits: ganwei.BenefitsOK, TalkAnswered: true}); err != nil {
		t.Fatal(err)
	}

	reply := h.say("zhoujie", "/link")
	m := linkCode.FindStringSubmatch(reply.Text + reply.Title + reply.Body)
	if m == nil {
		t.Fatalf("/link answered %+v, want a code", reply)
	}
	if got := h.tgSay(tgZhou, "/start "+m[1]); !strings.Contains(got, "绑定成功") || !strings.Contains(got, "周洁") {
		t.Fatalf("/start with the link code on Telegram: %q", got)
	}
	if id, err := h.store.PersonByAccount(h.ctx, ganwei.TelegramAccount(tgZhou)); err != nil || id != person {
		t.Fatalf("telegram:%d leads to %d (%v), want the same person %d", tgZhou, id, err, person)
	}
	if got := h.tgSay(tgZhou, "/whoami"); !strings.Contains(got, "已绑定：企业微信（zhoujie）、Telegram（880001）") || strings.Contains(got, "Telegram ID") {
		t.Errorf("/whoami on Telegram = %q, want both accounts in Chinese", got)
	}
	if got := h.tgSay(tgZhou, "/mycheckins"); !strings.Contains(got, period.Label) {
		t.Errorf("/mycheckins on Telegram = %q, want the check-in answered on 企业微信", got)
	}
	if users, _ := h.store.Users(h.ctx); countNamed(users, "周洁") != 1 {
		t.Errorf("周洁 is %d people, want 1", countNamed(users, "周洁"))
	}

	// Pushes: the first account's channel until they choose; then only the chosen one.
	if tg, wc := h.pushPrompt(person, tgZhou, "zhoujie"); tg != 0 || wc != 1 {
		t.Errorf("push before choosing: %d on Telegram, %d on 企业微信; want only 企业微信", tg, wc)
	}
	if got := h.tgSay(tgZhou, "/channel telegram"); !strings.Contains(got, "只发到Telegram") {
		t.Fatalf("/channel telegram = %q", got)
	}
	if tg, wc := h.pushPrompt(person, tgZhou, "zhoujie"); tg != 1 || wc != 0 {
		t.Errorf("push after choosing Telegram: %d on Telegram, %d on 企业微信; want only Telegram", tg, wc)
	}

	// The other way round: first on Telegram, then 企业微信 by the link code.
	code, err = h.store.CreateInvite(h.ctx, &ganwei.Invite{Name: "钱七", Unit: "七都镇", Role: ganwei.RoleCadre})
	if err != nil {
		t.Fatal(err)
	}
	h.tgSay(tgQian, "/start "+code)
	qian, err := h.store.PersonByAccount(h.ctx, ganwei.TelegramAccount(tgQian))
	if err != nil || qian <= ganwei.PersonIDBase || qian == tgQian {
		t.Fatalf("person of telegram:%d: %d, %v", tgQian, qian, err)
	}
	m = linkCode.FindStringSubmatch(h.tgSay(tgQian, "/link"))
	if m == nil {
		t.Fatal("/link on Telegram gave no code")
	}
	if got := h.say("qianqi", "绑定 "+m[1]); !strings.Contains(got.Text+got.Title+got.Body, "钱七") {
		t.Fatalf("绑定 with the link code on 企业微信: %+v", got)
	}
	if id, _ := h.store.PersonByAccount(h.ctx, "wecom:qianqi"); id != qian {
		t.Errorf("wecom:qianqi leads to %d, want %d", id, qian)
	}
	if tg, wc := h.pushPrompt(qian, tgQian, "qianqi"); tg != 1 || wc != 0 {
		t.Errorf("push to the Telegram-first person: %d on Telegram, %d on 企业微信; want only Telegram", tg, wc)
	}

	// An administrator's mapping links an account the same way; a used account cannot be taken.
	if err := h.store.LinkWeComAccount(h.ctx, qian, "qian7"); err != nil {
		t.Fatal(err)
	}
	if got := h.say("qian7", "/whoami"); !strings.Contains(got.Text, "钱七") {
		t.Errorf("/whoami from the mapped account = %q", got.Text)
	}
	if err := h.store.LinkWeComAccount(h.ctx, person, "qian7"); ganwei.ErrorCode(err) != ganwei.ECONFLICT {
		t.Errorf("mapping someone else's account: %v, want ECONFLICT", err)
	}
}

func countNamed(users []*ganwei.User, name string) int {
	n := 0
	for _, u := range users {
		if u.Name == name {
			n++
		}
	}
	return n
}

// The attacker test: a Telegram user whose numeric id equals the person id of an HR officer
// (first met on 企业微信) is a stranger. They see no profile, get no HR rights, cannot end the
// officer's open dialog, and binding an invite gives them a person of their own, leaving the
// officer's profile alone; pushes to the officer still go to the officer's 企业微信.
func TestTelegramIDEqualToAPersonIDIsAStranger(t *testing.T) {
	h := newWeComHarness(t, true, nil)
	code, err := h.store.CreateInvite(h.ctx, &ganwei.Invite{Name: "孙丽", Unit: "区委组织部", Role: ganwei.RoleHR})
	if err != nil {
		t.Fatal(err)
	}
	h.say("sunli", "绑定 "+code)
	officer, err := h.store.PersonByAccount(h.ctx, "wecom:sunli")
	if err != nil || officer <= ganwei.PersonIDBase {
		t.Fatalf("officer: %d, %v", officer, err)
	}
	if got := h.say("sunli", "/appoint"); !strings.Contains(got.Text+got.Title+got.Body, "第 1 步") {
		t.Fatalf("/appoint on 企业微信 = %+v", got)
	}

	attacker := officer // a Telegram account with the same number
	h.tg.SetUser(models.User{ID: attacker, FirstName: "冒充"})
	if got := h.tgSay(attacker, "/whoami"); !strings.Contains(got, "访客") || strings.Contains(got, "孙丽") {
		t.Errorf("/whoami of the look-alike Telegram user = %q, want a stranger", got)
	}
	if got := h.tgSay(attacker, "/cases"); !strings.Contains(got, "需要先绑定身份") {
		t.Errorf("/cases of the look-alike = %q, want it refused", got)
	}
	h.tgSay(attacker, "/cancel")
	if d, err := h.store.Dialog(h.ctx, officer); err != nil || d.Kind == "" {
		t.Errorf("the officer's open dialog after the look-alike's /cancel: %+v, %v; want it kept", d, err)
	}
	code, err = h.store.CreateInvite(h.ctx, &ganwei.Invite{Name: "冒充者", Unit: "七都镇", Role: ganwei.RoleCadre})
	if err != nil {
		t.Fatal(err)
	}
	h.tgSay(attacker, "/start "+code)
	bound, err := h.store.PersonByAccount(h.ctx, ganwei.TelegramAccount(attacker))
	if err != nil || bound == officer {
		t.Errorf("the look-alike bound as person %d (%v), want a person other than %d", bound, err, officer)
	}
	if u, err := h.store.User(h.ctx, officer); err != nil || u.Name != "孙丽" || u.Role != ganwei.RoleHR || len(u.Accounts) != 1 {
		t.Errorf("the officer after the look-alike bound: %+v, %v; want them unchanged", u, err)
	}
	if tg, wc := h.pushPrompt(officer, attacker, "sunli"); tg != 0 || wc != 1 {
		t.Errorf("a push to the officer: %d to the look-alike's Telegram chat, %d on 企业微信; want only 企业微信", tg, wc)
	}
}
