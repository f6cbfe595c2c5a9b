package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ganwei-bot/ganwei/testkit"
)

// chromiumPath finds Debian's chromium (installed by .ci/run). Outside CI a machine without it
// skips the browser test; inside CI (CI=true) it fails.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found: the browser test must run in CI (apt-get install -y chromium)")
	}
	t.Skip("chromium not installed; apt-get install -y chromium to run the browser test")
	return ""
}

// TestBrowserSignsInWorksAndSignsOut drives a real headless Chromium: it opens a sign-in link,
// presses 进入工作台, opens every page of the navigation, adds a note to a case through its form,
// registers a leader after the date preview, imports leaders and invites from Excel
// (browserImports), and signs out. With GANWEI_SCREENSHOTS=dir it writes
// a screenshot of each page at 1366×768 and at a phone's width.
func TestBrowserSignsInWorksAndSignsOut(t *testing.T) {
	chromium := chromiumPath(t)
	h := newHarness(t)
	caseID := h.seedCheckIns()
	shots := os.Getenv("GANWEI_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.WindowSize(1366, 768))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		var s string
		run("read "+sel, chromedp.Text(sel, &s, chromedp.ByQuery))
		return s
	}
	shoot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		for _, size := range []struct {
			suffix string
			w, h   int64
			mobile bool
		}{{"desktop", 1366, 768, false}, {"phone", 390, 844, true}} {
			var png []byte
			run("screenshot "+name, chromedp.EmulateViewport(size.w, size.h), chromedp.FullScreenshot(&png, 100))
			if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%s.png", name, size.suffix)), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		run("viewport back", chromedp.EmulateViewport(1366, 768))
	}

	link, err := h.links.IssueFor(h.ctx, testkit.HRID)
	if err != nil {
		t.Fatal(err)
	}
	run("open link", chromedp.Navigate(link), chromedp.WaitVisible("form button", chromedp.ByQuery))
	shoot("signin")
	run("press 进入工作台", chromedp.Click("form button", chromedp.ByQuery), chromedp.WaitVisible(".cards", chromedp.ByQuery))
	if got := text("h1"); got != "总览" {
		t.Fatalf("after sign-in h1 = %q, want 总览", got)
	}
	shoot("overview")

	var hrefs []string
	run("read navigation", chromedp.Evaluate(`[...document.querySelectorAll("nav a")].map(a => a.getAttribute("href"))`, &hrefs))
	if len(hrefs) < 4 {
		t.Fatalf("navigation %v, want at least 4 pages", hrefs)
	}
	for _, href := range hrefs {
		run("open "+href, chromedp.Navigate(h.srv.URL+href), chromedp.WaitVisible("h1", chromedp.ByQuery))
		if strings.Contains(text("main"), "请重新登录") {
			t.Fatalf("%s asked to sign in again", href)
		}
		name := strings.Trim(strings.TrimPrefix(href, "/console"), "/")
		if name == "" {
			name = "overview"
		}
		if name != "overview" {
			shoot(name)
		}
	}
	run("hit testing", chromedp.Navigate(h.srv.URL+"/console/knowledge"), chromedp.WaitVisible("#q", chromedp.ByID),
		chromedp.SendKeys("#q", "容错纠错怎么申请", chromedp.ByID), chromedp.Submit("#q", chromedp.ByID),
		chromedp.WaitVisible(".answer", chromedp.ByQuery))
	shoot("knowledge-test")
	run("open print view", chromedp.Navigate(h.srv.URL+"/console/checkins/print"), chromedp.WaitVisible("#print", chromedp.ByQuery))
	shoot("checkins-print")

	// A form: a note on the case, through its labelled field.
	run("open case", chromedp.Navigate(h.srv.URL+"/console/cases/"+caseID), chromedp.WaitVisible("#note", chromedp.ByID))
	shoot("case")
	run("write note", chromedp.SendKeys("#note", "已电话联系，约下周谈心", chromedp.ByID),
		chromedp.Click(`form[action$="/note"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`//ol[@class="history"]/li[contains(., "约下周谈心")]`, chromedp.BySearch))
	if !strings.Contains(text(".history"), "已电话联系，约下周谈心") {
		t.Errorf("the note is not in the case history: %q", text(".history"))
	}
	run("close confirmation", chromedp.Navigate(h.srv.URL+"/console/cases/"+caseID+"/close"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	shoot("case-close")

	// The register form: preview first, then confirm.
	run("open register form", chromedp.Navigate(h.srv.URL+"/console/reminders/new"), chromedp.WaitVisible("#telegram_id", chromedp.ByID),
		chromedp.SendKeys("#telegram_id", "9003", chromedp.ByID), chromedp.SendKeys("#name", "李强", chromedp.ByID),
		chromedp.SendKeys("#unit", "震泽镇", chromedp.ByID), chromedp.SendKeys("#position", "镇长", chromedp.ByID),
		chromedp.Click(`button[value="preview"]`, chromedp.ByQuery), chromedp.WaitVisible(`button[value="confirm"]`, chromedp.ByQuery))
	shoot("reminders-preview")
	run("confirm", chromedp.Click(`button[value="confirm"]`, chromedp.ByQuery), chromedp.WaitVisible("table.board", chromedp.ByQuery))
	if !strings.Contains(text("table.board"), "李强") {
		t.Error("the board lacks the registered leader")
	}
	shoot("reminders-board")

	browserImports(t, h, run, text, shoot)

	run("sign out", chromedp.Click(".signout button", chromedp.ByQuery), chromedp.WaitVisible(".message", chromedp.ByQuery))
	if got := text("h1"); got != "已退出" {
		t.Errorf("after 退出 h1 = %q", got)
	}
	run("overview after sign-out", chromedp.Navigate(h.srv.URL+"/console/"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	if got := text("h1"); got != "请重新登录" {
		t.Errorf("after 退出 the overview shows %q, want 请重新登录", got)
	}
	shoot("signed-out")

	// An admin also has the 审计 page, which now lists HR's views.
	link, err = h.links.IssueFor(h.ctx, testkit.AdminID)
	if err != nil {
		t.Fatal(err)
	}
	run("admin signs in", chromedp.Navigate(link), chromedp.WaitVisible("form button", chromedp.ByQuery),
		chromedp.Click("form button", chromedp.ByQuery), chromedp.WaitVisible(".cards", chromedp.ByQuery),
		chromedp.Click(`nav a[href="/console/audit"]`, chromedp.ByQuery), chromedp.WaitVisible("ul.audit", chromedp.ByQuery))
	if !strings.Contains(text("ul.audit"), "王芳 查看了跟进事项及本人答卷：张伟") {
		t.Errorf("the audit page lacks HR's view of the case: %q", text("ul.audit"))
	}
	shoot("audit")
	run("admin's 人员", chromedp.Navigate(h.srv.URL+"/console/people"), chromedp.WaitVisible(`input[name="units"]`, chromedp.ByQuery))
	shoot("people-admin")
}
