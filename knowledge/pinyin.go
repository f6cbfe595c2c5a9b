package knowledge

import (
	"sync"

	"github.com/mozillazg/go-pinyin"
)

// Cadres type Chinese with pinyin input methods, so their typos are mostly same-sound characters
// (潜积 for 潜绩, 病行 for 并行). Each bigram is therefore also indexed by its toneless pinyin; a
// query bigram that is unknown as characters but known as sound counts as a (weaker) match. This
// needs only a per-character reading table (go-pinyin's, a few MB at most), not a word dictionary.

var (
	pinyinArgs  = pinyin.NewArgs() // Normal style: toneless, first reading of a heteronym
	pinyinCache sync.Map           // rune -> string; readings never change
)

// syllable returns the toneless pinyin of r, or "" for a character without one.
func syllable(r rune) string {
	if v, ok := pinyinCache.Load(r); ok {
		return v.(string)
	}
	s := ""
	if ps := pinyin.SinglePinyin(r, pinyinArgs); len(ps) > 0 {
		s = ps[0]
	}
	pinyinCache.Store(r, s)
	return s
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
