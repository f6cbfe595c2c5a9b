package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei"
)

// TestAttackForgetMeOnWeComLeavesNothingThatNamesThem: a cadre bound on 企业微信 links Telegram,
// answers something, and deletes everything with /forgetme on 企业微信. Afterwards no key or
// value under the prefix names them (person id, name, Telegram id), and the cards sent them
// (which quote their name and answers) are gone. Their 企业微信 userid stays only in the front
// end's address book (userid ↔ chat number, which sends the deletion's own confirmation), the
// 24 h dedupe marks of their callbacks and the record of that confirmation.
func TestAttackForgetMeOnWeComLeavesNothingThatNamesThem(t *testing.T) {
	const tgZhang = 880011
	h := newWeComHarness(t, true, nil, func(h *wecomHarness) []string {
		h.tg.SetUser(models.User{ID: tgZhang, FirstName: "测试"})
		return nil
	})
	person, err := h.store.PersonByAccount(h.ctx, ganwei.WeComAccount(wzhang.userID))
	if err != nil {
		t.Fatal(err)
	}
	reply := h.say(wzhang.userID, "/link")
	m := linkCode.FindStringSubmatch(reply.Text + reply.Title + reply.Body)
	if m == nil {
		t.Fatalf("/link: %+v", reply)
	}
	if got := h.tgSay(tgZhang, "/start "+m[1]); !strings.Contains(got, "绑定成功") {
		t.Fatalf("link on Telegram: %q", got)
	}
	card := h.say(wzhang.userID, "/forgetme")
	h.press(wzhang.userID, card, "确认删除")
	if got := h.tgSay(tgZhang, "/whoami"); !strings.Contains(got, "访客") {
		t.Fatalf("/whoami on Telegram after /forgetme on 企业微信: %q", got)
	}
	names := regexp.MustCompile(fmt.Sprintf(`(^|[^0-9])(%d|%d)([^0-9]|$)|%s`, person, tgZhang, wzhang.user.Name))
	userID := regexp.MustCompile(regexp.QuoteMeta(wzhang.userID))
	frontEnd := regexp.MustCompile(`:wecom:(chat|user|msgs|msg):|:update:wecom:`)
	c := h.store.Client()
	iter := c.Scan(h.ctx, 0, h.store.Prefix()+"*", 1000).Iterator()
	for iter.Next(h.ctx) {
		k := iter.Val()
		var val any
		switch c.Type(h.ctx, k).Val() {
		case "string":
			val = c.Get(h.ctx, k).Val()
		case "hash":
			val = c.HGetAll(h.ctx, k).Val()
		case "list":
			val = c.LRange(h.ctx, k, 0, -1).Val()
		case "set":
			val = c.SMembers(h.ctx, k).Val()
		case "zset":
			val = c.ZRangeWithScores(h.ctx, k, 0, -1).Val()
		case "stream":
			val = c.XRange(h.ctx, k, "-", "+").Val()
		}
		line := k + " = " + fmt.Sprint(val)
		if names.MatchString(line) || userID.MatchString(line) && !frontEnd.MatchString(k) {
			t.Errorf("left after /forgetme: %s", shortenLine(line))
		}
	}
}

func shortenLine(s string) string {
	if r := []rune(s); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return s
}
