package handlers_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFeaturesDoNotDependOnTelegram keeps the feature layer platform-neutral: handlers,
// reminders and checkin speak ganwei.Event and ganwei.Messenger, and only package bot knows
// Telegram. A web console or 企业微信 front end can then reuse every feature as it is.
func TestFeaturesDoNotDependOnTelegram(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../handlers/...", "../reminders/...", "../checkin/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/go-telegram/bot") || pkg == "github.com/ganwei-bot/ganwei/bot" || pkg == "github.com/ganwei-bot/ganwei/telegramtest" {
			t.Errorf("the feature layer depends on %s; Telegram belongs in package bot alone", pkg)
		}
	}
}
