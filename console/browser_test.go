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

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redistest"
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
	if redistest.InCI() {
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
	if err := h.store.RecordUnanswered(h.ctx, "干部周转房怎么申请", "干部周转房怎么申请？"); err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct{ entry, vote, reason string }{{"K-61", ganwei.VoteUp, ""}, {"K-61", ganwei.VoteDown, ganwei.ReasonVague},
		{"K-61", ganwei.VoteDown, ganwei.ReasonWrong}, {"K-51", ganwei.VoteUp, ""}, {"K-51", ganwei.VoteUp, ""}} {
		id, err := h.store.RecordAsked(h.ctx, &ganwei.AskedQuestion{Question: "q", EntryIDs: []string{v.entry}, Found: true})
		if err == nil {
			_, err = h.store.Vote(h.ctx, id, v.vote)
		}
		if err == nil && v.reason != "" {
			_, err = h.store.GiveReason(h.ctx, id, v.reason)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
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
	// Write an entry from an unanswered question through the prefilled form; the hit test then
	// shows the bot answering with it.
	run("open the queue", chromedp.Navigate(h.srv.URL+"/console/knowledge#unanswered"),
		chromedp.WaitVisible(`a[href^="/console/knowledge/new?q="]`, chromedp.ByQuery),
		chromedp.Click(`a[href^="/console/knowledge/new?q="]`, chromedp.ByQuery), chromedp.WaitVisible("#answer", chromedp.ByID))
	var sample, title string
	run("read the prefilled form", chromedp.Value("#questions", &sample, chromedp.ByID), chromedp.Value("#title", &title, chromedp.ByID))
	if sample != "干部周转房怎么申请？" || title != "干部周转房申请" {
		t.Errorf("the form's sample question is %q and title %q", sample, title)
	}
	run("fill the entry", chromedp.SendKeys("#category", "关心关爱", chromedp.ByID),
		chromedp.SendKeys("#answer", "异地任职的干部可向区委组织部干部科申请周转房，填写申请表并附任职文件。", chromedp.ByID),
		chromedp.SendKeys("#excerpt", "异地交流任职干部可申请周转住房。", chromedp.ByID),
		chromedp.SendKeys("#document", "《区委组织部关于干部周转房管理的通知》", chromedp.ByID))
	shoot("knowledge-new")
	run("save the entry", chromedp.Click(`form.stack button[type="submit"]`, chromedp.ByQuery), chromedp.WaitVisible("#saved", chromedp.ByID))
	if !strings.Contains(text(".answer"), "异地任职的干部可向区委组织部干部科申请周转房") {
		t.Errorf("after saving, the hit test does not answer with the new entry: %q", text(".answer"))
	}
	if strings.Contains(text("main"), "干部周转房怎么申请？") {
		t.Error("the question is still in the unanswered queue")
	}
	shoot("knowledge-saved")
	// An entry that would answer a question the bot must decline is refused, with the question.
	run("a refused entry", chromedp.Navigate(h.srv.URL+"/console/knowledge/new"), chromedp.WaitVisible("#title", chromedp.ByID),
		chromedp.SendKeys("#title", "食堂开饭时间", chromedp.ByID), chromedp.SendKeys("#category", "后勤", chromedp.ByID),
		chromedp.SendKeys("#questions", "单位食堂几点开饭", chromedp.ByID), chromedp.SendKeys("#answer", "食堂 11:30 开饭。", chromedp.ByID),
		chromedp.SendKeys("#excerpt", "食堂 11:30 开饭。", chromedp.ByID), chromedp.SendKeys("#document", "《机关后勤通知》", chromedp.ByID),
		chromedp.Click(`form.stack button[type="submit"]`, chromedp.ByQuery), chromedp.WaitVisible("section.error", chromedp.ByQuery))
	if !strings.Contains(text("section.error"), "单位食堂几点开饭") {
		t.Errorf("the refusal does not name the failed question: %q", text("section.error"))
	}
	shoot("knowledge-refused")
	run("versions", chromedp.Navigate(h.srv.URL+"/console/knowledge/versions"), chromedp.WaitVisible("table", chromedp.ByQuery))
	if !strings.Contains(text("table"), "王芳") {
		t.Errorf("the versions lack who saved: %q", text("table"))
	}
	shoot("knowledge-versions")
	run("rollback confirmation", chromedp.Click(`a[href="/console/knowledge/versions/0/rollback"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button.danger`, chromedp.ByQuery))
	if !strings.Contains(text("main"), "干部周转房申请") {
		t.Errorf("the rollback confirmation does not name the entry it takes down: %q", text("main"))
	}
	shoot("knowledge-rollback")
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
