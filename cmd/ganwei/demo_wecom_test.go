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
