package knowledge

import (
	"sync"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

// Some cadres (and every phone set to a Hong Kong or Taiwan keyboard) type traditional characters
// (幹部、容錯). The content is simplified, so both sides are converted to simplified before
// tokenising. OpenCC's t2s tables do the conversion, including the one-to-many characters (乾/幹 →
// 干) and phrases that a character table alone gets wrong; longbridgeapp/opencc is a pure-Go port
// with the tables embedded (about 1 MB, built once on first use, ~25 µs per question).

var t2s = sync.OnceValue(func() *opencc.OpenCC {
	cc, err := opencc.New("t2s")
	if err != nil {
		// The tables are embedded in the binary; failing to parse them is a build defect.
		panic("knowledge: load OpenCC t2s tables: " + err.Error())
	}
	return cc
})

// toSimplified converts traditional Chinese characters in s to simplified ones. Text without any
// non-ASCII character is returned as is, at no cost.
func toSimplified(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	out, err := t2s().Convert(s)
	if err != nil {
		return s // a lookup error leaves the text as typed; retrieval still tries it
	}
	return out
}
