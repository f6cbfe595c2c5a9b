package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/redistest"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

// run executes the binary's Main in-process with the given stdin and environment.
func run(t *testing.T, stdin string, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code = Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestAskJSON(t *testing.T) {
	code, out, errs := run(t, "", nil, "ask", "--json", "容错纠错是什么")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	for _, k := range []string{"q", "answer", "found", "sources", "micros", "band"} {
		if _, ok := got[k]; !ok {
			t.Errorf("output lacks %q: %s", k, out)
		}
	}
	// design.md §3's five keys plus band (candidates only in the 您是想问 band).
	if len(got) != 6 || got["band"] != "answered" {
		t.Errorf("output has %d keys, band %v; want design.md's 5 plus band=answered: %s", len(got), got["band"], out)
	}
	src := got["sources"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "title", "source", "score", "text"} {
		if _, ok := src[k]; !ok {
			t.Errorf("source lacks %q: %v", k, src)
		}
	}
}

func TestAskBatch(t *testing.T) {
	in := "躺平怎么办\n\n{\"q\": \"今天天气怎么样\"}\n四项清单\n"
	code, out, errs := run(t, in, nil, "ask", "--json", "--batch")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3: %s", len(lines), out)
	}
	wantFound := []bool{true, false, true}
	for i, line := range lines {
		var r askResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Found != wantFound[i] {
			t.Errorf("line %d (%q): found %v, want %v", i, r.Q, r.Found, wantFound[i])
		}
		if !r.Found && len(r.Sources) != 0 {
			t.Errorf("not found with sources: %s", line)
		}
	}
	if !strings.Contains(lines[1], `"sources":[]`) {
		t.Errorf("not-found sources should be an empty list: %s", lines[1])
	}
}

func TestAskUsage(t *testing.T) {
	for _, args := range [][]string{{"ask"}, {"ask", "--nope", "q"}, {"ask", "--batch", "q"}, {"kb"}, {"kb", "frob"}} {
		if code, _, _ := run(t, "", nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestKBExport(t *testing.T) {
	code, out, errs := run(t, "", nil, "kb", "export")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 50 {
		t.Errorf("%d passages, want at least 50", len(lines))
	}
	var p map[string]string
	if err := json.Unmarshal([]byte(lines[0]), &p); err != nil {
		t.Fatal(err)
	}
	if len(p) != 4 || p["id"] == "" || p["text"] == "" || p["source"] == "" || p["title"] == "" {
		t.Errorf("passage = %v, want id, title, text, source", p)
	}
}

// heldOutStandIn is a held-out file of our own (tests never run the real one): one question it
// answers, one it cannot, one to decline.
const heldOutStandIn = `cases:
  - {q: 四项清单是什么, style: keyword, expect_any: [四项清单]}
  - {q: 干部食堂几点开饭, style: colloquial, expect_any: [食堂]}
  - {q: 明天会下雨吗, style: out_of_scope, out: true}
`

func TestKBCheckPrintsHeldOutAggregateWithoutQuestions(t *testing.T) {
	dir := t.TempDir()
	blind := filepath.Join(dir, "blind.yaml")
	if err := os.WriteFile(blind, []byte(heldOutStandIn), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "", nil, "kb", "check", "--blind", blind)
	if code != 0 {
		t.Fatalf("exit %d (a held-out failure must not fail the check): %s%s", code, out, errs)
	}
	for _, want := range []string{"in-scope answered correctly", "out-of-scope declined", "held-out in-scope answered correctly: 1/2",
		"held-out out-of-scope declined:       1/1", "band answered", "band candidates", "band declined", "colloquial", "out_of_scope"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "食堂") {
		t.Errorf("the held-out aggregate lists a question:\n%s", out)
	}
	_, out, _ = run(t, "", nil, "kb", "check", "--blind", blind, "--show-failures")
	if !strings.Contains(out, "食堂") {
		t.Errorf("--show-failures does not list the failed question:\n%s", out)
	}
}

func TestKBCheck(t *testing.T) {
	blind := filepath.Join(t.TempDir(), "blind.yaml")
	if err := os.WriteFile(blind, []byte(heldOutStandIn), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "", nil, "kb", "check", "--blind", blind)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	if !strings.Contains(out, "in-scope answered correctly") || !strings.Contains(out, "out-of-scope declined") {
		t.Errorf("output lacks the figures: %s", out)
	}

	dir := t.TempDir()
	broken := "entries:\n  - id: K-01\n    title: 缺少字段的覆盖\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, "", map[string]string{"GANWEI_KNOWLEDGE_DIR": dir}, "kb", "check", "--blind", blind)
	if code != 1 || !strings.Contains(out, "缺少 questions") {
		t.Errorf("broken dir: exit %d, output %q; want 1 and the problem", code, out)
	}

	evalFile := filepath.Join(dir, "eval.yaml")
	if err := os.WriteFile(evalFile, []byte("cases:\n  - {q: 今天天气怎么样, ids: [K-01]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ = run(t, "", nil, "kb", "check", "--eval", evalFile, "--blind", blind); code != 1 {
		t.Errorf("failing eval: exit %d, want 1: %s", code, out)
	}
}

// buttonWith returns the callback data of the first button whose data starts with prefix.
func buttonWith(m telegramtest.Message, prefix string) string {
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.CallbackData, prefix) {
				return b.CallbackData
			}
		}
	}
	return ""
}

// TestCandidatesReasonsAndWorstRatedThroughTelegram: a plausible but unsure question gets
// "您是想问" with candidate buttons; a tap answers at once and counts as a pick; a 👎 offers the
// three reasons; /unanswered shows the worst-rated entry with its reason and pick, and neither
// small talk nor the candidates question lands in the unanswered queue.
func TestCandidatesReasonsAndWorstRatedThroughTelegram(t *testing.T) {
	const hrAdmin, cadre = 1001, 2002
	s := startServe(t, "1001")
	m := s.send(t, cadre, "听说现在提拔看实绩，那平时加班加点算不算")
	pick := buttonWith(m, "kb:pick:")
	if !strings.HasPrefix(m.Text, "您是想问：") || pick == "" || buttonWith(m, "fb:") != "" {
		t.Fatalf("unsure question = %q %v; want 您是想问 with candidate buttons and no feedback row", m.Text, m.Buttons)
	}
	before := len(s.tg.MessagesTo(cadre))
	s.tg.PressButton(cadre, m.ID, pick)
	msgs, err := s.tg.WaitMessages(s.ctx, cadre, before+1)
	if err != nil {
		t.Fatal(err)
	}
	ans := msgs[len(msgs)-1]
	down := buttonWith(ans, "fb:down:")
	if !strings.Contains(ans.Text, "来源：") || down == "" {
		t.Fatalf("tapped candidate = %q %v; want the answer with its source and 👍/👎", ans.Text, ans.Buttons)
	}
	s.tg.PressButton(cadre, ans.ID, down)
	var why string
	if err := s.tg.WaitUntil(s.ctx, func() bool {
		for _, msg := range s.tg.MessagesTo(cadre) {
			if msg.ID == ans.ID {
				why = buttonWith(msg, "fb:why:")
			}
		}
		return why != ""
	}); err != nil {
		t.Fatalf("👎 did not offer reasons: %v", err)
	}
	s.tg.PressButton(cadre, ans.ID, strings.TrimSuffix(why, ganwei.ReasonOffTopic)+ganwei.ReasonVague)
	if err := s.tg.WaitUntil(s.ctx, func() bool {
		for _, msg := range s.tg.MessagesTo(cadre) {
			if msg.ID == ans.ID {
				return buttonWith(msg, "fb:why:") == ""
			}
		}
		return false
	}); err != nil {
		t.Fatalf("the reason buttons stayed after a reason was given: %v", err)
	}
	s.send(t, cadre, "收到")
	got := s.send(t, hrAdmin, "/unanswered").Text
	for _, want := range []string{"评价最差的条目", "K-33", "👎 1", "不够具体 1", "选中 1 次"} {
		if !strings.Contains(got, want) {
			t.Errorf("/unanswered lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "加班加点") || strings.Contains(got, "收到") {
		t.Errorf("/unanswered lists a question that was not declined:\n%s", got)
	}
}

func TestKBFeedbackListsWorstRatedEntries(t *testing.T) {
	rd := redistest.New(t)
	ctx := context.Background()
	store := redisstore.New(rd.Client, rd.Prefix)
	for _, v := range []string{ganwei.VoteDown, ganwei.VoteDown, ganwei.VoteUp} {
		id, err := store.RecordAsked(ctx, &ganwei.AskedQuestion{Question: "q", EntryIDs: []string{"K-61"}, Found: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Vote(ctx, id, v); err != nil {
			t.Fatal(err)
		}
		if v == ganwei.VoteDown {
			if _, err := store.GiveReason(ctx, id, ganwei.ReasonWrong); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, errOut, code := runCLI(t, rd, "kb", "feedback")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"K-61", "up   1", "down   2", "wrong 2", "四项清单"} {
		if !strings.Contains(out, want) {
			t.Errorf("kb feedback lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = runCLI(t, rd, "kb", "feedback", "--json")
	var line map[string]any
	if err := json.Unmarshal([]byte(out), &line); err != nil || line["entry_id"] != "K-61" || line["down"] != float64(2) {
		t.Errorf("kb feedback --json = %q (%v)", out, err)
	}
}
