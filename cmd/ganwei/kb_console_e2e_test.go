package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redistest"
)

// TestAnEntryWrittenInTheConsoleAnswersOnTelegram: the running app (serve's wiring) takes an
// entry from the 知识库 form and the bot answers with it at once; an edit made on another replica
// reaches this one's answers through its follower, without a restart.
func TestAnEntryWrittenInTheConsoleAnswersOnTelegram(t *testing.T) {
	rd := redistest.New(t)
	lib, err := openLibrary(Env{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessAnswering(t, rd.Client, rd.Prefix, &knowledge.Answerer{Library: lib})
	srv := httptest.NewServer(h.app.httpHandler())
	t.Cleanup(srv.Close)
	h.app.links.PublicURL = srv.URL
	link, err := h.app.links.IssueFor(h.ctx, hrUser.ID)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: newJar(t)}
	resp, err := client.PostForm(link, nil)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(page))
	if csrf == nil {
		t.Fatalf("signed-in page without a form token: %d", resp.StatusCode)
	}
	resp, err = client.PostForm(srv.URL+"/console/knowledge/new", url.Values{"csrf": {csrf[1]}, "base": {"0"},
		"title": {"干部周转房申请"}, "category": {"关心关爱"}, "questions": {"干部周转房怎么申请"},
		"answer": {"异地任职的干部可向区委组织部干部科申请周转房。"}, "excerpt": {"异地交流任职干部可申请周转住房。"},
		"document": {"《区委组织部关于干部周转房管理的通知》"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Request.URL.RawQuery, "saved=1") {
		t.Fatalf("save: %d %s", resp.StatusCode, resp.Request.URL)
	}
	h.settle(h.tg.SendText(cadreA.ID, "干部周转房怎么申请"))
	h.waitText(cadreA.ID, "异地任职的干部可向区委组织部干部科申请周转房。")

	// Another replica's console edits it; this replica's follower installs it.
	otherLib, err := knowledge.Open("")
	if err != nil {
		t.Fatal(err)
	}
	other := &curation.Editor{Versions: h.store, Users: h.store, Library: otherLib, Now: h.clock.Now}
	if _, err := other.Sync(h.ctx); err != nil {
		t.Fatal(err)
	}
	d := curation.Draft{ID: "C-1", Title: "干部周转房申请", Category: "关心关爱", Questions: []string{"干部周转房怎么申请"},
		Answer: "周转房请向干部科申请，5个工作日内答复。", Excerpt: "异地交流任职干部可申请周转住房。", Document: "《区委组织部关于干部周转房管理的通知》"}
	if _, err := other.Edit(ganwei.NewContextWithActor(h.ctx, ganwei.Actor{ID: admin.ID}), d, 1); err != nil {
		t.Fatal(err)
	}
	// The follower looks every 2 s; the harness's context bounds the wait.
	if err := h.tg.WaitUntil(h.ctx, func() bool { return h.app.editor.Live() == 2 }); err != nil {
		t.Fatalf("the running app did not pick up the other replica's version: %v", err)
	}
	h.settle(h.tg.SendText(cadreA.ID, "干部周转房怎么申请"))
	h.waitText(cadreA.ID, "5个工作日内答复")
}
