package handlers_test

// /ask, the "您是想问" candidates, 👍/👎 with the reasons, /topics and /unanswered on the fake
// front end.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/testkit"
)

// unsure is a question the knowledge base finds plausible but not sure (K-33 is offered).
const unsure = "听说现在提拔看实绩，那平时加班加点算不算"

// TestUnitAskCommand: /ask without a question says how; a greeting is small talk, not recorded;
// a question is answered with its sources and 👍/👎; an overlong one is refused kindly; during a
// check-in the answer is from the knowledge base alone and not recorded.
func TestUnitAskCommand(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	wantText(t, "/ask", u.Say(c, "/ask").Text, []string{"请在 /ask 后面写上您的问题", "也可以直接把问题发给我"})
	hello := u.Say(c, "/ask 你好")
	if hello.Buttons != nil || strings.Contains(hello.Text, "抱歉") {
		t.Errorf("/ask 你好: %q %v; want small talk without buttons", hello.Text, testkit.Labels(hello.Buttons))
	}
	ans := u.Say(c, "/ask 犯了错误还能容错吗")
	wantText(t, "/ask answer", ans.Text, []string{"容错", "来源："})
	if !has(ans, "📖 查看原文") || !has(ans, "👍") || !has(ans, "👎") {
		t.Errorf("/ask answer buttons %v", testkit.Labels(ans.Buttons))
	}
	long := strings.Repeat("请问", knowledge.MaxMessageRunes)
	wantText(t, "overlong", u.Say(c, "/ask "+long).Text, []string{"问题有点长", strconv.Itoa(knowledge.MaxMessageRunes) + " 字以内"})

	u.Say(c, "/checkin")
	private := u.Say(c, "/ask 犯了错误还能容错吗")
	wantText(t, "/ask during a check-in", private.Text, []string{"容错"})
	if has(private, "👍") {
		t.Errorf("/ask during a check-in was recorded for feedback: %v", testkit.Labels(private.Buttons))
	}
	if d, err := u.Store.Dialog(u.Ctx, c); err != nil || d.Kind != "checkin" {
		t.Errorf("/ask ended the check-in: %+v %v", d, err)
	}
}

// TestUnitCandidatePickAndReasons: an unsure question offers "您是想问" buttons and no 👍/👎;
// a tap answers at once with 👍/👎 and records the pick; 👎 offers the three reasons, a reason is
// recorded and the reasons go away; curators see it all in /unanswered.
func TestUnitCandidatePickAndReasons(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	offer := u.Say(c, unsure)
	wantText(t, "offer", offer.Text, []string{"您是想问：", "换个说法", "区委组织部干部科"})
	if len(offer.Buttons) == 0 || has(offer, "👍") {
		t.Fatalf("offer buttons %v; want candidates only", testkit.Labels(offer.Buttons))
	}
	picked := offer.Buttons[0][0].Label
	u.Press(c, offer, picked)
	ans := last(t, u, c)
	if ans.ID == offer.ID || !strings.Contains(ans.Text, picked) || !strings.Contains(ans.Text, "来源：") {
		t.Fatalf("the pick answered %q", ans.Text)
	}
	if !has(ans, "👍 有帮助") || !has(ans, "👎 没帮助") {
		t.Fatalf("the picked answer has %v; want 👍/👎", testkit.Labels(ans.Buttons))
	}
	u.Press(c, ans, "👎")
	if a := lastAnswer(t, u); !strings.Contains(a.Text, "点一下哪里不好（可不选）") {
		t.Errorf("👎 answered %+v", a)
	}
	down := u.Message(c, ans.ID)
	for _, r := range []string{"答非所问", "不够具体", "信息有误", "✅ 没帮助", "📖 查看原文"} {
		if !has(down, r) {
			t.Errorf("after 👎 the buttons are %v; want %s", testkit.Labels(down.Buttons), r)
		}
	}
	u.Press(c, down, "不够具体")
	if a := lastAnswer(t, u); !strings.Contains(a.Text, "谢谢您指出") {
		t.Errorf("a reason answered %+v", a)
	}
	after := u.Message(c, ans.ID)
	if has(after, "不够具体") || !has(after, "✅ 没帮助") || !has(after, "📖 查看原文") || after.Text != ans.Text {
		t.Errorf("after the reason: %v; want the vote kept, 原文 kept, reasons gone", testkit.Labels(after.Buttons))
	}
	worst, err := u.Store.WorstRated(u.Ctx, 5)
	if err != nil || len(worst) != 1 || worst[0].Down != 1 || worst[0].Picks != 1 || worst[0].Reasons[ganwei.ReasonVague] != 1 {
		t.Fatalf("feedback stored %+v, %v; want one entry with 👎 1, 不够具体 1, picked once", worst, err)
	}
	got := u.Say(testkit.HRID, "/unanswered").Text
	wantText(t, "/unanswered", got, []string{"目前没有未能回答的提问", "评价最差的条目", worst[0].EntryID, "👎 1", "不够具体 1", "选中 1 次"}, "加班加点")
}

// TestUnitForgedAskButtons: presses no answer carried are refused or answered harmlessly.
func TestUnitForgedAskButtons(t *testing.T) {
	u := testkit.NewApp(t)
	c := testkit.CadreID
	offer := u.Say(c, unsure)
	entry := strings.TrimPrefix(offer.Buttons[0][0].Action, "kb:pick:")
	_, entry, _ = strings.Cut(entry, ":")
	for _, tc := range []struct {
		payload, want string
		alert         bool
	}{
		{"kb:pick:x:K-999", "按钮已失效", true},
		{"kb:pick::" + entry, "按钮已失效", true},
		{"kb:cat:99", "按钮已失效", true},
		{"kb:cat:x", "按钮已失效", true},
		{"kb:src:K-999", "按钮已失效", true},
		{"kb:e:K-999", "按钮已失效", true},
		{"kb:zz", "按钮已失效", true},
		{"fb:why:x:zz", "按钮已失效", true},
		{"fb:why::" + ganwei.ReasonVague, "按钮已失效", true},
		{"fb:sideways:x", "按钮已失效", true},
		{"fb:up:nosuch", "已过期", false},
		{"fb:why:nosuch:" + ganwei.ReasonWrong, "已过期", false},
	} {
		u.Forge(c, offer, tc.payload)
		if a := lastAnswer(t, u); a.Alert != tc.alert || !strings.Contains(a.Text, tc.want) {
			t.Errorf("forged %q answered %+v; want %q (alert %v)", tc.payload, a, tc.want, tc.alert)
		}
	}
	// A pick whose asked question is unknown (expired) still answers, without 👍/👎, and records nothing.
	n := len(u.Front.Messages(c))
	u.Forge(c, offer, "kb:pick:nosuch:"+entry)
	msgs := u.Front.Messages(c)
	if len(msgs) != n+1 || has(msgs[n], "👍") || !strings.Contains(msgs[n].Text, "来源：") {
		t.Errorf("an expired pick answered %+v", msgs[len(msgs)-1])
	}
	if worst, _ := u.Store.WorstRated(u.Ctx, 5); len(worst) != 0 {
		t.Errorf("forged presses left feedback %+v", worst)
	}
}

// TestUnitTopicsEntryAnswers: a topic in a category answers with its sources and 👍/👎.
func TestUnitTopicsEntryAnswers(t *testing.T) {
	u := testkit.NewApp(t)
	list := u.Say(testkit.GuestID, "/topics")
	wantText(t, "/topics", list.Text, []string{"请选择想了解的主题"})
	u.Press(testkit.GuestID, list, "监督与容错")
	cat := u.Message(testkit.GuestID, list.ID)
	wantText(t, "category", cat.Text, []string{"「监督与容错」下有", "个话题"})
	if len(cat.Buttons) < 2 {
		t.Fatalf("category buttons %v", testkit.Labels(cat.Buttons))
	}
	topic := cat.Buttons[0][0].Label
	u.Press(testkit.GuestID, cat, topic)
	ans := last(t, u, testkit.GuestID)
	if ans.ID == list.ID || !strings.Contains(ans.Text, strings.TrimSuffix(topic, "…")) || !has(ans, "👍") {
		t.Errorf("topic %q answered %q %v", topic, ans.Text, testkit.Labels(ans.Buttons))
	}
}

// TestUnitUnansweredPages: /unanswered lists the queue most asked first, a page at a time, and
// turns pages in place; a cadre may not turn them.
func TestUnitUnansweredPages(t *testing.T) {
	u := testkit.NewApp(t)
	for i := 0; i < 12; i++ {
		q := fmt.Sprintf("食堂第%02d号窗口几点开门", i)
		for k := 0; k <= i%3; k++ {
			if err := u.Store.RecordUnanswered(u.Ctx, knowledge.NormalizeQuestion(q), q); err != nil {
				t.Fatal(err)
			}
		}
	}
	first := u.Say(testkit.HRID, "/unanswered")
	wantText(t, "page 1", first.Text, []string{"共 12 条", "1. 食堂第", "（3 次，最近 11月23日）", "第 1 / 2 页", "GANWEI_KNOWLEDGE_DIR"}, "11. ")
	if !has(first, "下一页") || has(first, "上一页") {
		t.Fatalf("page 1 buttons %v", testkit.Labels(first.Buttons))
	}
	u.Press(testkit.CadreID, first, "下一页")
	if a := lastAnswer(t, u); !a.Alert {
		t.Errorf("a cadre turning HR's page answered %+v", a)
	}
	u.Press(testkit.HRID, first, "下一页")
	second := u.Message(testkit.HRID, first.ID)
	wantText(t, "page 2", second.Text, []string{"11. ", "12. ", "（1 次", "第 2 / 2 页"}, "\n1. ", "评价最差")
	if !has(second, "上一页") || has(second, "下一页") {
		t.Errorf("page 2 buttons %v", testkit.Labels(second.Buttons))
	}
	u.Forge(testkit.HRID, second, "pg:un:01")
	if a := lastAnswer(t, u); !a.Alert || !strings.Contains(a.Text, "翻页按钮已失效") {
		t.Errorf("a forged page answered %+v", a)
	}
}
