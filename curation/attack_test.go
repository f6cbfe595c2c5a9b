package curation_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestAttackRollbackToAVersionFailingTodaysGate: version 1 passed the gate of its day; a new
// release's gate refuses it. Rolling back to it is refused by today's gate and the live version
// stays as it was, on every replica.
func TestAttackRollbackToAVersionFailingTodaysGate(t *testing.T) {
	r := newRig(t)
	old := r.replica()
	hr := r.as(testkit.HRID)
	v1, err := old.Add(hr, housing())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Retire(hr, v1.EntryID, 1); err != nil {
		t.Fatal(err)
	}
	upgraded := r.replica()
	upgraded.Gate = func(b *knowledge.Base) error {
		if _, ok := b.Entry(v1.EntryID); ok {
			return errors.New("the new release's evaluation fails with " + v1.EntryID)
		}
		return knowledge.EvalGate()(b)
	}
	if _, err := upgraded.Sync(r.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := upgraded.Rollback(hr, 1, 2); err == nil {
		t.Fatal("a rollback to a version failing today's gate went live")
	}
	if live, _ := r.store.KBLive(r.ctx); live != 2 {
		t.Errorf("live version %d after the refused rollback, want 2", live)
	}
	for _, ed := range []*curation.Editor{old, upgraded} {
		if _, err := ed.Sync(r.ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok := ed.Library.Base().Entry(v1.EntryID); ok {
			t.Error("the refused rollback's entry is in a replica's answers")
		}
	}
}

// TestAttackRetiredShippedEntryStaysRetiredAfterRestart: a shipped entry retired in the console
// stays out of answers in a process started afterwards (its files still ship the entry).
func TestAttackRetiredShippedEntryStaysRetiredAfterRestart(t *testing.T) {
	r := newRig(t)
	ed := r.replica()
	shipped, ok := ed.Library.Base().Entry("K-61")
	if !ok {
		t.Fatal("no shipped K-61")
	}
	if _, err := ed.Retire(r.as(testkit.AdminID), "K-61", 0); err != nil {
		t.Fatal(err)
	}
	restarted := r.replica()
	if _, ok := restarted.Library.Base().Entry("K-61"); !ok {
		t.Fatal("the files no longer ship K-61: the test proves nothing")
	}
	if _, err := restarted.Sync(r.ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := restarted.Library.Base().Entry("K-61"); ok {
		t.Error("K-61 is back after a restart")
	}
	for _, q := range shipped.Questions {
		if answers(restarted, q, "K-61") {
			t.Errorf("%q is answered from the retired K-61 after a restart", q)
		}
	}
}

// TestAttackRevokedAdminCannotEdit: an administrator revoked in the store (not in
// GANWEI_ADMIN_IDS) is refused at once, whatever page they still have open.
func TestAttackRevokedAdminCannotEdit(t *testing.T) {
	r := newRig(t)
	ed := r.replica()
	if err := r.store.SetRole(r.ctx, testkit.AdminID, ganwei.RoleGuest); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Add(r.as(testkit.AdminID), housing()); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("a revoked admin adds an entry: %v", err)
	}
	if _, err := ed.Retire(r.as(testkit.AdminID), "K-61", 0); ganwei.ErrorCode(err) != ganwei.EFORBIDDEN {
		t.Errorf("a revoked admin retires an entry: %v", err)
	}
	if live, _ := r.store.KBLive(r.ctx); live != 0 {
		t.Errorf("live version %d, want 0", live)
	}
}

// TestAttackInvisibleCharactersDoNotHideAClaim: a new entry claiming a shipped entry's question
// with an invisible character inserted (zero-width space, a direction override) is refused as
// the duplicate it is, and the direction override never reaches a title readers see.
func TestAttackInvisibleCharactersDoNotHideAClaim(t *testing.T) {
	r := newRig(t)
	ed := r.replica()
	k61, _ := ed.Library.Base().Entry("K-61")
	q := []rune(k61.Questions[0])
	for _, mark := range []string{"\u200b", "\u202e", "\u2066", "\ufeff"} {
		d := housing()
		d.Questions = append([]string{string(q[:2]) + mark + string(q[2:])}, d.Questions...)
		d.Title = "干部周转房" + mark + "申请"
		v, err := ed.Add(r.as(testkit.AdminID), d)
		if err == nil {
			e, _ := ed.Library.Base().Entry(v.EntryID)
			t.Errorf("%U: an entry claiming %q of K-61 went live as %s (title %q)", []rune(mark)[0], k61.Questions[0], v.EntryID, e.Title)
			if _, err := ed.Retire(r.as(testkit.AdminID), v.EntryID, v.N); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var ref *curation.Refusal
		if errors.As(err, &ref) {
			t.Logf("%U: %v", []rune(mark)[0], ref.Problems)
		}
		if strings.Contains(err.Error(), mark) {
			t.Errorf("%U: the refusal repeats the invisible character: %v", []rune(mark)[0], err)
		}
	}
}

// TestAttackDirectionOverridesNeverGoLive: a title or answer carrying a right-to-left override
// (shown reversed: "请申" reads 申请) or zero-width characters goes live without them, so the
// bot and the console show the text in the order it is stored.
func TestAttackDirectionOverridesNeverGoLive(t *testing.T) {
	r := newRig(t)
	ed := r.replica()
	d := housing()
	d.Title = "干部周转房\u202e请申\u200b"
	d.Answer += "\u202e。知通见详\u2067"
	d.Excerpt = "\ufeff" + d.Excerpt
	d.Document = "《区委组织部\u200d关于干部周转房管理的通知》"
	v, err := ed.Add(r.as(testkit.AdminID), d)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ed.Library.Base().Entry(v.EntryID)
	for field, text := range map[string]string{"title": e.Title, "answer": e.Answer, "excerpt": e.Excerpt, "document": e.Citation.Document, "version title": v.Title} {
		if strings.ContainsFunc(text, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) {
			t.Errorf("%s went live with an invisible format character: %q", field, text)
		}
	}
}

// TestAttackRacingEdits: two replicas save at the same moment. Two new entries both go live (the
// later one is rebuilt on the earlier's version, nothing lost); two edits of the same entry from
// the same page give one new version and one ECONFLICT, never a silent overwrite.
func TestAttackRacingEdits(t *testing.T) {
	r := newRig(t)
	a, b := r.replica(), r.replica()
	hr, admin := r.as(testkit.HRID), r.as(testkit.AdminID)
	other := housing()
	other.Title, other.Questions = "干部体检安排", []string{"干部年度体检怎么安排"}
	other.Answer = "区委组织部每年组织在职干部体检一次，具体时间和医院以当年通知为准。"
	type result struct {
		v   *ganwei.KBVersion
		err error
	}
	race := func(f, g func() (*ganwei.KBVersion, error)) (result, result) {
		ch := make(chan result, 2)
		for _, fn := range []func() (*ganwei.KBVersion, error){f, g} {
			go func() { v, err := fn(); ch <- result{v, err} }()
		}
		return <-ch, <-ch
	}
	x, y := race(func() (*ganwei.KBVersion, error) { return a.Add(hr, housing()) },
		func() (*ganwei.KBVersion, error) { return b.Add(admin, other) })
	if x.err != nil || y.err != nil {
		t.Fatalf("two adds: %v / %v", x.err, y.err)
	}
	c := r.replica()
	if _, err := c.Sync(r.ctx); err != nil {
		t.Fatal(err)
	}
	for _, v := range []*ganwei.KBVersion{x.v, y.v} {
		if _, ok := c.Library.Base().Entry(v.EntryID); !ok {
			t.Errorf("%s was lost to the other add", v.EntryID)
		}
	}
	live, _ := r.store.KBLive(r.ctx)
	for _, ed := range []*curation.Editor{a, b} {
		if _, err := ed.Sync(r.ctx); err != nil {
			t.Fatal(err)
		}
	}
	e1, e2 := housing(), housing()
	e1.ID, e2.ID = x.v.EntryID, x.v.EntryID
	if x.v.Title != "干部周转房申请" {
		e1.ID, e2.ID = y.v.EntryID, y.v.EntryID
	}
	e1.Answer += "（一）"
	e2.Answer += "（二）"
	p, q := race(func() (*ganwei.KBVersion, error) { return a.Edit(hr, e1, live) },
		func() (*ganwei.KBVersion, error) { return b.Edit(admin, e2, live) })
	ok, conflict := 0, 0
	for _, res := range []result{p, q} {
		switch ganwei.ErrorCode(res.err) {
		case "":
			ok++
		case ganwei.ECONFLICT:
			conflict++
		default:
			t.Errorf("racing edit: %v", res.err)
		}
	}
	if ok != 1 || conflict != 1 {
		t.Errorf("racing edits of one entry: %d saved, %d conflicts; want 1 and 1", ok, conflict)
	}
	if now, _ := r.store.KBLive(r.ctx); now != live+1 {
		t.Errorf("live version %d after the racing edits, want %d", now, live+1)
	}
}
