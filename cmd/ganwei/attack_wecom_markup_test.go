package main

import (
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei/knowledge"
)

// TestAttackWeComTextCarriesNoLinkMarkup: 企业微信 renders <a href> in a text message's content as
// a link under any words. A question typed by anyone (here a cadre) reaches the HR officer's
// /unanswered list on 企业微信; it must arrive as the characters typed, never as a link with
// made-up words over an address of the asker's choosing.
func TestAttackWeComTextCarriesNoLinkMarkup(t *testing.T) {
	lib, err := knowledge.Open("")
	if err != nil {
		t.Fatal(err)
	}
	h := newWeComHarness(t, false, &knowledge.Answerer{Library: lib})
	const bait = `<a href="http://t.cn/x">单位食堂几点开饭</a>`
	h.say(wzhang.userID, bait)
	before := h.wc.Last()
	h.say(whr.userID, "/unanswered")
	seen := false
	for _, m := range h.wc.Messages(whr.userID) {
		if m.Seq <= before {
			continue
		}
		all := m.Text + m.Title + m.Body
		if strings.Contains(all, "t.cn/x") {
			seen = true
		}
		if strings.Contains(strings.ToLower(all), "<a ") || strings.Contains(strings.ToLower(all), "</a>") {
			t.Errorf("a %s message to HR carries link markup: %q", m.Type, all)
		}
	}
	if !seen {
		t.Fatalf("the question did not reach /unanswered on 企业微信; the test proves nothing")
	}
}
