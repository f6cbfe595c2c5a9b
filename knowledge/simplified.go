package knowledge

import (
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

// Some cadres (and every phone set to a Hong Kong or Taiwan keyboard) type traditional characters
// (幹部、容錯). The content is simplified, so both sides are converted to simplified before
// tokenising. OpenCC's t2s tables do the conversion, including the one-to-many characters (乾/幹 →
// 干) and phrases that a character table alone gets wrong; longbridgeapp/opencc is a pure-Go port
// with the tables embedded (about 1 MB, built once on first use, ~25 µs per converted question).

var t2s = sync.OnceValue(func() *opencc.OpenCC {
	cc, err := opencc.New("t2s")
	if err != nil {
		// The tables are embedded in the binary; failing to parse them is a build defect.
		panic("knowledge: load OpenCC t2s tables: " + err.Error())
	}
	return cc
})

// isTraditional reports whether t2s changes r on its own. Most text is simplified already, and a
// whole-text conversion costs tens of microseconds, so text is converted only when one of its
// characters is traditional (OpenCC's phrase table only matters around such characters). The set
// is generated from OpenCC (traditional_table.go), so the simplified knowledge base is indexed at
// start without loading the OpenCC tables at all.
func isTraditional(r rune) bool {
	_, found := slices.BinarySearch(traditionalRunes[:], r)
	return found
}

//go:generate go run gen_traditional.go

// toSimplified converts traditional Chinese characters in s to simplified ones. Text in which no
// character is traditional is returned as is.
func toSimplified(s string) string {
	convert := false
	for _, r := range s {
		if r >= utf8.RuneSelf && isHan(r) && isTraditional(r) {
			convert = true
			break
		}
	}
	if !convert {
		return s
	}
	out, err := t2s().Convert(s)
	if err != nil {
		return s // a lookup error leaves the text as typed; retrieval still tries it
	}
	return out
}
