package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei/testkit"
)

// TestKnowledgeHitTestingShowsWhatTheBotWouldAnswer: the band, the reply text and the ranked
// entries for a question; the unanswered queue with the asked words (escaped).
func TestKnowledgeHitTestingShowsWhatTheBotWouldAnswer(t *testing.T) {
	h := newHarness(t)
	if err := h.store.RecordUnanswered(h.ctx, "食堂几点开门", "食堂<b>几点</b>开门"); err != nil {
		t.Fatal(err)
	}
	hr := h.signIn(testkit.HRID)
	code, body := hr.get("/console/knowledge?q=" + url.QueryEscape("容错纠错怎么申请"))
	if code != http.StatusOK || !strings.Contains(body, "直接回答") && !strings.Contains(body, "您是想问") || !strings.Contains(body, "检索排序") {
		t.Fatalf("hit testing: %d\n%s", code, body)
	}
	if !strings.Contains(body, "食堂&lt;b&gt;几点&lt;/b&gt;开门") || strings.Contains(body, "<b>几点") {
		t.Error("the unanswered queue lacks the question or does not escape it")
	}
	if !strings.Contains(body, "<details class=\"category\">") {
		t.Error("no entries by category")
	}
	code, body = hr.get("/console/knowledge?q=" + url.QueryEscape("今天火星天气如何"))
	if code != http.StatusOK || !strings.Contains(body, "未找到") {
		t.Errorf("unknown question: %d, want the declined band", code)
	}
	if code, _ := h.browser().get("/console/knowledge"); code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", code)
	}
}
