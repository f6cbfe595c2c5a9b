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

// fillers are politeness and question frames that carry no topic. They are deleted before
// tokenising so that they neither match nor count against a question's coverage. Longer phrases
// come first so that 我想问一下 goes before 我想问. Colloquial forms (啥, 咋) are first rewritten to
// the standard ones (什么, 怎么) by colloquialForms, so the list names each frame once.
var fillers = []string{
	"我想问一下", "想问一下", "请问一下", "麻烦问一下", "我想了解一下", "想了解一下", "我想知道", "想知道",
	"我想问", "想问", "请问", "问一下", "我想了解", "想了解", "了解一下", "请告诉我", "告诉我", "能否",
	"能不能", "可不可以", "是不是", "有没有", "是什么意思", "什么意思", "是什么",
	"什么", "怎么样", "怎么", "怎样", "如何", "哪些", "为什么",
	// How-many frames: the figure asked for is not a topic (numbers.go answers that part).
	"多长时间", "多少天", "多少年", "多少次", "多少", "多久", "比例", "名额", "几次", "几年", "几个月", "几天",
}

// colloquialForms rewrites colloquial and variant spellings of question words to the standard
// ones before the fillers are deleted (缺啥补啥 must fold like 缺什么补什么).
var colloquialForms = strings.NewReplacer("甚么", "什么", "啥", "什么", "咋", "怎么")

// particles are single characters that are almost never part of a policy term: sentence-final
// particles and the possessive 的. They become separators.
const particles = "吗呢啊吧呀嘛哦哈啦的了么"

// Normalize folds a question into the form the index uses. It is exactly what indexed text goes
// through (see fold), plus a length cap: a cadre's question is a sentence, and a pasted essay must
// not cost more than a sentence does. It is exported so that callers and tests see exactly what
// retrieval sees.
func Normalize(s string) string {
	if utf8.RuneCountInString(s) > maxQueryRunes {
		s = string([]rune(s)[:maxQueryRunes])
	}
	return fold(s)
}

// normalizeText is Normalize for indexed content, without the length cap. Questions and content
// must go through the same steps: a filler deleted from the question but kept in an entry's own
// question made that question unfindable (缺什么补什么 scored 0).
func normalizeText(s string) string { return fold(s) }

// fold is the one normalisation of questions and content alike: full-width forms to half width,
// traditional characters to simplified, lower case, colloquial question words to standard ones,
// filler phrases deleted, punctuation and particles to single spaces.
//
// A filler usually becomes a space, so that its neighbours do not form a junk bigram (吴江有|好吃).
// After a single character, though, it is the object of a one-character verb in a set phrase
// (缺什么补什么、干什么学什么): there it is deleted, so the phrase keeps bigrams (缺补, 干学) instead
// of falling apart into single characters that match nothing.
func fold(s string) string {
	s = width.Fold.String(s)
	s = toSimplified(s)
	s = strings.ToLower(s)
	s = colloquialForms.Replace(s)
	marked := false
	for _, f := range fillers {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, fillerMark)
			marked = true
		}
	}
	if marked {
		s = unmark(s)
	}
	return clean(s)
}

// fillerMark stands for a deleted filler until unmark decides between a space and nothing.
const fillerMark = "\x00"

// unmark replaces each filler mark with nothing when exactly one Han character stands between it
// and the previous mark or separator, and with a space otherwise.
func unmark(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	seg := 0 // Han characters since the last mark or separator
	for _, r := range s {
		switch {
		case r == 0:
			if seg != 1 {
				b.WriteByte(' ')
			}
			seg = 0
			continue
		case isHan(r) && !strings.ContainsRune(particles, r):
			seg++
		default:
			seg = 0
		}
		b.WriteRune(r)
	}
	return b.String()
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

// widthFold turns full-width letters, digits and punctuation into their half-width forms.
func widthFold(s string) string { return width.Fold.String(s) }
