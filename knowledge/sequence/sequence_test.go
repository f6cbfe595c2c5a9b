package sequence_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ganwei-bot/ganwei/knowledge/sequence"
)

func TestDefaultCoversTheFourLists(t *testing.T) {
	seq := sequence.Default()
	if h, m := seq.SendTime(); h != 9 || m != 0 {
		t.Errorf("SendTime = %d:%02d, want 9:00", h, m)
	}
	if h, m := seq.SendUntilTime(); h != 17 || m != 30 {
		t.Errorf("SendUntilTime = %d:%02d, want 17:30", h, m)
	}
	if seq.CatchUp.Workdays != 1 {
		t.Errorf("CatchUp = %v, want 1 workday", seq.CatchUp)
	}
	if !seq.Steps[0].Due.IsZero() || !seq.Steps[0].NeedsAck {
		t.Errorf("first step must go out at once and need acknowledgement: %+v", seq.Steps[0])
	}
	all := ""
	for _, st := range seq.Steps {
		if !strings.Contains(st.Text, "模板，以组织部正式文本为准") {
			t.Errorf("step %s is not marked as a template", st.ID)
		}
		all += st.Text
	}
	for _, list := range []string{"权力清单", "责任清单", "负面清单", "风险防控清单"} {
		if !strings.Contains(all, list) {
			t.Errorf("the sequence never explains %s", list)
		}
	}
}

func TestParseSpan(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want sequence.Span
		bad  bool
	}{
		{"now", sequence.Span{}, false},
		{"", sequence.Span{}, false},
		{"3 workdays", sequence.Span{Workdays: 3}, false},
		{"1 workday", sequence.Span{Workdays: 1}, false},
		{"2wd", sequence.Span{Workdays: 2}, false},
		{"5个工作日", sequence.Span{Workdays: 5}, false},
		{"2s", sequence.Span{Duration: 2 * time.Second}, false},
		{"48h", sequence.Span{Duration: 48 * time.Hour}, false},
		{"-2s", sequence.Span{}, true},
		{"soon", sequence.Span{}, true},
		{"999 workdays", sequence.Span{}, true},
	} {
		got, err := sequence.ParseSpan(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseSpan(%q) = %#v, %v; want %#v, bad=%v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"no steps":        "steps: []",
		"first not now":   "steps:\n  - {id: a, due: 1 workday, text: x}",
		"duplicate id":    "steps:\n  - {id: a, text: x}\n  - {id: a, text: y}",
		"bad id":          "steps:\n  - {id: 'A B', text: x}",
		"empty text":      "steps:\n  - {id: a, text: ' '}",
		"remind no ack":   "steps:\n  - {id: a, text: x, remind_times: 1, remind_every: 1s}",
		"remind no every": "steps:\n  - {id: a, text: x, needs_ack: true, remind_times: 1}",
		"unknown field":   "steps:\n  - {id: a, text: x, need_ack: true}",
		"bad send_at":     "send_at: '9 am'\nsteps:\n  - {id: a, text: x}",
		"bad span":        "steps:\n  - {id: a, text: x}\n  - {id: b, text: y, due: tomorrow}",
		"until before at": "send_at: '09:00'\nsend_until: '08:00'\nsteps:\n  - {id: a, text: x}",
		"bad catch_up":    "catch_up: soon\nsteps:\n  - {id: a, text: x}",
	} {
		if _, err := sequence.Parse([]byte(doc)); err == nil {
			t.Errorf("%s: Parse accepted %q", name, doc)
		}
	}
}

func TestSourceReloadsAndKeepsLastGood(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seq.yaml")
	write := func(doc string, mod time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write("steps:\n  - {id: a, text: first}", base)
	src, err := sequence.NewSource(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Current().Steps[0].Text; got != "first" {
		t.Fatalf("text = %q, want first", got)
	}
	write("steps:\n  - {id: a, text: second}", base.Add(time.Minute))
	if got := src.Current().Steps[0].Text; got != "second" {
		t.Fatalf("after edit text = %q, want second (reload without rebuild)", got)
	}
	write("steps: [", base.Add(2*time.Minute))
	if got := src.Current().Steps[0].Text; got != "second" {
		t.Fatalf("after a broken edit text = %q, want the last good one", got)
	}
	if src.Err() == nil {
		t.Error("Err() = nil after a broken edit")
	}
	// The broken version is parsed once, not on every call: a file of the same size and time is
	// taken as the same version (as for a good one), so the error stays until the file changes.
	write("steps: [                     ", base.Add(2*time.Minute))
	src.Current()
	write("steps:\n  - {id: a, text: xyz}", base.Add(2*time.Minute))
	if got := src.Current().Steps[0].Text; got != "second" || src.Err() == nil {
		t.Errorf("same size and time: text %q, err %v; want the broken version not read again", got, src.Err())
	}
	write("steps:\n  - {id: a, text: third}", base.Add(3*time.Minute))
	if got := src.Current().Steps[0].Text; got != "third" || src.Err() != nil {
		t.Errorf("after fixing the file: text %q, err %v; want third and no error", got, src.Err())
	}
	if _, err := sequence.NewSource(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("NewSource accepted a missing file")
	}
}
