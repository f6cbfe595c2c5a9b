package knowledge

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Real messages are not always one short question. A cadre tells the story first and asks at the
// end ("我去年在街道……请问这种情况能容错吗"), or asks two things at once ("A？另外B"). Searching the
// whole message dilutes the question's terms with the story's; searching only the first sentence
// misses the question. So a message is cut into clauses, and retrieval looks at the question
// clauses (the part after 请问/想问/我想知道, and clauses that ask) as well as at the whole.

// MaxMessageRunes bounds how much of a message is read at all; beyond it is a paste, not a
// question, and reading it would only cost time. Handlers ask for a shorter message beyond it.
const MaxMessageRunes = 1000

// clause is one sentence or question of a message.
type clause struct {
	text  string
	asks  bool // ends with a question mark or carries a question word
	focus bool // follows 请问/想问/我想知道…: the message says this is the question
	split bool // begins with 另外/此外/还想问…: a second question
}

var (
	// sentenceEnd cuts a message into sentences; the question mark is kept to mark asking.
	sentenceEnd = regexp.MustCompile(`[^。！？!?；;\n]+[。！？!?；;\n]*`)
	// secondQuestion starts a new question inside a sentence ("……，另外……").
	secondQuestion = regexp.MustCompile(`[，,、]?\s*(另外|此外|还想问|再问一下|再问|顺便问一下|顺便问|还有一个问题|还有个问题|还有就是|同时想问)[，,：:]?`)
	// focusMarker introduces the actual question after a story.
	focusMarker = regexp.MustCompile(`(请问|想问一下|想问|我想知道|想知道|想了解一下|想了解|问一下|咨询一下|请教一下|请教)[，,：:]?`)
	// askWords mark a clause that asks something even without a question mark.
	askWords = regexp.MustCompile(`吗|么|呢|什么|啥|怎么|咋|如何|哪|多少|多久|多长|几|是否|能否|可否|能不能|可不可以|有没有|是不是|会不会|算不算|要不要`)
)

// clauses cuts a message into clauses, marking which of them ask.
func clauses(msg string) []clause {
	var out []clause
	for _, sent := range sentenceEnd.FindAllString(msg, -1) {
		asksMark := strings.ContainsAny(sent, "？?")
		locs := secondQuestion.FindAllStringIndex(sent, -1)
		pieces := []string{}
		prev := 0
		for _, l := range locs {
			pieces = append(pieces, sent[prev:l[0]])
			prev = l[1]
		}
		pieces = append(pieces, sent[prev:])
		for i, p := range pieces {
			c := clause{split: i > 0}
			if loc := focusMarker.FindStringIndex(p); loc != nil && loc[1] < len(p) {
				c.focus = true
				p = p[loc[1]:]
			}
			c.text = strings.TrimSpace(strings.Trim(p, "。！？!?；;，,、 \n"))
			if c.text == "" {
				continue
			}
			c.asks = c.focus || c.split || askWords.MatchString(c.text) || (asksMark && i == len(pieces)-1)
			out = append(out, c)
		}
	}
	return out
}

// lookup is one search the answer rests on: the text searched and what it found.
type lookup struct {
	text string
	hits []Hit
}

// top returns the best hit's confidence (0 without hits).
func (l lookup) top() float64 {
	if len(l.hits) == 0 {
		return 0
	}
	return l.hits[0].Confidence
}

// plan decides what to search for a message. It returns the lookups whose results answer it:
// one, or one per question when the message asks two or three things that different entries
// answer confidently.
func (b *Base) plan(msg string, threshold float64, limit int) []lookup {
	if utf8.RuneCountInString(msg) > MaxMessageRunes {
		msg = string([]rune(msg)[:MaxMessageRunes])
	}
	whole := lookup{text: msg, hits: b.Search(msg, limit)}
	cs := clauses(msg)
	if len(cs) <= 1 {
		if several := b.askingPieces(msg, threshold, limit); len(several) >= 2 {
			return several[:min(len(several), 3)]
		}
		if len(cs) == 1 && cs[0].focus && cs[0].text != msg {
			// 我想知道四项清单: the marker alone is harmless, but a story before it is not.
			if l := (lookup{text: cs[0].text, hits: b.Search(cs[0].text, limit)}); l.top() > whole.top() {
				return []lookup{l}
			}
		}
		return []lookup{whole}
	}
	parts := make([]lookup, len(cs))
	for i, c := range cs {
		parts[i] = lookup{text: c.text, hits: b.Search(c.text, limit)}
	}

	// Two or three questions, each answered confidently by a different entry.
	var several []lookup
	seen := map[string]bool{}
	for i, c := range cs {
		if !c.asks || parts[i].top() < threshold {
			continue
		}
		id := parts[i].hits[0].Entry.ID
		if seen[id] {
			continue
		}
		seen[id] = true
		several = append(several, parts[i])
	}
	if len(several) < 2 {
		several = b.askingPieces(msg, threshold, limit)
	}
	if len(several) >= 2 {
		return several[:min(len(several), 3)]
	}

	// One question: the clause the message marks as the question, or that asks, or the whole
	// message, whichever retrieval is surest about. Story clauses count only when no asking
	// clause and not the whole message finds anything.
	best := whole
	for i, c := range cs {
		if (c.asks || c.focus) && parts[i].top() > best.top() {
			best = parts[i]
		}
	}
	if best.top() < threshold {
		for _, p := range parts {
			if p.top() > best.top() {
				best = p
			}
		}
	}
	// The clauses that carry policy words, without the story around them: a long message whose
	// question clause says only "这个怎么报名" still names its topic somewhere.
	if best.top() < threshold {
		if l, ok := b.policyClauses(msg, limit); ok && l.top() > best.top() {
			best = l
		}
	}
	// The asking piece of a sentence on its own (……出的差错，能不能容错？).
	if best.top() < threshold {
		for _, p := range subClause.FindAllString(msg, -1) {
			if p = strings.TrimSpace(p); p == msg || !askWords.MatchString(p) {
				continue
			}
			if l := (lookup{text: p, hits: b.Search(p, limit)}); l.top() > best.top() {
				best = l
			}
		}
	}
	// A long message read only in part: its tail holds the question more often than its head.
	if utf8.RuneCountInString(msg) > maxQueryRunes {
		r := []rune(msg)
		tail := string(r[len(r)-maxQueryRunes:])
		if l := (lookup{text: tail, hits: b.Search(tail, limit)}); l.top() > best.top() {
			best = l
		}
	}
	return []lookup{best}
}

// subClause cuts a message at every comma and sentence end.
var subClause = regexp.MustCompile(`[^，,、。！？!?；;\n]+`)

// policyClauses searches the comma-separated pieces of a message that match the knowledge base
// on their own (a phrase of at least three characters), joined: the message with its story cut
// away. It reports false when fewer than one piece matches or nothing was cut.
func (b *Base) policyClauses(msg string, limit int) (lookup, bool) {
	pieces := subClause.FindAllString(msg, -1)
	if len(pieces) < 2 {
		return lookup{}, false
	}
	var keep []string
	for _, p := range pieces {
		if hs := b.Search(p, 1); len(hs) > 0 && hs[0].Phrase >= offerPhrase {
			keep = append(keep, p)
		}
	}
	if len(keep) == 0 || len(keep) == len(pieces) {
		return lookup{}, false
	}
	text := strings.Join(keep, "，")
	return lookup{text: text, hits: b.Search(text, limit)}, true
}

// askingPieces returns, for two questions joined by a comma (四项清单是什么，容错怎么申请), one
// lookup per asking piece that an entry answers confidently, different entries only.
func (b *Base) askingPieces(msg string, threshold float64, limit int) []lookup {
	var several []lookup
	seen := map[string]bool{}
	pieces := subClause.FindAllString(msg, -1)
	if len(pieces) < 2 {
		return nil
	}
	for _, p := range pieces {
		p = strings.TrimSpace(p)
		if !askWords.MatchString(p) {
			continue
		}
		l := lookup{text: p, hits: b.Search(p, limit)}
		if l.top() < threshold || seen[l.hits[0].Entry.ID] {
			continue
		}
		seen[l.hits[0].Entry.ID] = true
		several = append(several, l)
	}
	return several
}
