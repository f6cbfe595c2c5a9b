package knowledge

import (
	"testing"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// TestSyllableMatchesGoPinyin protects the generated table: every character reads as go-pinyin's
// first toneless reading, and characters it does not know read as "".
func TestSyllableMatchesGoPinyin(t *testing.T) {
	args := pinyin.NewArgs()
	bad := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := ""
		if ps := pinyin.SinglePinyin(r, args); len(ps) > 0 {
			want = ps[0]
		}
		if got := syllable(r); got != want {
			bad++
			if bad <= 10 {
				t.Errorf("syllable(%q U+%04X) = %q, want %q", r, r, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d characters differ from go-pinyin; run go generate ./knowledge", bad)
	}
	for _, c := range []struct {
		r    rune
		want string
	}{{'绩', "ji"}, {'并', "bing"}, {'行', "xing"}, {'a', ""}, {'〇', "ling"}} {
		if got := syllable(c.r); got != c.want {
			t.Errorf("syllable(%q) = %q, want %q", c.r, got, c.want)
		}
	}
}
