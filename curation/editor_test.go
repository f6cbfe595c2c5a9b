package curation_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
)

// housing is a local entry no tuned question is about: it passes the gate.
func housing() curation.Draft {
	return curation.Draft{
		Title: "干部周转房申请", Category: "关心关爱",
		Questions: []string{"干部周转房怎么申请", "异地任职的干部能住周转房吗"},
		Answer:    "异地任职的干部可向区委组织部干部科申请周转房，填写申请表并附任职文件，一般 10 个工作日内答复。",
		Excerpt:   "异地交流任职干部可申请周转住房。", Document: "《区委组织部关于干部周转房管理的通知》",
		NeedsConfirmation: true,
	}
}

type rig struct {
	t     *testing.T
	ctx   context.Context
	store *redisstore.Store
	clock *testkit.Clock
}

func newRig(t *testing.T) *rig {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	clock := testkit.NewClock(testkit.At("2026-11-25 10:00"))
	store.Now = clock.Now
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, ctx: ctx, store: store, clock: clock}
}

// replica is one process's editor over its own Library on the shared Redis.
func (r *rig) replica() *curation.Editor {
	r.t.Helper()
	lib, err := knowledge.Open("")
	if err != nil {
		r.t.Fatal(err)
	}
	return &curation.Editor{Versions: r.store, Users: r.store, Audit: r.store, Library: lib, Now: r.clock.Now}
}

func (r *rig) as(id int64) context.Context {
	return ganwei.NewContextWithActor(r.ctx, ganwei.Actor{ID: id})
}

// answers reports whether the editor's library answers q from entry id.
func answers(ed *curation.Editor, q, id string) bool {
	ans := (&knowledge.Answerer{Library: ed.Library}).Answer(context.Background(), q)
	for _, s := range ans.Sources {
		if s.ID == id {
			return ans.Found
		}
	}
	return false
}

// TestEachChangeIsAVersionWithWhoAndWhenAndGoesLive: add, edit and retire from an HR officer
// covering the district, each a new version recorded with who and when and audited, each
// answered (or no longer) at once.
func TestEachChangeIsAVersionWithWhoAndWhenAndGoesLive(t *testing.T) {
	r := newRig(t)
	ed := r.replica()
	hr := r.as(testkit.HRID)
	v1, err := ed.Add(hr, housing())
	if err != nil {
		t.Fatal(err)
	}
	id := v1.EntryID
	if v1.N != 1 || !strings.HasPrefix(id, "C-") || v1.By != testkit.HRID || !v1.At.Equal(r.clock.Now()) || v1.Action != ganwei.KBAdd {
		t.Fatalf("first version %+v", v1)
	}
	if ed.Live() != 1 || !answers(ed, "干部周转房怎么申请", id) {
		t.Fatal("the new entry does not answer its own question")
	}
	r.clock.Advance(60_000_000_000)
	d := housing()
	d.ID = id
	d.Answer = "异地任职的干部可向区委组织部干部科申请周转房，一般 5 个工作日内答复。"
	v2, err := ed.Edit(hr, d, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v2.N != 2 || v2.Action != ganwei.KBEdit || v2.EntryID != id {
		t.Fatalf("edit version %+v", v2)
	}
	if e, _ := ed.Library.Base().Entry(id); e == nil || !strings.Contains(e.Answer, "5个工作日") {
		t.Fatal("the edit is not live")
	}
	if _, err := ed.Edit(hr, d, 2); ganwei.ErrorCode(err) != ganwei.EINVALID {
		t.Errorf("an edit changing nothing: %v, want EINVALID", err)
	}
	// A shipped entry: edit then retire.
	k61, _ := ed.Library.Base().Entry("K-61")
	kd := curation.DraftOf(k61)
	kd.Answer += "详情可咨询区委组织部干部监督科。"
	if _, err := ed.Edit(hr, kd, 2); err != nil {
		t.Fatal(err)
	}
	v4, err := ed.Retire(r.as(testkit.AdminID), id, 3)
	if err != nil {
		t.Fatal(err)
	}
	if v4.N != 4 || v4.By != testkit.AdminID || answers(ed, "干部周转房怎么申请", id) {
		t.Fatalf("retire %+v: the entry is still answered", v4)
	}
	hist, live, err := ed.History(hr, 10)
	if err != nil || live != 4 || len(hist) != 4 || hist[0].N != 4 || hist[3].N != 1 || hist[3].By != testkit.HRID {
		t.Fatalf("history %v live %d err %v", hist, live, err)
	}
	log, err := r.store.AuditLog(r.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, e.Action)
	}
	if strings.Join(got, ",") != "kb_retire,kb_edit,kb_edit,kb_add" || !strings.Contains(log[0].Detail, "第 4 版") {
		t.Errorf("audit %v, detail %q", got, log[0].Detail)
	}
}

// TestOnlyDistrictWideCuratorsChangeIt: scoped HR, cadres, guests and a context without an actor
// are refused every change, decided by the role in the store now; HR all read the history.
func TestOnlyDistrictWideCuratorsChangeIt(t *testing.T) {
	r := newRig(t)
	ed := r.replica()
	if _, err := ed.Add(r.as(testkit.HRID), housing()); err != nil {
		t.Fatal(err)
	}
	if err := r.store.SetScope(r.ctx, testkit.HRID, []string{"震泽镇"}); err != nil {
		t.Fatal(err)
	}
	queue := &curation.Queue{Questions: r.store, Users: r.store}
	for _, c := range []context.Context{r.ctx, r.as(testkit.GuestID), r.as(testkit.CadreID), r.as(testkit.HRID)} {
		if _, err := ed.Add(c, housing()); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
			t.Errorf("add: %v, want EFORBIDDEN", err)
		}
		if _, err := ed.Retire(c, "K-61", 1); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
			t.Errorf("retire: %v, want EFORBIDDEN", err)
		}
		if _, err := ed.Rollback(c, 0, 1); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
			t.Errorf("rollback: %v, want EFORBIDDEN", err)
		}
		if err := queue.Resolve(c, "x"); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
			t.Errorf("resolve: %v, want EFORBIDDEN", err)
		}
		if ed.MayEdit(c) == nil {
			t.Error("MayEdit says yes")
		}
	}
	if _, err := ed.Add(r.as(testkit.HRID), housing()); !strings.Contains(ganwei.ErrorMessage(err), "负责全区") {
		t.Errorf("the scoped officer's refusal says %q", ganwei.ErrorMessage(err))
	}
	if _, _, err := ed.History(r.as(testkit.HRID), 5); err != nil {
		t.Errorf("a scoped officer reads the history: %v", err)
	}
	if _, _, err := ed.History(r.as(testkit.CadreID), 5); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("a cadre reads the history: %v", err)
	}
	if live, _ := r.store.KBLive(r.ctx); live != 1 {
		t.Errorf("live version %d after refusals, want 1", live)
	}
}

// TestAChangeFailingTheGateLeavesTheLiveBaseUnchanged: an entry that answers a tuned
// out-of-scope question, and one whose question another entry owns, are refused with the reasons
// in Chinese; nothing is stored or installed.
func TestAChangeFailingTheGateLeavesTheLiveBaseUnchanged(t *testing.T) {
	r := newRig(t)
	ed := r.replica()
	hr := r.as(testkit.HRID)
	before := ed.Library.Base()
	canteen := curation.Draft{Title: "食堂开饭时间", Category: "后勤", Questions: []string{"单位食堂几点开饭", "食堂今天吃什么"},
		Answer: "食堂 11:30 开饭。", Excerpt: "食堂 11:30 开饭。", Document: "《机关后勤通知》"}
	_, err := ed.Add(hr, canteen)
	var ref *curation.Refusal
	if !errors.As(err, &ref) || ganwei.ErrorCode(err) != ganwei.EINVALID || len(ref.Failures) == 0 {
		t.Fatalf("an entry answering out-of-scope questions: %v", err)
	}
	var named bool
	for _, f := range ref.Failures {
		named = named || f.Question == "单位食堂几点开饭" && f.Out && strings.Contains(f.Why, "应当拒答")
	}
	if !named || !strings.Contains(ref.Summary, "未通过评测") {
		t.Errorf("refusal %+v does not name the failed question", ref)
	}
	dup := housing()
	dup.Questions = []string{"四项清单是什么"}
	if _, err := ed.Add(hr, dup); !errors.As(err, &ref) || len(ref.Problems) == 0 || !strings.Contains(strings.Join(ref.Problems, ""), "与 K-61 重复") {
		t.Fatalf("a question K-61 owns: %v", err)
	}
	bad := housing()
	bad.Related = []string{"K-999"}
	if _, err := ed.Add(hr, bad); !errors.As(err, &ref) || !strings.Contains(strings.Join(ref.Problems, ""), "K-999") {
		t.Fatalf("a related link to nowhere: %v", err)
	}
	if live, _ := r.store.KBLive(r.ctx); live != 0 || ed.Library.Base() != before || ed.Live() != 0 {
		t.Errorf("a refused change went live: version %d", live)
	}
	if log, _ := r.store.AuditLog(r.ctx, 5); len(log) != 0 {
		t.Errorf("a refused change was audited as made: %+v", log[0])
	}
}

// TestRollbackToAnyEarlierVersion: back to version 1 and to the shipped files (0), each a new
// version; forged and stale numbers are refused.
func TestRollbackToAnyEarlierVersion(t *testing.T) {
	r := newRig(t)
	ed := r.replica()
	hr := r.as(testkit.HRID)
	v1, err := ed.Add(hr, housing())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Retire(hr, "K-61", 1); err != nil {
		t.Fatal(err)
	}
	if _, ok := ed.Library.Base().Entry("K-61"); ok {
		t.Fatal("K-61 was not retired")
	}
	for _, c := range []struct {
		to, base int64
		code     string
	}{
		{99, 2, ganwei.EINVALID},  // no such version
		{-1, 2, ganwei.EINVALID},  // forged
		{2, 2, ganwei.EINVALID},   // the live one itself
		{1, 7, ganwei.EINVALID},   // a base from the future
		{1, 1, ganwei.ECONFLICT},  // a stale page
		{1, -5, ganwei.EINVALID},  // forged base
		{0, -1, ganwei.EINVALID},  // no base
		{1, 0, ganwei.ECONFLICT},  // stale too
		{0, 99, ganwei.EINVALID},  // future base
		{-9, 2, ganwei.EINVALID},  // forged target
		{3, 2, ganwei.EINVALID},   // beyond the live one
		{50, 50, ganwei.EINVALID}, // both forged
	} {
		if _, err := ed.Rollback(hr, c.to, c.base); ganwei.ErrorCode(err) != c.code {
			t.Errorf("rollback to %d from %d: %v, want %s", c.to, c.base, err, c.code)
		}
	}
	changes, err := ed.Compare(hr, 2, 1)
	if err != nil || len(changes) != 1 || changes[0].ID != "K-61" || changes[0].What != "恢复使用（内置内容）" {
		t.Errorf("compare 2 → 1: %+v %v", changes, err)
	}
	changes, err = ed.Compare(hr, 2, 0)
	if err != nil || len(changes) != 2 || changes[0].ID != v1.EntryID || !strings.Contains(changes[0].What, "撤下") || changes[0].Title != "干部周转房申请" {
		t.Errorf("compare 2 → 0: %+v %v", changes, err)
	}
	if _, err := ed.Compare(r.as(testkit.CadreID), 2, 1); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("a cadre compares versions: %v", err)
	}
	v3, err := ed.Rollback(hr, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if v3.N != 3 || v3.To != 1 || v3.Action != ganwei.KBRollback || len(v3.Retired) != 0 {
		t.Fatalf("rollback version %+v", v3)
	}
	if _, ok := ed.Library.Base().Entry("K-61"); !ok || !answers(ed, "干部周转房怎么申请", v1.EntryID) {
		t.Fatal("version 1 is not what is live after the rollback")
	}
	if _, err := ed.Rollback(hr, 0, 3); err != nil {
		t.Fatal(err)
	}
	if _, ok := ed.Library.Base().Entry(v1.EntryID); ok {
		t.Fatal("rollback to 0 kept the console's entry")
	}
	// Forward again to version 2 (K-61 retired): any earlier version, not only older ones.
	if _, err := ed.Rollback(hr, 2, 4); err != nil {
		t.Fatal(err)
	}
	if _, ok := ed.Library.Base().Entry("K-61"); ok {
		t.Fatal("rolling forward to version 2 did not retire K-61 again")
	}
}

// TestTwoReplicasSeeTheChange: a change made on one replica reaches the other's answers at its
// next Sync (one GET when nothing changed), and an edit based on an old page is refused.
func TestTwoReplicasSeeTheChange(t *testing.T) {
	r := newRig(t)
	a, b := r.replica(), r.replica()
	hr := r.as(testkit.HRID)
	if changed, err := b.Sync(r.ctx); changed || err != nil {
		t.Fatalf("sync with nothing new: %v %v", changed, err)
	}
	v1, err := a.Add(hr, housing())
	if err != nil {
		t.Fatal(err)
	}
	if answers(b, "干部周转房怎么申请", v1.EntryID) {
		t.Fatal("replica b answers before syncing (shared library?)")
	}
	if changed, err := b.Sync(r.ctx); !changed || err != nil || b.Live() != 1 {
		t.Fatalf("b sync: %v %v live %d", changed, err, b.Live())
	}
	if !answers(b, "干部周转房怎么申请", v1.EntryID) {
		t.Fatal("replica b does not answer with the new entry")
	}
	if changed, _ := b.Sync(r.ctx); changed {
		t.Error("a second sync reinstalled the same version")
	}
	// b edits the entry from a page opened at version 1; a's page, also opened at 1, is stale.
	d := housing()
	d.ID = v1.EntryID
	d.Answer = "请向区委组织部干部科申请周转房。"
	if _, err := b.Edit(hr, d, 1); err != nil {
		t.Fatal(err)
	}
	d.Answer = "另一种说法。"
	if _, err := a.Edit(hr, d, 1); ganwei.ErrorCode(err) != ganwei.ECONFLICT {
		t.Fatalf("an edit over someone else's: %v, want ECONFLICT", err)
	}
	// a writes another entry without syncing first: it builds on the live version in Redis.
	other := housing()
	other.Title, other.Questions = "干部体检安排", []string{"干部年度体检什么时候安排"}
	if _, err := a.Add(hr, other); err != nil {
		t.Fatal(err)
	}
	if e, _ := a.Library.Base().Entry(v1.EntryID); e == nil || e.Answer != "请向区委组织部干部科申请周转房。" {
		t.Fatalf("a's add lost b's edit: %+v", e)
	}
	if changed, _ := b.Sync(r.ctx); !changed || b.Live() != 3 {
		t.Fatalf("b did not pick up version 3")
	}
	// A replica started now installs the live version at its first sync.
	c := r.replica()
	if changed, err := c.Sync(r.ctx); !changed || err != nil || c.Live() != 3 {
		t.Fatalf("new replica: %v %v %d", changed, err, c.Live())
	}
}

// TestOversizedOrBrokenDraftsAreRefused: limits with a clear answer; control characters dropped.
func TestOversizedOrBrokenDraftsAreRefused(t *testing.T) {
	r := newRig(t)
	ed := r.replica()
	hr := r.as(testkit.HRID)
	cases := map[string]func(*curation.Draft){
		"标题请不要超过":   func(d *curation.Draft) { d.Title = strings.Repeat("长", curation.MaxTitle+1) },
		"回答请不要超过":   func(d *curation.Draft) { d.Answer = strings.Repeat("答", curation.MaxAnswer+1) },
		"原文摘录请不要超过": func(d *curation.Draft) { d.Excerpt = strings.Repeat("文", curation.MaxExcerpt+1) },
		"常见问法请不要超过": func(d *curation.Draft) {
			d.Questions = nil
			for i := range curation.MaxQuestions + 1 {
				d.Questions = append(d.Questions, "问题"+strings.Repeat("问", i+1))
			}
		},
		"每个问法请不要超过":  func(d *curation.Draft) { d.Questions = []string{strings.Repeat("问", curation.MaxQuestion+1)} },
		"请填写标题":      func(d *curation.Draft) { d.Title = " \n " },
		"请至少写一个常见问法": func(d *curation.Draft) { d.Questions = []string{"", "  "} },
		"请填写来源文件":    func(d *curation.Draft) { d.Document = "" },
		"条目编号":       func(d *curation.Draft) { d.Related = []string{"K-61 OR 1=1"} },
	}
	for want, change := range cases {
		d := housing()
		change(&d)
		if _, err := ed.Add(hr, d); ganwei.ErrorCode(err) != ganwei.EINVALID || !strings.Contains(ganwei.ErrorMessage(err), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
	d := housing()
	d.Title = "干部周转房\r\n申请\x00"
	v, err := ed.Add(hr, d)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := ed.Library.Base().Entry(v.EntryID); e == nil || e.Title != "干部周转房申请" {
		t.Errorf("title with control characters stored as %q", e.Title)
	}
	if _, err := ed.Edit(hr, curation.Draft{ID: "NOPE", Title: "x", Category: "x", Questions: []string{"x"}, Answer: "x", Excerpt: "x", Document: "x"}, 1); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("edit of an unknown entry: %v", err)
	}
	if _, err := ed.Retire(hr, "NOPE", 1); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("retire of an unknown entry: %v", err)
	}
}

// TestResolveTakesTheQuestionOffTheQueue: gone from the queue and audited; again is ENOTFOUND.
func TestResolveTakesTheQuestionOffTheQueue(t *testing.T) {
	r := newRig(t)
	for _, q := range []string{"周转房怎么申请", "周转房怎么申请", "食堂几点开门"} {
		if err := r.store.RecordUnanswered(r.ctx, q, q); err != nil {
			t.Fatal(err)
		}
	}
	queue := &curation.Queue{Questions: r.store, Users: r.store, Audit: r.store, Now: r.clock.Now}
	if err := queue.Resolve(r.as(testkit.HRID), "周转房怎么申请"); err != nil {
		t.Fatal(err)
	}
	top, total, err := queue.Unanswered(r.as(testkit.HRID), 10)
	if err != nil || total != 1 || top[0].Example != "食堂几点开门" {
		t.Errorf("queue after resolve: %+v %d %v", top, total, err)
	}
	if err := queue.Resolve(r.as(testkit.HRID), "周转房怎么申请"); ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
		t.Errorf("resolving twice: %v", err)
	}
	if log, _ := r.store.AuditLog(r.ctx, 5); len(log) != 1 || log[0].Action != curation.AuditKBResolve || strings.Contains(log[0].Detail, "周转房") {
		t.Errorf("audit %+v: want one resolve entry without the question's words", log)
	}
}

// TestAVersionThatClashesWithANewReleaseIsReportedAndFixable: after an upgrade ships an entry
// owning a question a console entry also has, a replica cannot install the live version: it keeps
// answering from what it has, reports the clash in Chinese, and an edit that removes the clash
// (gated against the new files) installs and clears it.
func TestAVersionThatClashesWithANewReleaseIsReportedAndFixable(t *testing.T) {
	r := newRig(t)
	dir := t.TempDir()
	open := func() *curation.Editor {
		lib, err := knowledge.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return &curation.Editor{Versions: r.store, Users: r.store, Library: lib, Now: r.clock.Now}
	}
	hr := r.as(testkit.HRID)
	v1, err := open().Add(hr, housing())
	if err != nil {
		t.Fatal(err)
	}
	release := "category: 关心关爱\ncitation: {document: 《新版通知》}\nentries:\n  - id: X-1\n    title: 周转房\n" +
		"    questions: [干部周转房怎么申请]\n    answer: 新版说法。\n    excerpt: 新版原文。\n"
	if err := os.WriteFile(filepath.Join(dir, "release.yaml"), []byte(release), 0o644); err != nil {
		t.Fatal(err)
	}
	b := open()
	if _, err := b.Sync(r.ctx); err == nil {
		t.Fatal("a clashing version installed")
	}
	n, problems := b.InstallProblem()
	if n != 1 || len(problems) == 0 || !strings.Contains(strings.Join(problems, ""), "与 X-1 重复") {
		t.Fatalf("install problem %d %v", n, problems)
	}
	if changed, err := b.Sync(r.ctx); changed || err != nil {
		t.Errorf("the failing version was retried: %v %v", changed, err)
	}
	if !answers(b, "干部周转房怎么申请", "X-1") {
		t.Error("the replica does not answer from the files it has")
	}
	d := housing()
	d.ID, d.Questions = v1.EntryID, []string{"异地任职的干部能住周转房吗"}
	if _, err := b.Edit(hr, d, 1); err != nil {
		t.Fatal(err)
	}
	if n, problems := b.InstallProblem(); n != 0 || problems != nil || b.Live() != 2 {
		t.Errorf("after the fix: %d %v, live %d", n, problems, b.Live())
	}
}
