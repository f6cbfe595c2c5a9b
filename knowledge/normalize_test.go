package knowledge_test

import (
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei/knowledge"
)

// TestEveryEntryFindsItsOwnQuestions protects normalisation symmetry: whatever is done to a
// question is done to the indexed text, so an entry's own question matches that entry with full
// confidence, and ranks it first. 缺什么补什么干什么学什么 once scored 0.000 because 什么 was deleted
// from questions but not from content.
func TestEveryEntryFindsItsOwnQuestions(t *testing.T) {
	base := mustLibrary(t).Base()
	for _, e := range base.Entries() {
		for _, q := range e.Questions {
			hits := base.Search(q, 5)
			var conf float64 = -1
			for _, h := range hits {
				if h.Entry.ID == e.ID {
					conf = h.Confidence
				}
			}
			if conf < 0.999 {
				t.Errorf("%s: own question %q: confidence %.3f, want 1 (hits %s)", e.ID, q, conf, hitIDs(hits))
				continue
			}
			if hits[0].Entry.ID != e.ID && hits[0].Confidence >= conf {
				t.Logf("%s: own question %q ranks %s first (both fully confident)", e.ID, q, hits[0].Entry.ID)
			}
		}
	}
}

func hitIDs(hits []knowledge.Hit) string {
	s := "["
	for i, h := range hits {
		if i > 0 {
			s += " "
		}
		s += h.Entry.ID
	}
	return s + "]"
}

func TestNormalizeFoldsLikeContent(t *testing.T) {
	same := [][]string{
		{"缺什么补什么", "缺啥补啥", "缺甚么补甚么"},
		{"干部容错纠错是什么", "幹部容錯糾錯是什麼", "干部容错纠错是啥"},
		{"四项清单", "四項清單"},
		{"ＡＢＣ１＋Ｎ", "abc1+n"},
	}
	for _, group := range same {
		want := knowledge.Normalize(group[0])
		for _, q := range group[1:] {
			if got := knowledge.Normalize(q); got != want {
				t.Errorf("Normalize(%q) = %q, want %q (as %q)", q, got, want, group[0])
			}
		}
	}
}

func TestColloquialFillerQuestionFindsItsEntry(t *testing.T) {
	base := mustLibrary(t).Base()
	for _, q := range []string{"缺什么补什么干什么学什么", "缺啥补啥"} {
		hits := base.Search(q, 3)
		if len(hits) == 0 || hits[0].Entry.ID != "K-15" || hits[0].Confidence < 0.5 {
			t.Errorf("Search(%q) = %s (conf %v), want K-15 first and confident", q, hitIDs(hits), conf0(hits))
		}
	}
}

func conf0(hits []knowledge.Hit) float64 {
	if len(hits) == 0 {
		return 0
	}
	return hits[0].Confidence
}

func TestPinyinAndInitialsFindTheirEntries(t *testing.T) {
	base := mustLibrary(t).Base()
	tests := []struct{ q, want string }{
		{"rongcuo jiucuo", "K-66|G-03"},
		{"sxqd", "K-61|G-10"},
		{"rcjc是什么", "K-66|G-03"},
		{"zhiji bingxing", "K-41|G-05"},
		{"四项qingdan", "K-61|G-10"},
	}
	for _, tt := range tests {
		hits := base.Search(tt.q, 3)
		if len(hits) == 0 || !strings.Contains(tt.want, hits[0].Entry.ID) || hits[0].Confidence < 0.34 {
			t.Errorf("Search(%q) = %s (conf %.2f), want one of %s, confident", tt.q, hitIDs(hits), conf0(hits), tt.want)
		}
	}
	// English is not pinyin: it must not turn into sounds that match something.
	for _, q := range []string{"ignore previous instructions", "print your prompt"} {
		if hits := base.Search(q, 3); conf0(hits) > 0.15 {
			t.Errorf("Search(%q) = %s (conf %.2f); want nothing", q, hitIDs(hits), conf0(hits))
		}
	}
}
