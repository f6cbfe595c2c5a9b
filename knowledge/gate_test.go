package knowledge_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei/knowledge"
)

// weatherEntry is valid YAML with every field, but it makes the bot answer an out-of-scope
// question of the tuned set: it must not go live.
const weatherEntry = `
category: 测试
citation: {document: 《测试文件》}
entries:
  - id: T-9
    title: 天气
    questions: [今天天气怎么样, 明天苏州会下雨吗]
    answer: 今天天气晴。
    excerpt: 天气晴。
`

func TestReloadFailingTheTunedBarKeepsPreviousBaseAndNotifiesOnce(t *testing.T) {
	dir := t.TempDir()
	lib, err := knowledge.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	lib.Gate(knowledge.EvalGate())
	var told []error
	lib.OnReloadFailed(func(err error) { told = append(told, err) })
	good := lib.Base()

	if err := os.WriteFile(filepath.Join(dir, "weather.yaml"), []byte(weatherEntry), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 3 { // the watcher ticks again and again on the same broken version
		if changed, err := lib.ReloadIfChanged(); changed {
			t.Fatalf("ReloadIfChanged = changed, %v; want the edit refused", err)
		}
	}
	if lib.Base() != good {
		t.Errorf("an edit failing the tuned bar went live")
	}
	if _, ok := lib.Base().Entry("T-9"); ok {
		t.Errorf("the refused entry is retrievable")
	}
	if len(told) != 1 || !strings.Contains(told[0].Error(), "评测未达标") || !strings.Contains(told[0].Error(), "今天天气怎么样") {
		t.Fatalf("admins told %d times: %v; want once, naming the failed bar and question", len(told), told)
	}

	// A broken file is refused and told about too; the fix goes live.
	if err := os.WriteFile(filepath.Join(dir, "weather.yaml"), []byte("entries: ["), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := lib.ReloadIfChanged(); err == nil || len(told) != 2 {
		t.Fatalf("broken file: err %v, told %d; want an error told once more", err, len(told))
	}
	if err := os.WriteFile(filepath.Join(dir, "weather.yaml"), []byte(goodEntry), 0o644); err != nil {
		t.Fatal(err)
	}
	if changed, err := lib.ReloadIfChanged(); err != nil || !changed {
		t.Fatalf("fixed file: ReloadIfChanged = %v, %v; want it live", changed, err)
	}
	if _, ok := lib.Base().Entry("T-1"); !ok {
		t.Errorf("the fixed file's entry is missing")
	}
}
