package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
)

var signInLink = regexp.MustCompile(`http://127\.0\.0\.1:\d+/console/signin/[A-Za-z0-9_-]+`)

// TestDemoServesTheConsoleWithAReadyLink: the demo prints a sign-in link for the HR persona;
// while it runs, the link opens the console's overview.
func TestDemoServesTheConsoleWithAReadyLink(t *testing.T) {
	stdin, feed := io.Pipe()
	env, _, errOut := testEnv(map[string]string{}, "")
	env.Stdin = stdin
	out := &linkWatcher{found: make(chan string, 1)}
	env.Stdout = out
	done := make(chan int, 1)
	go func() { done <- Main(context.Background(), env, []string{"demo"}) }()
	var link string
	select {
	case link = <-out.found:
	case code := <-done:
		t.Fatalf("demo exited (%d) without a console link:\n%s\n%s", code, out.String(), errOut.String())
	}
	client := &http.Client{Jar: newJar(t)}
	resp, err := client.PostForm(link, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "总览") || !strings.Contains(string(body), "李娟") {
		t.Errorf("demo link: %d, want the overview signed in as 李娟:\n%s", resp.StatusCode, body)
	}
	feed.Close()
	if code := <-done; code != 0 {
		t.Errorf("demo exit %d: %s", code, errOut.String())
	}
}

// TestAdminWeblinkPrintsALinkForStaffOnly: `ganwei admin weblink` prints a link for a bound HR
// and refuses a cadre or an unbound id with the reason.
func TestAdminWeblinkPrintsALinkForStaffOnly(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	if err := testkit.Seed(context.Background(), store); err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"REDIS_URL": r.URL, "GANWEI_REDIS_PREFIX": r.Prefix + "ganwei", "GANWEI_PUBLIC_URL": "https://console.example.gov.cn/"}
	run := func(id string) (string, string, int) {
		env, out, errOut := testEnv(vars, "")
		code := Main(context.Background(), env, []string{"admin", "weblink", "--telegram-id", id})
		return out.String(), errOut.String(), code
	}
	out, errOut, code := run("9004")
	if code != 0 || !strings.HasPrefix(out, "https://console.example.gov.cn/console/signin/") {
		t.Errorf("HR: exit %d, %q %s", code, out, errOut)
	}
	out, errOut, code = run("9002")
	if code == 0 || out != "" || !strings.Contains(errOut, ganwei.MsgStaffOnly) {
		t.Errorf("cadre: exit %d, %q %q; want a refusal", code, out, errOut)
	}
	if _, errOut, code := run("123"); code == 0 || !strings.Contains(errOut, "not bound") {
		t.Errorf("unbound id: exit %d, %q", code, errOut)
	}
}

// linkWatcher records output and reports the first sign-in link written.
type linkWatcher struct {
	syncBuffer
	found chan string
	once  sync.Once
}

func (w *linkWatcher) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	if link := signInLink.FindString(w.String()); link != "" {
		w.once.Do(func() { w.found <- link })
	}
	return n, err
}

func newJar(t *testing.T) http.CookieJar {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}
