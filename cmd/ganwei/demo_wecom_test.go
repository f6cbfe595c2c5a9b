//go:build !nodemo

package main

import (
	"context"
	"strings"
	"testing"
)

// `ganwei demo --channel wecom` chats through the 企业微信 front end: the check-in prompt is a
// card, pressing its button updates the card to the first question, and HR's /whoami answers as
// text.
func TestWeComDemoRunsTheChatThroughCards(t *testing.T) {
	env, out, errOut := testEnv(map[string]string{}, "1\n:as hr\n/whoami\n:quit\n")
	if code := Main(context.Background(), env, []string{"demo", "--channel", "wecom"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"企业微信离线演示", "[卡片] 请点击下方按钮", "[1] 开始填写", "[卡片已更新]", "1/5", "身份：组织部工作人员"} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q:\n%s", want, got)
		}
	}
}

// The narrated tour plays through the 企业微信 front end as on Telegram: a policy answer with its
// source, the 已阅知 card updated after the press, the check-in, HR's summary; then it ends.
func TestWeComDemoTourPlaysTheThreeJobsAndEnds(t *testing.T) {
	env, out, errOut := testEnv(map[string]string{}, "")
	if code := Main(context.Background(), env, []string{"demo", "--channel", "wecom", "--tour"}); code != 0 {
		t.Fatalf("tour exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	got := out.String()
	for _, want := range []string{"企业微信离线演示", "【导览】一、政策咨询", "来源：", "已登记：陈刚", "（按钮：✅ 已阅知",
		"下一份：《权力清单》", "已阅知 1 / 5", "从左到右 很差 → 很好", "时间前进到", "身心状态：平均", "各单位（上期）",
		"待跟进的关爱事项共", "导览结束"} {
		if !strings.Contains(got, want) {
			t.Errorf("tour transcript lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}
