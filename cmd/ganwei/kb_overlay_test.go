package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestKBCheckWithTheConsolesOverlay: `kb check --overlay` checks the files with the live version
// of the console's entries on top, as the bot runs them, and fails when a release's files clash
// with them.
func TestKBCheckWithTheConsolesOverlay(t *testing.T) {
	r := redistest.New(t)
	store := redisstore.New(r.Client, r.Prefix+"ganwei")
	ctx := context.Background()
	if err := testkit.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	lib, err := knowledge.Open("")
	if err != nil {
		t.Fatal(err)
	}
	ed := &curation.Editor{Versions: store, Users: store, Library: lib}
	if _, err := ed.Add(ganwei.NewContextWithActor(ctx, ganwei.Actor{ID: testkit.HRID}), curation.Draft{
		Title: "干部周转房申请", Category: "关心关爱", Questions: []string{"干部周转房怎么申请"},
		Answer: "请向干部科申请。", Excerpt: "可申请周转住房。", Document: "《通知》"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	blind := filepath.Join(dir, "blind.yaml")
	if err := os.WriteFile(blind, []byte(heldOutStandIn), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"REDIS_URL": r.URL, "GANWEI_REDIS_PREFIX": r.Prefix + "ganwei"}
	n := len(lib.Base().Entries())
	code, out, errs := run(t, "", vars, "kb", "check", "--overlay", "--blind", blind)
	if code != 0 || !strings.Contains(out, "console version 1") || !strings.Contains(out, "ok   files: "+strconv.Itoa(n)+" entries") {
		t.Fatalf("exit %d, want the overlay's %d entries checked:\n%s%s", code, n, out, errs)
	}
	release := filepath.Join(t.TempDir(), "release")
	if err := os.Mkdir(release, 0o755); err != nil {
		t.Fatal(err)
	}
	clash := "category: 关心关爱\ncitation: {document: 《新版通知》}\nentries:\n  - id: X-1\n    title: 周转房\n" +
		"    questions: [干部周转房怎么申请]\n    answer: 新版说法。\n    excerpt: 新版原文。\n"
	if err := os.WriteFile(filepath.Join(release, "x.yaml"), []byte(clash), 0o644); err != nil {
		t.Fatal(err)
	}
	vars["GANWEI_KNOWLEDGE_DIR"] = release
	code, out, _ = run(t, "", vars, "kb", "check", "--overlay", "--blind", blind)
	if code != 1 || !strings.Contains(out, "与 X-1 重复") {
		t.Errorf("a release clashing with the console's entry: exit %d\n%s", code, out)
	}
	delete(vars, "GANWEI_KNOWLEDGE_DIR")
	if code, out, _ := run(t, "", vars, "kb", "check", "--blind", blind); code != 0 || strings.Contains(out, "console version") {
		t.Errorf("without --overlay: exit %d\n%s", code, out)
	}
}
