package knowledge

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestTraditionalSetMatchesOpenCC protects the generated set: a Han character is traditional
// exactly when OpenCC's t2s changes it.
func TestTraditionalSetMatchesOpenCC(t *testing.T) {
	bad := 0
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) || !isHan(r) {
			continue
		}
		s := string(r)
		out, err := t2s().Convert(s)
		want := err == nil && out != s
		if got := isTraditional(r); got != want {
			bad++
			if bad <= 10 {
				t.Errorf("isTraditional(%q) = %v, want %v (t2s gives %q)", r, got, want, out)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d characters differ from OpenCC; run go generate ./knowledge", bad)
	}
	for _, c := range []struct {
		in, want string
	}{{"幹部容錯", "干部容错"}, {"干部容错", "干部容错"}, {"犯了錯誤能容錯嗎", "犯了错误能容错吗"}} {
		if got := toSimplified(c.in); got != c.want {
			t.Errorf("toSimplified(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
