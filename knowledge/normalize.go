package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// maxQueryRunes caps how much of a question is read: a cadre's question is a sentence, and a
// pasted essay must not cost more than a sentence does.
const maxQueryRunes = 200

// fillers are politeness and question frames that carry no topic. They are removed before
// tokenising so that they neither match nor count against a question's coverage. Longer phrases
// come first so that 我想问一下 goes before 我想问.
var fillers = []string{
	"我想问一下", "想问一下", "请问一下", "麻烦问一下", "我想了解一下", "想了解一下", "我想知道", "想知道",
	"我想问", "想问", "请问", "问一下", "我想了解", "想了解", "了解一下", "请告诉我", "告诉我", "能否",
	"能不能", "可不可以", "是不是", "有没有", "是什么意思", "什么意思", "啥意思", "是什么", "是啥",
	"什么", "怎么样", "怎么", "怎样", "如何", "哪些", "为什么", "为啥", "咋",
}

// particles are single characters that are almost never part of a policy term: sentence-final
// particles and the possessive 的. They become separators.
const particles = "吗呢啊吧呀嘛哦哈啦的了么啥"

// Normalize folds a question or text into the form the index uses: full-width forms to half width,
// lower case, punctuation and particles to single spaces, filler phrases removed. It is exported
// so that callers and tests see exactly what retrieval sees.
func Normalize(s string) string {
	if utf8.RuneCountInString(s) > maxQueryRunes {
		s = string([]rune(s)[:maxQueryRunes])
	}
	s = width.Fold.String(s)
	s = strings.ToLower(s)
	for _, f := range fillers {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, " ")
		}
	}
	return clean(s)
}

// normalizeText is Normalize for indexed content: no filler removal (an entry's answer may say 如何
// in a meaningful phrase) and no length cap.
func normalizeText(s string) string {
	return clean(strings.ToLower(width.Fold.String(s)))
}

// clean turns everything that is not a letter or digit, and the particles, into single spaces. A
// plus sign between ASCII letters or digits stays, so that 1+N remains one word.
func clean(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for i, r := range rs {
		if r == '+' && i > 0 && i+1 < len(rs) && isASCIIAlnum(rs[i-1]) && isASCIIAlnum(rs[i+1]) {
			b.WriteRune(r)
			continue
		}
		if !(unicode.IsLetter(r) || unicode.IsDigit(r)) || strings.ContainsRune(particles, r) {
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimSpace(b.String())
}

func isASCIIAlnum(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// NormalizeQuestion returns the key under which unanswered questions are counted: two questions
// that differ only in width, case, punctuation, spacing or politeness count as one. It is stable
// across releases as long as the filler list is.
func NormalizeQuestion(q string) string {
	return strings.ReplaceAll(Normalize(q), " ", "")
}
