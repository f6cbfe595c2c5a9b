package knowledge

import (
	"regexp"
	"strings"
)

// A question asking "how many / how long" (多久能查完, 要几年, 比例多少) whose sources set no figure
// must not get a vague paraphrase that reads like an answer: the reply says first, plainly, that
// the sources set no number, and who to ask.

var (
	// asksNumber finds a question for a quantity, with the unit asked for when there is one.
	asksNumber = regexp.MustCompile(`多少|多久|多长时间|多长|几(年|个月|月|天|日|周|次|个|名|人|级|项|条|岁|成|倍|小时)|比例|比率|名额|期限|时限|上限|下限|百分之`)
	// quantity finds a figure in an answer: digits, or a Chinese numeral with a unit of time,
	// count or share. Names that contain numerals (四项清单, 三个一线) have no such unit after
	// the numeral and do not count.
	quantity = regexp.MustCompile(`[0-9０-９]+\s*(年|个月|月|天|日|周|次|个|名|人|级|项|条|岁|%|％|倍|小时|分)|[一二三四五六七八九十两百半]+(年|个月|天|个工作日|周|次|名|人|级|岁|成|倍|小时)|百分之`)
)

// statedAmounts removes phrases with 几 that state a vague amount (十几年, 好几次) or ask which
// (哪几个), not how many.
var statedAmounts = strings.NewReplacer("哪几", "哪", "十几", "十", "几十", "十", "好几", "多", "一几", "一")

// numberNote returns the sentence that opens an answer to a question for a number the used
// entries do not give, or "" when the question asks no number or the entries give one.
func (a *Answerer) numberNote(lookups []lookup, used []Hit) string {
	asks := false
	for _, l := range lookups {
		if asksNumber.MatchString(statedAmounts.Replace(l.text)) {
			asks = true
		}
	}
	if !asks {
		return ""
	}
	for _, h := range used {
		if quantity.MatchString(h.Entry.Answer) {
			return ""
		}
	}
	return "关于您问的具体数字：现有依据" + NoNumberPhrase + "（如时限、次数、比例或名额），以本地正式文件为准，请咨询" + a.contact() + "。\n\n"
}
