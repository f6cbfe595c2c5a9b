package knowledge

import (
	"regexp"
	"strings"
)

// A question asking "how many / how long" (多久能查完, 要几年, 比例多少) whose sources set no figure
// must not get a vague paraphrase that reads like an answer: the reply says first, plainly, that
// the sources set no number, and who to ask.

var (
	// asksNumber finds a question for a quantity; the named groups say which kind.
	asksNumber = regexp.MustCompile(`(?P<time>多久|多长时间|多长|期限|时限|几(?:年|个月|月|天|日|周|小时))|(?P<share>比例|比率|百分之|几成)|(?P<count>几(?:次|个|名|人|级|项|条|岁|倍)|名额|上限|下限)|(?P<any>多少)`)
	// quantities find a figure of each kind in an answer: digits or a Chinese numeral with a unit.
	// Names that contain numerals (四项清单, 三个一线) have no unit after the numeral and do not
	// count.
	quantities = map[string]*regexp.Regexp{
		"time":  regexp.MustCompile(`[0-9０-９一二三四五六七八九十两百半]+\s*(年|个月|天|日|周|小时|个工作日)`),
		"share": regexp.MustCompile(`[0-9０-９]+\s*(%|％)|百分之|[一二三四五六七八九十]成`),
		"count": regexp.MustCompile(`[0-9０-９一二三四五六七八九十两百]+\s*(次|个|名|人|级|项|条|岁|倍)`),
		"any":   regexp.MustCompile(`[0-9０-９]|[一二三四五六七八九十两百半]+(年|个月|天|个工作日|周|次|名|人|级|岁|成|倍|小时)|百分之`),
	}
)

// statedAmounts removes phrases with 几 that state a vague amount (十几年, 好几次) or ask which
// (哪几个), not how many.
var statedAmounts = strings.NewReplacer("哪几", "哪", "十几", "十", "几十", "十", "好几", "多", "一几", "一")

// numberedNames are names of policies that contain a numeral and a unit (三个区分开来 has 三个):
// they name a thing, they state no figure, so they are removed before an answer is searched for
// one.
var numberedNames = strings.NewReplacer(
	"三个区分开来", "", "三个一线", "", "四个方面", "", "四个敢", "", "四个清单", "",
)

// askedKinds returns the kinds of quantity a question asks for (time, share, count, any).
func askedKinds(q string) []string {
	var kinds []string
	names := asksNumber.SubexpNames()
	for _, m := range asksNumber.FindAllStringSubmatchIndex(statedAmounts.Replace(q), -1) {
		for g := 1; g < len(names); g++ {
			if m[2*g] >= 0 {
				kinds = append(kinds, names[g])
			}
		}
	}
	return kinds
}

// numberNote returns the sentence that opens an answer to a question for a number the used
// entries do not give (of the kind asked: a time for 多久, a share for 比例), or "" when the
// question asks no number or an entry gives one.
func (a *Answerer) numberNote(lookups []lookup, used []Hit) string {
	var kinds []string
	for _, l := range lookups {
		kinds = append(kinds, askedKinds(l.text)...)
	}
	if len(kinds) == 0 {
		return ""
	}
	for _, h := range used {
		for _, k := range kinds {
			if quantities[k].MatchString(numberedNames.Replace(h.Entry.Answer)) {
				return ""
			}
		}
	}
	return "关于您问的具体数字：现有依据" + NoNumberPhrase + "（如时限、次数、比例或名额），以本地正式文件为准，请咨询" + a.contact() + "。\n\n"
}
