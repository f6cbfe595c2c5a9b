package knowledge

import (
	"strings"
	"unicode"
)

// Token kinds. Character bigrams carry most of the meaning of Chinese text without a dictionary;
// unigrams add tolerance for a mistyped character at a low weight; ASCII words (1+N, AI) count whole.
const (
	kindUnigram = iota
	kindBigram
	kindWord
	kindSound // toneless pinyin of a bigram, for same-sound typos
)

// token is one unit of text for the index.
type token struct {
	text string
	kind int
}

// stopUnigrams are characters too common to say anything on their own. They still form bigrams.
const stopUnigrams = "是我你他她它在和与有个这那都也就要会能可以还对被把给让一不上下中为之其等及或而"

// stopBigrams are frequent two-character words with no topic.
var stopBigrams = map[string]bool{
	"我们": true, "你们": true, "他们": true, "可以": true, "不能": true, "能不": true, "不是": true, "没有": true,
	"一下": true, "知道": true, "这个": true, "那个": true, "这些": true, "那些": true, "时候": true, "需要": true,
	"应该": true, "现在": true, "是否": true, "具体": true, "关于": true, "一些": true, "有哪": true, "哪个": true,
	"自己": true, "就是": true, "还是": true, "一个": true, "这样": true, "那么": true, "如果": true, "还有": true,
	"以及": true, "进行": true, "其中": true, "相关": true, "方面": true, "问题": true,
	"是谁": true, "你是": true, "我是": true, "有人": true, "单位": true,
}

// isHan reports whether r is a CJK ideograph; runs of them are cut into n-grams.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// tokenizeRuns splits normalised text into runs of Han characters and ASCII-like words.
func tokenizeRuns(s string, han func([]rune), word func(string)) {
	for _, field := range strings.Fields(s) {
		var run, w []rune
		for _, r := range field {
			if isHan(r) {
				if len(w) > 0 {
					word(string(w))
					w = w[:0]
				}
				run = append(run, r)
				continue
			}
			if len(run) > 0 {
				han(run)
				run = nil
			}
			w = append(w, r)
		}
		if len(run) > 0 {
			han(run)
		}
		if len(w) > 0 {
			word(string(w))
		}
	}
}

// tokenize cuts normalised text into tokens. Bigrams do not cross spaces, so a normalised query
// whose fillers became spaces does not produce junk bigrams across them.
func tokenize(s string, emit func(token)) {
	tokenizeRuns(s, func(han []rune) {
		for i, r := range han {
			if !strings.ContainsRune(stopUnigrams, r) {
				emit(token{string(r), kindUnigram})
			}
			if i+1 < len(han) {
				if bg := string(han[i : i+2]); !stopBigrams[bg] {
					emit(token{bg, kindBigram})
					if sb := soundBigram(han[i], han[i+1]); sb != "" {
						emit(token{sb, kindSound})
					}
				}
			}
		}
	}, func(w string) {
		kind := kindWord
		if len(w) == 1 {
			kind = kindUnigram
		}
		emit(token{w, kind})
	})
}
