package console_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/console"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/testkit"
	"github.com/ganwei-bot/ganwei/weblink"
)

// housingForm is a new local entry no tuned question is about.
func housingForm() url.Values {
	return url.Values{
		"base": {"0"}, "title": {"干部周转房申请"}, "category": {"关心关爱"},
		"questions": {"干部周转房怎么申请\n异地任职的干部能住周转房吗"},
		"answer":    {"异地任职的干部可向区委组织部干部科申请周转房，填写申请表并附任职文件。"},
		"excerpt":   {"异地交流任职干部可申请周转住房。"}, "document": {"《区委组织部关于干部周转房管理的通知》"},
		"needs_confirmation": {"1"},
	}
}

func (h *harness) answers(q, id string) bool {
	ans := (&knowledge.Answerer{Library: h.editor.Library}).Answer(context.Background(), q)
	for _, s := range ans.Sources {
		if s.ID == id {
			return ans.Found
		}
	}
	return false
}

// TestWriteAnEntryFromAnUnansweredQuestion: the queue offers 写条目 with the question prefilled
// (sample question, suggested title); saving goes through the gate, goes live, and takes the
// question off the queue; the hit test then shows the bot answering with it.
func TestWriteAnEntryFromAnUnansweredQuestion(t *testing.T) {
	h := newHarness(t)
	if err := h.store.RecordUnanswered(h.ctx, "干部周转房怎么申请", "干部周转房怎么申请？"); err != nil {
		t.Fatal(err)
	}
	hr := h.signIn(testkit.HRID)
	_, body := hr.get("/console/knowledge")
	link := regexp.MustCompile(`href="(/console/knowledge/new\?q=[^"]+)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("the queue offers no 写条目 link:\n%s", body)
	}
	code, body := hr.get(strings.ReplaceAll(link[1], "&amp;", "&"))
	if code != http.StatusOK || !strings.Contains(body, `<textarea id="questions" name="questions" rows="4" required>干部周转房怎么申请？</textarea>`) ||
		!strings.Contains(body, `value="干部周转房申请"`) || !strings.Contains(body, `name="from" value="干部周转房怎么申请"`) {
		t.Fatalf("prefilled form: %d\n%s", code, body)
	}
	form := housingForm()
	form.Set("from", "干部周转房怎么申请")
	r := hr.post("/console/knowledge/new", hr.csrf(), form)
	if r.Code != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "saved=1") {
		t.Fatalf("save: %d %s\n%s", r.Code, r.Header.Get("Location"), r.Body)
	}
	if !h.answers("干部周转房怎么申请", "C-1") {
		t.Fatal("the bot does not answer with the new entry")
	}
	code, body = hr.get(r.Header.Get("Location"))
	if code != http.StatusOK || !strings.Contains(body, "已保存为第 1 版") || !strings.Contains(body, "干部周转房申请 <small class=\"muted\">C-1</small>") {
		t.Errorf("after saving: %d\n%s", code, body)
	}
	if strings.Contains(body, "干部周转房怎么申请？</th>") {
		t.Error("the question is still in the unanswered queue")
	}
	if _, body := hr.get("/console/knowledge/versions"); !strings.Contains(body, "第 1 版") || !strings.Contains(body, "王芳") || !strings.Contains(body, "新增条目") {
		t.Errorf("the history lacks who and what:\n%s", body)
	}
}

// TestEditRetireAndRollBackFromTheConsole: an admin edits a shipped entry, retires it, then rolls
// back to the version with the edit; stale and forged version numbers are refused.
func TestEditRetireAndRollBackFromTheConsole(t *testing.T) {
	h := newHarness(t)
	admin := h.signIn(testkit.AdminID)
	csrf := admin.csrf()
	code, body := admin.get("/console/knowledge/entries/K-61/edit")
	if code != http.StatusOK || !strings.Contains(body, "四项清单是什么") {
		t.Fatalf("edit form: %d", code)
	}
	form := url.Values{"base": {"0"}}
	for _, f := range []string{"title", "category", "answer", "excerpt", "document", "author", "section", "related"} {
		m := regexp.MustCompile(`(?s)(?:id="` + f + `" name="` + f + `"[^>]*value="([^"]*)"|<textarea id="` + f + `"[^>]*>(.*?)</textarea>)`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no field %s", f)
		}
		form.Set(f, unescape(m[1]+m[2]))
	}
	form.Set("questions", "四项清单是什么\n新任职主要领导要注意什么")
	form.Set("answer", form.Get("answer")+"具体安排请咨询区委组织部干部监督科。")
	r := admin.post("/console/knowledge/entries/K-61/edit", csrf, form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.Code, r.Body)
	}
	if e, _ := h.editor.Library.Base().Entry("K-61"); !strings.Contains(e.Answer, "干部监督科") {
		t.Fatal("the edit is not live")
	}
	// The same form again (base 0) is stale now: K-61 changed in version 1.
	form.Set("answer", "另一个说法。")
	r = admin.post("/console/knowledge/entries/K-61/edit", csrf, form)
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "已被修改") || !strings.Contains(r.Body, "另一个说法。") {
		t.Errorf("stale edit: %d, want 422 keeping the text\n%s", r.Code, r.Body)
	}
	if code, body := admin.get("/console/knowledge/entries/K-61/retire"); code != http.StatusOK || !strings.Contains(body, "确认停用") {
		t.Fatalf("retire confirmation: %d", code)
	}
	if r := admin.post("/console/knowledge/entries/K-61/retire", csrf, url.Values{"base": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("retire: %d\n%s", r.Code, r.Body)
	}
	if _, ok := h.editor.Library.Base().Entry("K-61"); ok {
		t.Fatal("K-61 still answers after retiring")
	}
	if code, body := admin.get("/console/knowledge/versions/1/rollback"); code != http.StatusOK || !strings.Contains(body, "第 1 版") || !strings.Contains(body, "第 3 版") ||
		!strings.Contains(body, "<small class=\"muted\">K-61</small>：改为第 1 版时的内容") {
		t.Fatalf("rollback confirmation: %d\n%s", code, body)
	}
	for _, c := range []struct{ path, base string }{
		{"/console/knowledge/versions/99/rollback", "2"},   // no such version
		{"/console/knowledge/versions/1/rollback", "999"},  // forged base
		{"/console/knowledge/versions/-1/rollback", "2"},   // forged target
		{"/console/knowledge/versions/1/rollback", "1"},    // stale page
		{"/console/knowledge/versions/1/rollback", "2abc"}, // not a number
	} {
		if r := admin.post(c.path, csrf, url.Values{"base": {c.base}}); r.Code < 400 || r.Code >= 500 {
			t.Errorf("POST %s base %s: %d, want a 4xx refusal", c.path, c.base, r.Code)
		}
	}
	if live, _ := h.store.KBLive(h.ctx); live != 2 {
		t.Fatalf("refused rollbacks changed the live version to %d", live)
	}
	r = admin.post("/console/knowledge/versions/1/rollback", csrf, url.Values{"base": {"2"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("rollback: %d\n%s", r.Code, r.Body)
	}
	if e, ok := h.editor.Library.Base().Entry("K-61"); !ok || !strings.Contains(e.Answer, "干部监督科") {
		t.Fatal("the rollback did not bring back version 1")
	}
	if code, body := admin.get(r.Header.Get("Location")); code != http.StatusOK || !strings.Contains(body, "已回滚，记为第 3 版") || !strings.Contains(body, "回滚到第 1 版") {
		t.Errorf("after the rollback: %d\n%s", code, body)
	}
	if code, body := admin.get("/console/knowledge/versions/3/rollback"); code != http.StatusBadRequest || !strings.Contains(body, "当前生效的版本") {
		t.Errorf("rolling back to the live version: %d", code)
	}
	_, body = admin.get("/console/audit")
	for _, want := range []string{"修改了知识库条目", "停用了知识库条目", "回滚了知识库"} {
		if !strings.Contains(body, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
}

func unescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'").Replace(s)
}

// TestAChangeFailingTheGateIsShownWithTheFailedQuestions: the form comes back with the typed text
// and the tuned questions in Chinese; nothing goes live.
func TestAChangeFailingTheGateIsShownWithTheFailedQuestions(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	form := housingForm()
	form.Set("title", "食堂开饭时间")
	form.Set("questions", "单位食堂几点开饭\n食堂今天吃什么")
	form.Set("answer", "食堂 11:30 开饭。")
	r := hr.post("/console/knowledge/new", hr.csrf(), form)
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "未通过评测") ||
		!strings.Contains(r.Body, "“单位食堂几点开饭”（应当拒答）：应当拒答，却回答了 [本条目]") || !strings.Contains(r.Body, "食堂 11:30 开饭。") {
		t.Fatalf("refused change: %d\n%s", r.Code, r.Body)
	}
	if live, _ := h.store.KBLive(h.ctx); live != 0 || h.answers("单位食堂几点开饭", "C-1") {
		t.Error("a refused change went live")
	}
	// A question another entry owns: the files check, in Chinese.
	form = housingForm()
	form.Set("questions", "四项清单是什么")
	if r := hr.post("/console/knowledge/new", hr.csrf(), form); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "与 K-61 重复") {
		t.Errorf("duplicate question: %d\n%s", r.Code, r.Body)
	}
}

// TestEditingIsForDistrictWideCurators: every editor handler refuses a cadre's stale cookie
// (401), an HR officer scoped to some units (403, forms not offered), a missing CSRF token and
// an expired session; nothing changes.
func TestEditingIsForDistrictWideCurators(t *testing.T) {
	h := newHarness(t)
	if err := h.store.RecordUnanswered(h.ctx, "干部周转房怎么申请", "干部周转房怎么申请"); err != nil {
		t.Fatal(err)
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/console/knowledge/new", housingForm()},
		{"/console/knowledge/entries/K-61/edit", housingForm()},
		{"/console/knowledge/entries/K-61/retire", url.Values{"base": {"0"}}},
		{"/console/knowledge/versions/0/rollback", url.Values{"base": {"0"}}},
		{"/console/knowledge/resolve", url.Values{"q": {"干部周转房怎么申请"}}},
	}
	gets := []string{"/console/knowledge/new", "/console/knowledge/entries/K-61/edit", "/console/knowledge/entries/K-61/retire", "/console/knowledge/versions/0/rollback"}
	unchanged := func(who string) {
		t.Helper()
		if live, _ := h.store.KBLive(h.ctx); live != 0 {
			t.Fatalf("%s changed the knowledge base (version %d)", who, live)
		}
		if n, _ := h.store.CountUnanswered(h.ctx); n != 1 {
			t.Fatalf("%s took the question off the queue", who)
		}
	}

	// Nobody signed in.
	anon := h.browser()
	for _, p := range posts {
		if r := anon.post(p.path, "x", p.form); r.Code != http.StatusUnauthorized {
			t.Errorf("anonymous POST %s: %d, want 401", p.path, r.Code)
		}
	}
	for _, g := range append(gets, "/console/knowledge/versions") {
		if code, _ := anon.get(g); code != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s: %d", g, code)
		}
	}
	unchanged("anonymous")

	// CSRF missing, or a cross-site form with the right token.
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	for _, p := range posts {
		if r := hr.post(p.path, "", p.form); r.Code != http.StatusForbidden || !strings.Contains(r.Body, "页面已过期") {
			t.Errorf("POST %s without CSRF: %d", p.path, r.Code)
		}
		req := mustRequest(http.MethodPost, h.srv.URL+p.path)
		f := url.Values{}
		for k, v := range p.form {
			f[k] = v
		}
		f.Set("csrf", csrf)
		req.Body = io.NopCloser(strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := hr.do(req); r.Code != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d", p.path, r.Code)
		}
	}
	unchanged("a forged form")

	// A scoped HR officer reads and tests, but is offered no form and refused every change.
	if err := h.store.SetScope(h.ctx, testkit.HRID, []string{"震泽镇"}); err != nil {
		t.Fatal(err)
	}
	code, body := hr.get("/console/knowledge")
	if code != http.StatusOK || strings.Contains(body, "/console/knowledge/new") || strings.Contains(body, "/edit\"") || strings.Contains(body, "标记已处理") || !strings.Contains(body, "负责全区") {
		t.Errorf("a scoped officer's 知识库 page offers editing (%d)", code)
	}
	if code, _ := hr.get("/console/knowledge/versions"); code != http.StatusOK {
		t.Errorf("a scoped officer reads the versions: %d", code)
	}
	for _, g := range gets {
		if code, body := hr.get(g); code != http.StatusForbidden || !strings.Contains(body, "负责全区") {
			t.Errorf("scoped GET %s: %d", g, code)
		}
	}
	for _, p := range posts {
		if r := hr.post(p.path, csrf, p.form); r.Code != http.StatusForbidden {
			t.Errorf("scoped POST %s: %d, want 403", p.path, r.Code)
		}
	}
	unchanged("a scoped officer")

	// The role revoked while signed in: the session is ended (ganwei/weblink), so 401.
	if err := h.store.SetScope(h.ctx, testkit.HRID, nil); err != nil {
		t.Fatal(err)
	}
	cadre := h.signIn(testkit.HRID)
	if err := h.store.SetRole(h.ctx, testkit.HRID, ganwei.RoleCadre); err != nil {
		t.Fatal(err)
	}
	for _, p := range posts {
		if r := cadre.post(p.path, csrf, p.form); r.Code != http.StatusUnauthorized && r.Code != http.StatusForbidden {
			t.Errorf("POST %s after the role was revoked: %d", p.path, r.Code)
		}
	}
	unchanged("a revoked officer")

	// An expired session: idle past 30 minutes.
	admin := h.signIn(testkit.AdminID)
	adminCSRF := admin.csrf()
	h.clock.Advance(weblink.IdleTimeout + time.Minute)
	for _, p := range posts {
		if r := admin.post(p.path, adminCSRF, p.form); r.Code != http.StatusUnauthorized {
			t.Errorf("expired session POST %s: %d, want 401", p.path, r.Code)
		}
	}
	unchanged("an expired session")
}

// TestEntryFormAttacks: script in an entry is escaped on every page; an oversized form is refused
// before it is read; a forged version number and an unknown entry get a clear answer.
func TestEntryFormAttacks(t *testing.T) {
	h := newHarness(t)
	admin := h.signIn(testkit.AdminID)
	csrf := admin.csrf()
	form := housingForm()
	form.Set("title", `周转房<script>alert(1)</script>`)
	form.Set("answer", `请联系干部科<img src=x onerror=alert(1)>。`)
	form.Set("category", `关心关爱"><b>x</b>`)
	r := admin.post("/console/knowledge/new", csrf, form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Code, r.Body)
	}
	for _, path := range []string{"/console/knowledge", "/console/knowledge/versions", "/console/knowledge/entries/C-1/edit", "/console/knowledge/entries/C-1/retire", "/console/audit",
		"/console/knowledge?q=" + url.QueryEscape("干部周转房怎么申请")} {
		code, body := admin.get(path)
		if code != http.StatusOK || strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || strings.Contains(body, "<b>x</b>") {
			t.Errorf("GET %s: %d, the entry's markup is not escaped", path, code)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("GET %s does not show the title as text", path)
		}
	}
	// Oversized: refused with a sentence, nothing saved.
	big := housingForm()
	big.Set("answer", strings.Repeat("长", 30000))
	r = admin.post("/console/knowledge/new", csrf, big)
	if r.Code != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "内容过长") {
		t.Errorf("oversized form: %d", r.Code)
	}
	over := housingForm()
	over.Set("answer", strings.Repeat("长", 1501))
	if r := admin.post("/console/knowledge/new", csrf, over); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "回答请不要超过 1500 字") {
		t.Errorf("answer over the limit: %d", r.Code)
	}
	// Forged version numbers and ids.
	edit := housingForm()
	for _, base := range []string{"999", "-7", "x", ""} {
		edit.Set("base", base)
		if r := admin.post("/console/knowledge/entries/C-1/edit", csrf, edit); r.Code != http.StatusUnprocessableEntity && r.Code != http.StatusBadRequest {
			t.Errorf("edit with base %q: %d", base, r.Code)
		}
	}
	if code, _ := admin.get("/console/knowledge/entries/NOPE/edit"); code != http.StatusNotFound {
		t.Errorf("edit form of an unknown entry: %d", code)
	}
	edit.Set("base", "1")
	if r := admin.post("/console/knowledge/entries/NOPE/edit", csrf, edit); r.Code != http.StatusNotFound {
		t.Errorf("edit of an unknown entry: %d", r.Code)
	}
	if live, _ := h.store.KBLive(h.ctx); live != 1 {
		t.Errorf("live version %d, want 1", live)
	}
}

// TestFeedbackPerEntryOnTheKnowledgePage: 👍/👎 with the 👎 reasons per entry, as /unanswered
// counts them.
func TestFeedbackPerEntryOnTheKnowledgePage(t *testing.T) {
	h := newHarness(t)
	vote := func(entry, v, reason string) {
		q := &ganwei.AskedQuestion{Question: "四项清单是什么", EntryIDs: []string{entry}, Found: true}
		id, err := h.store.RecordAsked(h.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.Vote(h.ctx, id, v); err != nil {
			t.Fatal(err)
		}
		if reason != "" {
			if _, err := h.store.GiveReason(h.ctx, id, reason); err != nil {
				t.Fatal(err)
			}
		}
	}
	vote("K-61", ganwei.VoteUp, "")
	vote("K-61", ganwei.VoteDown, ganwei.ReasonVague)
	vote("K-61", ganwei.VoteDown, ganwei.ReasonWrong)
	vote("K-60", ganwei.VoteUp, "")
	hr := h.signIn(testkit.HRID)
	_, body := hr.get("/console/knowledge")
	row := regexp.MustCompile(`(?s)<tr><th scope="row" class="wrap">新任职主要领导“四项清单”提醒告知制度 <small class="muted">K-61</small></th><td>1</td><td>2</td><td>不够具体 1，信息有误 1</td>`)
	if !row.MatchString(body) {
		t.Errorf("no feedback row for K-61:\n%s", body)
	}
	if !strings.Contains(body, "好评 1 · 差评 2") || !strings.Contains(body, "好评 1 · 差评 0") {
		t.Error("the entries list lacks the counts per entry")
	}
}

// TestTheKnowledgePageSaysWhenALiveVersionCannotBeInstalled: a console entry clashing with one
// a new release ships is named on the page, with what to do.
func TestTheKnowledgePageSaysWhenALiveVersionCannotBeInstalled(t *testing.T) {
	dir := t.TempDir()
	var ed *curation.Editor
	h := newHarnessWith(t, func(s *console.Server) {
		lib, err := knowledge.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		s.Answerer = &knowledge.Answerer{Library: lib}
		ed = &curation.Editor{Versions: s.Editor.Versions, Users: s.Editor.Users, Library: lib, Now: s.Now}
		s.Editor = ed
	})
	// Another replica, before the upgrade, wrote C-1.
	other := &curation.Editor{Versions: ed.Versions, Users: ed.Users, Library: h.editor.Library, Now: h.clock.Now}
	if _, err := other.Add(h.as(testkit.HRID), curation.Draft{Title: "干部周转房申请", Category: "关心关爱",
		Questions: []string{"干部周转房怎么申请"}, Answer: "请向干部科申请。", Excerpt: "可申请周转住房。", Document: "《通知》"}); err != nil {
		t.Fatal(err)
	}
	release := "category: 关心关爱\ncitation: {document: 《新版通知》}\nentries:\n  - id: X-1\n    title: 周转房\n" +
		"    questions: [干部周转房怎么申请]\n    answer: 新版说法。\n    excerpt: 新版原文。\n"
	if err := os.WriteFile(filepath.Join(dir, "release.yaml"), []byte(release), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ed.Library.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Sync(h.ctx); err == nil {
		t.Fatal("the clashing version installed")
	}
	code, body := h.signIn(testkit.HRID).get("/console/knowledge")
	if code != http.StatusOK || !strings.Contains(body, "第 1 版未能在本服务实例生效") || !strings.Contains(body, "与 X-1 重复") {
		t.Errorf("the page does not report the clash: %d\n%s", code, body)
	}
}
