package knowledge

import (
	"sort"
	"strings"
)

// Cadres type Chinese with pinyin input methods, so their typos are mostly same-sound characters
// (潜积 for 潜绩, 病行 for 并行). Each bigram is therefore also indexed by its toneless pinyin; a
// query bigram that is unknown as characters but known as sound counts as a (weaker) match. This
// needs only a per-character reading table, not a word dictionary: go-pinyin's first toneless
// reading of each character, generated into pinyin_table.go (about 150 KB of read-only data)
// rather than linking go-pinyin, whose init builds a 41,000-entry map on every start.

//go:generate go run gen_pinyin.go

// pinyinSpan is a range of characters [lo, hi] whose codes start at offset in pinyinCodes.
type pinyinSpan struct {
	lo, hi rune
	offset int32
}

// syllable returns the toneless pinyin of r, or "" for a character without one.
func syllable(r rune) string {
	i := sort.Search(len(pinyinSpans), func(i int) bool { return pinyinSpans[i].hi >= r })
	if i == len(pinyinSpans) || r < pinyinSpans[i].lo {
		return ""
	}
	sp := pinyinSpans[i]
	return pinyinSyllables[pinyinCodes[sp.offset+int32(r-sp.lo)]]
}

// soundBigram returns the pinyin token of a Han bigram, or "" when a character has no reading.
// The "~" prefix keeps sound tokens apart from character and ASCII tokens in the index.
func soundBigram(a, b rune) string {
	pa, pb := syllable(a), syllable(b)
	if pa == "" || pb == "" {
		return ""
	}
	return "~" + pa + "|" + pb
}

// Some cadres type pinyin without picking characters (rongcuo jiucuo), or the initials of a term
// (sxqd for 四项清单). Full pinyin is cut into syllables and searched as the sound tokens every
// bigram is indexed under; initials of three or more letters are read as the synonym-list term
// with those initials.

// pinyinIndex holds what the index needs to read pinyin typed in a question.
type pinyinIndex struct {
	syllables map[string]bool   // every syllable of a character in the content
	initials  map[string]string // initials (sxqd) -> the term (四项清单)
	maxSyl    int
}

func newPinyinIndex(entries []*Entry, syns []Synonym) *pinyinIndex {
	p := &pinyinIndex{syllables: map[string]bool{}, initials: map[string]string{}}
	addText := func(s string) {
		for _, r := range s {
			if isHan(r) {
				if sy := syllable(r); sy != "" {
					p.syllables[sy] = true
					p.maxSyl = max(p.maxSyl, len(sy))
				}
			}
		}
	}
	for _, e := range entries {
		addText(e.Title)
		for _, q := range e.Questions {
			addText(q)
		}
		addText(e.Answer)
	}
	addInitials := func(term, canonical string) {
		var b strings.Builder
		for _, r := range term {
			sy := syllable(r)
			if !isHan(r) || sy == "" {
				return // only all-Han terms have initials a cadre would type
			}
			b.WriteByte(sy[0])
		}
		if k := b.String(); len(k) >= 3 {
			if _, taken := p.initials[k]; !taken {
				p.initials[k] = canonical
			}
		}
	}
	for _, s := range syns {
		canon := normalizeText(s.Canonical)
		for _, c := range strings.Fields(canon) {
			addInitials(c, canon)
		}
		for _, v := range s.Variants {
			addInitials(normalizeText(v), canon)
		}
	}
	return p
}

// segment cuts a lower-case ASCII word into known syllables, longest first with backtracking;
// nil when it cannot (English words, abbreviations).
func (p *pinyinIndex) segment(w string) []string {
	if w == "" {
		return []string{}
	}
	for n := min(p.maxSyl, len(w)); n >= 1; n-- {
		if !p.syllables[w[:n]] {
			continue
		}
		if rest := p.segment(w[n:]); rest != nil {
			return append([]string{w[:n]}, rest...)
		}
	}
	return nil
}

// read rewrites the pinyin in a normalised question: initials become their term; a run of words
// that is all pinyin becomes sound tokens (returned) and leaves the text.
func (p *pinyinIndex) read(nq string) (string, []string) {
	fields := strings.Fields(nq)
	var sounds []string
	var syls []string
	flush := func() {
		for i := 0; i+1 < len(syls); i++ {
			sounds = append(sounds, "~"+syls[i]+"|"+syls[i+1])
		}
		syls = syls[:0]
	}
	out := fields[:0:0]
	for _, f := range fields {
		if !isLowerASCIIWord(f) {
			flush()
			out = append(out, f)
			continue
		}
		if term, ok := p.initials[f]; ok {
			flush()
			out = append(out, term)
			continue
		}
		if s := p.segment(f); len(s) > 0 && (len(s) >= 2 || len(syls) > 0) {
			syls = append(syls, s...)
			continue
		}
		flush()
		out = append(out, f)
	}
	flush()
	return strings.Join(out, " "), sounds
}

func isLowerASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return s != ""
}
