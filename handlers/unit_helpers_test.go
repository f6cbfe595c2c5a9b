package handlers_test

import (
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei/testkit"
)

// last is the newest message in chat; the test fails when there is none.
func last(t *testing.T, u *testkit.App, chat int64) testkit.Sent {
	t.Helper()
	m, ok := u.Front.Last(chat)
	if !ok {
		t.Fatalf("chat %d has no message", chat)
	}
	return m
}

// lastAnswer is the newest acknowledgement of a button press.
func lastAnswer(t *testing.T, u *testkit.App) testkit.Answer {
	t.Helper()
	a := u.Front.Answers()
	if len(a) == 0 {
		t.Fatal("no button press was answered")
	}
	return a[len(a)-1]
}

// wantText fails the test unless text contains every piece of want and none of not.
func wantText(t *testing.T, what, text string, want []string, not ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
	for _, n := range not {
		if strings.Contains(text, n) {
			t.Errorf("%s shows %q:\n%s", what, n, text)
		}
	}
}

// has reports whether a keyboard has a button whose label contains label.
func has(m testkit.Sent, label string) bool {
	for _, l := range testkit.Labels(m.Buttons) {
		if strings.Contains(l, label) {
			return true
		}
	}
	return false
}
