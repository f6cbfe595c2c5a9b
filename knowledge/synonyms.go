package knowledge

import (
	"strings"
	"unicode/utf8"
)

// Synonym maps the words cadres use to the term the knowledge base uses. It is data (see
// data/synonyms.yaml) so that curators extend it without touching code.
type Synonym struct {
	// Canonical is what the variants become: the wording of the entries (主要领导). It may hold
	// several space-separated terms when a colloquial word touches more than one (躺平 不作为).
	Canonical string `yaml:"canonical"`
	// Variants are the colloquial words, abbreviations and common misspellings (一把手, 容错).
	Variants []string `yaml:"variants"`
}

// rewriter replaces variants with canonical terms, longest match first, left to right. A canonical
// term found in the text is kept as it is, so 容错纠错 is not rewritten through its prefix 容错.
type rewriter struct {
	to     map[string]string
	maxLen int
}

func newRewriter(syns []Synonym) *rewriter {
	rw := &rewriter{to: map[string]string{}}
	add := func(from, to string) {
		from = normalizeText(from)
		if from == "" {
			return
		}
		if _, ok := rw.to[from]; ok && from != to {
			// The first mapping wins: an operator file loaded later cannot silently flip an
			// embedded one; it can only add.
			return
		}
		rw.to[from] = to
		if n := utf8.RuneCountInString(from); n > rw.maxLen {
			rw.maxLen = n
		}
	}
	for _, s := range syns {
		canon := normalizeText(s.Canonical)
		for _, c := range strings.Fields(canon) {
			// A one-character canonical (the n of 1+n) would match inside every word.
			if utf8.RuneCountInString(c) > 1 {
				add(c, c)
			}
		}
	}
	for _, s := range syns {
		canon := normalizeText(s.Canonical)
		for _, v := range s.Variants {
			add(v, canon)
		}
	}
	return rw
}

// rewrite returns s with every variant replaced by its canonical form, each surrounded by spaces
// so that the bigrams of a replaced word do not run into its neighbours.
func (rw *rewriter) rewrite(s string) string {
	if len(rw.to) == 0 {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		matched := false
		for n := min(rw.maxLen, len(rs)-i); n >= 1; n-- {
			if to, ok := rw.to[string(rs[i:i+n])]; ok {
				b.WriteByte(' ')
				b.WriteString(to)
				b.WriteByte(' ')
				i += n
				matched = true
				break
			}
		}
		if !matched {
			b.WriteRune(rs[i])
			i++
		}
	}
	return b.String()
}
