package knowledge

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults of an Answerer, named so that callers and docs can refer to them.
const (
	// DefaultContact is who a cadre is sent to when the knowledge base has no answer.
	DefaultContact = "区委组织部干部科"
	// DefaultThreshold is the confidence below which a question counts as not found. Calibrated on
	// eval/eval.yaml: out-of-scope questions top out at 0.30, in-scope ones start at 0.37, and the
	// threshold sits between them. Re-run `ganwei kb check` after changing retrieval.
	DefaultThreshold = 0.34
	// DefaultPhraseTimeout bounds the wait for the model before the extractive answer goes out.
	DefaultPhraseTimeout = 8 * time.Second
	// MaxTextRunes is Telegram's message limit; Answer.Text never exceeds it.
	MaxTextRunes = 4096
)

// DefaultOfferThreshold is where the "您是想问" band starts: below Threshold but at least this
// confident, and sharing a phrase with the question (offerPhrase). Calibrated on eval/eval.yaml:
// out-of-scope questions top out at 0.25 there, but none of them shares a three-character phrase
// with an entry.
const DefaultOfferThreshold = 0.15

// offerPhrase is the least run of consecutive question bigrams (Hit.Phrase) a candidate shares
// with the question.
const offerPhrase = 2

// surePhrase and phraseConfidence answer a question outright below the threshold when it shares
// a phrase of four characters or more (three bigrams in a row) with the entry. On the tuned set no
// out-of-scope question shares more than one bigram in a row with any entry.
const (
	surePhrase       = 3
	phraseConfidence = 0.2
)

// offerRatio keeps candidates near the best one: a far weaker hit is noise, not an alternative.
const offerRatio = 0.5

// maxSections bounds the entries one answer shows; more would bury the first in scrolling.
const maxSections = 3

// complementGain is the least share of the question's weight an extra entry must cover, beyond
// the entries already shown, to join the answer as the other half of it.
const complementGain = 0.2

// complementConfidence is the least confidence of such an extra entry: below it, what the entry
// covers is usually a word of the story around the question (镇里 → 基层一线), not its other half.
const complementConfidence = 0.3

// secondRatio is how close the runner-up's score must come to the best for a question to be taken
// as spanning two entries (and both answers to be given).
const secondRatio = 0.6

// relatedFloor is the least confidence for a weak hit to be offered as a related topic when
// nothing was found; below it the suggestion would look random.
const relatedFloor = 0.12

// ErrDeclined is returned by a Phraser whose model judged that the retrieved entries do not answer
// the question. The Answerer then replies "not found" rather than guess.
var ErrDeclined = errors.New("model declined: the entries do not answer the question")

// Phraser phrases an answer to question from passages only, citing them by id in square brackets
// ([K-07]). Implementations must not add facts from elsewhere; package llm provides one.
type Phraser interface {
	Phrase(ctx context.Context, question string, passages []Passage) (string, error)
}

// Source is one entry an answer rests on.
type Source struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Source string  `json:"source"` // the citation line
	Score  float64 `json:"score"`  // retrieval confidence, 0..1
	Text   string  `json:"text"`   // the 原文 excerpt, for a "show original" button
}

// Topic is an entry offered for browsing or as a related topic: its id goes into callback data.
type Topic struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Band says how sure the Answerer is about a reply, and so what kind of reply it is.
type Band string

// The bands of a reply. Between a confident answer and a decline sits "did you mean": the
// question plausibly matches one to three entries, and the reader picks.
const (
	// BandAnswered: a confident, grounded answer (Found is true).
	BandAnswered Band = "answered"
	// BandCandidates: "您是想问：…？" with Candidates as buttons; nothing is asserted yet.
	BandCandidates Band = "candidates"
	// BandDeclined: nothing plausible; the reply says so and names the contact.
	BandDeclined Band = "declined"
	// BandChat: small talk or an acknowledgement, answered with a short friendly line; not a
	// policy question, so neither a decline nor a gap in the knowledge base.
	BandChat Band = "chat"
)

// Answer is the reply to one question.
type Answer struct {
	// Question is what was asked, unchanged.
	Question string
	// Text is exactly what the bot sends: plain text, at most MaxTextRunes runes.
	Text string
	// Found is false when the knowledge base has no grounded answer; Text then says so.
	Found bool
	// Sources are the entries the answer rests on, best first (empty when not found).
	Sources []Source
	// Related are up to three topics to offer as buttons: near misses when not found, the entry's
	// related entries from Explain.
	Related []Topic
	// Phrased is true when a model phrased Text; false for the curated extractive answer.
	Phrased bool
	// Band is the kind of reply: answered, candidates, declined or chat.
	Band Band
	// Candidates are the entries offered as "您是想问" buttons in BandCandidates, best first.
	Candidates []Topic
}

// Answerer answers questions from a Library. Set its fields with a struct literal; only Library
// is required. It is safe for concurrent use.
type Answerer struct {
	Library *Library
	// Phraser, when set, phrases answers with a model; nil means extractive answers only.
	Phraser Phraser
	// PhraseTimeout bounds one Phrase call; zero means DefaultPhraseTimeout.
	PhraseTimeout time.Duration
	// Contact is the human contact named in not-found replies; empty means DefaultContact.
	Contact string
	// Threshold is the confidence from which a question is answered; zero means DefaultThreshold.
	Threshold float64
	// OfferThreshold is the confidence from which, below Threshold, entries are offered as
	// "您是想问" candidates; zero means DefaultOfferThreshold.
	OfferThreshold float64
	// Logf, when set, receives why a model answer was discarded. Questions are not personal data,
	// but the log line carries only the error, not the question.
	Logf func(format string, args ...any)
}

// AnswerOptions change how one question is answered.
type AnswerOptions struct {
	// Extractive skips the model even when one is configured: the curated answer only. Text typed
	// in the middle of a check-in is answered this way, so that it never reaches the model.
	Extractive bool
}

// Answer answers one question. It never fails: a model problem falls back to the extractive answer
// and an unknown question gets the not-found reply.
func (a *Answerer) Answer(ctx context.Context, question string) Answer {
	return a.AnswerWith(ctx, question, AnswerOptions{})
}

// AnswerWith answers one question with options. The reply falls in one of the bands: small talk
// gets a friendly line; a confident match is answered, each question of a message with its own
// entries and sources; a plausible one asks "您是想问：…？" with up to three candidates; anything
// else is declined with related topics and the contact.
func (a *Answerer) AnswerWith(ctx context.Context, question string, opt AnswerOptions) Answer {
	ans := Answer{Question: question}
	if reply, ok := SmallTalk(question); ok {
		ans.Band, ans.Text = BandChat, reply
		return ans
	}
	if isInstruction(question) {
		return a.notFound(ans, nil)
	}
	threshold := a.threshold()
	lookups := a.Library.Base().plan(question, threshold, 5)
	best := lookups[0]
	for _, l := range lookups[1:] {
		if l.top() > best.top() {
			best = l
		}
	}
	if !a.sure(best) {
		if cands := a.candidates(best.hits); len(cands) > 0 {
			return a.offer(ans, cands)
		}
		return a.notFound(ans, best.hits)
	}
	var used []Hit
	for _, l := range lookups {
		hits := a.together(l.hits)
		if len(lookups) > 1 {
			// One entry per question, so that every question's answer is on the first screen.
			hits = hits[:min(len(hits), 1)]
		}
		for _, h := range hits {
			if !slices.ContainsFunc(used, func(u Hit) bool { return u.Entry == h.Entry || sameContent(u.Entry, h.Entry) }) {
				used = append(used, h)
			}
		}
	}
	ans.Found = true
	ans.Band = BandAnswered
	for _, h := range used {
		ans.Sources = append(ans.Sources, sourceOf(h))
	}
	note := a.numberNote(lookups, used)
	if a.Phraser != nil && !opt.Extractive {
		text, cited, err := a.phrase(ctx, question, used)
		switch {
		case errors.Is(err, ErrDeclined):
			return a.notFound(Answer{Question: question}, best.hits)
		case err != nil:
			a.logf("knowledge: model answer discarded, extractive fallback: %v", err)
		default:
			ans.Text = limit(note + text)
			ans.Sources = cited
			ans.Phrased = true
			return ans
		}
	}
	ans.Text = limit(note + extractive(used))
	return ans
}

// sure reports whether a lookup's best hit is answered outright: confident, or sharing a term of
// four characters or more with the question (三大法宝, 四项清单) with at least phraseConfidence. A
// long story around a policy term dilutes the confidence; it does not make the term less exact.
func (a *Answerer) sure(l lookup) bool {
	if len(l.hits) == 0 {
		return false
	}
	h := l.hits[0]
	return h.Confidence >= a.threshold() || (h.Confidence >= phraseConfidence && h.Phrase >= surePhrase)
}

func (a *Answerer) threshold() float64 {
	if a.Threshold == 0 {
		return DefaultThreshold
	}
	return a.Threshold
}

func (a *Answerer) offerThreshold() float64 {
	if a.OfferThreshold == 0 {
		return DefaultOfferThreshold
	}
	return a.OfferThreshold
}

// together picks, from the hits of one lookup, the entries that together answer it: the best
// one; others nearly as good; and an entry that covers a part of the question the ones before it
// do not (a question about A and B where two entries each explain one). Content already given is
// not repeated, and the article's own answers come before glossary definitions.
func (a *Answerer) together(hits []Hit) []Hit {
	if len(hits) == 0 {
		return nil
	}
	threshold := a.threshold()
	used := []Hit{hits[0]}
	for _, h := range hits[1:] {
		if len(used) == maxSections {
			break
		}
		close := h.Confidence >= threshold && h.Score >= secondRatio*hits[0].Score
		adds := h.Confidence >= complementConfidence && h.gain(used) >= complementGain
		if !close && !adds {
			continue
		}
		if slices.ContainsFunc(used, func(u Hit) bool { return sameContent(u.Entry, h.Entry) }) {
			continue
		}
		used = append(used, h)
	}
	slices.SortStableFunc(used, func(x, y Hit) int {
		switch {
		case x.Entry.Glossary == y.Entry.Glossary:
			return 0
		case y.Entry.Glossary:
			return -1
		default:
			return 1
		}
	})
	return used
}

// candidates returns the entries worth offering as "您是想问" for a question no entry answers
// confidently: plausible by confidence, and sharing at least a three-character phrase with the
// question, which chance overlaps of everyday words rarely do.
func (a *Answerer) candidates(hits []Hit) []Topic {
	var out []Topic
	for _, h := range hits {
		if len(out) == 3 {
			break
		}
		if h.Confidence >= a.offerThreshold() && h.Phrase >= offerPhrase && h.Score >= offerRatio*hits[0].Score {
			out = append(out, h.Entry.Topic())
		}
	}
	return out
}

// offer builds the "您是想问：…？" reply. Nothing is asserted: the reader taps the entry meant,
// or asks again in other words.
func (a *Answerer) offer(ans Answer, cands []Topic) Answer {
	ans.Band = BandCandidates
	ans.Candidates = cands
	titles := make([]string, len(cands))
	for i, c := range cands {
		titles[i] = "「" + c.Title + "」"
	}
	var b strings.Builder
	b.WriteString("您是想问：")
	switch len(titles) {
	case 1:
		b.WriteString(titles[0])
	default:
		b.WriteString(strings.Join(titles[:len(titles)-1], "、") + "，还是" + titles[len(titles)-1])
	}
	b.WriteString("？\n点下面的按钮直接查看答案；都不是的话，请换个说法再问，或联系" + a.contact() + "。")
	ans.Text = b.String()
	return ans
}

func (a *Answerer) contact() string {
	if a.Contact == "" {
		return DefaultContact
	}
	return a.Contact
}

// Explain answers with one entry chosen by id, as when a cadre taps a topic or related-topic
// button: the curated answer and its source, no retrieval and no model. It reports false for an
// unknown id (stale or forged callback data).
func (a *Answerer) Explain(id string) (Answer, bool) {
	e, ok := a.Library.Base().Entry(id)
	if !ok {
		return Answer{}, false
	}
	h := Hit{Entry: e, Confidence: 1}
	ans := Answer{Question: e.Title, Found: true, Band: BandAnswered, Sources: []Source{sourceOf(h)}, Text: limit(extractive([]Hit{h}))}
	for _, r := range e.Related {
		if re, ok := a.Library.Base().Entry(r); ok && len(ans.Related) < 3 {
			ans.Related = append(ans.Related, re.Topic())
		}
	}
	return ans, true
}

func (a *Answerer) logf(format string, args ...any) {
	if a.Logf != nil {
		a.Logf(format, args...)
	}
}

func sourceOf(h Hit) Source {
	e := h.Entry
	return Source{ID: e.ID, Title: e.Title, Source: e.Source(), Score: round3(h.Confidence), Text: e.Excerpt}
}

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

// confirmNote tells the reader that the content is set locally and not yet confirmed.
const confirmNote = "（此条具体内容由本地规定，待组织部门确认，请以正式文件为准。）"

// extractive renders curated answers with their source lines.
func extractive(hits []Hit) string {
	var b strings.Builder
	for i, h := range hits {
		e := h.Entry
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("【" + e.Title + "】\n")
		b.WriteString(strings.TrimSpace(e.Answer))
		if e.NeedsConfirmation {
			b.WriteString("\n" + confirmNote)
		}
		b.WriteString("\n来源：" + e.Source())
	}
	return b.String()
}

// citeRE finds citations like [K-07] or 【G-03】 in a model's answer.
var citeRE = regexp.MustCompile(`[\[【]([A-Za-z]+-[A-Za-z0-9]+)[\]】]`)

// phrase asks the model and accepts its answer only if it cites at least one retrieved entry and
// nothing else; the returned sources are the cited entries.
func (a *Answerer) phrase(ctx context.Context, question string, hits []Hit) (string, []Source, error) {
	timeout := a.PhraseTimeout
	if timeout == 0 {
		timeout = DefaultPhraseTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	passages := make([]Passage, len(hits))
	byID := map[string]Hit{}
	for i, h := range hits {
		passages[i] = h.Entry.Passage()
		byID[h.Entry.ID] = h
	}
	text, err := a.Phraser.Phrase(ctx, question, passages)
	if err != nil {
		return "", nil, fmt.Errorf("phrase answer: %w", err)
	}
	text = strings.TrimSpace(text)
	var cited []Source
	seen := map[string]bool{}
	for _, m := range citeRE.FindAllStringSubmatch(text, -1) {
		h, ok := byID[m[1]]
		if !ok {
			return "", nil, fmt.Errorf("phrase answer: cites %s, which was not retrieved", m[1])
		}
		if !seen[m[1]] {
			seen[m[1]] = true
			cited = append(cited, sourceOf(h))
		}
	}
	if len(cited) == 0 || text == "" {
		return "", nil, errors.New("phrase answer: no citation of a retrieved entry")
	}
	var b strings.Builder
	b.WriteString(text)
	b.WriteString("\n\n来源：")
	for i, s := range cited {
		if i > 0 {
			b.WriteString("；")
		}
		b.WriteString("[" + s.ID + "] " + s.Source)
	}
	for _, s := range cited {
		if byID[s.ID].Entry.NeedsConfirmation {
			b.WriteString("\n" + confirmNote)
			break
		}
	}
	return b.String(), cited, nil
}

// notFound builds the kind decline: what we do not know, where to look next, whom to ask.
func (a *Answerer) notFound(ans Answer, hits []Hit) Answer {
	ans.Found = false
	ans.Band = BandDeclined
	ans.Sources = nil
	for _, h := range hits {
		if len(ans.Related) == 3 {
			break
		}
		if h.Confidence >= relatedFloor {
			ans.Related = append(ans.Related, Topic{ID: h.Entry.ID, Title: h.Entry.Title})
		}
	}
	contact := a.contact()
	var b strings.Builder
	b.WriteString("抱歉，知识库里暂时没有这个问题的答案。政策问题我不凭猜测作答，以免误导您。")
	if len(ans.Related) > 0 {
		b.WriteString("\n您可以看看这些相关话题：")
		for _, t := range ans.Related {
			b.WriteString("\n· " + t.Title)
		}
	}
	b.WriteString("\n如需进一步了解，请联系" + contact + "。")
	ans.Text = b.String()

	return ans
}

// limit cuts text to Telegram's message limit on a rune boundary.
func limit(s string) string {
	if utf8.RuneCountInString(s) <= MaxTextRunes {
		return s
	}
	r := []rune(s)
	return string(r[:MaxTextRunes-1]) + "…"
}

// sameContentShare is the share of shared character bigrams from which two answers say the same
// thing (a glossary term restating an article point): showing both would repeat it.
const sameContentShare = 0.5

// sameContent reports whether two entries would show the reader the same content. Only the
// answers count: two points of the article may share an excerpt and still say different things.
func sameContent(x, y *Entry) bool {
	bx, by := x.gist, y.gist
	if len(bx) == 0 || len(by) == 0 {
		return false
	}
	shared := 0
	for g := range bx {
		if by[g] {
			shared++
		}
	}
	return float64(shared)/float64(min(len(bx), len(by))) >= sameContentShare
}

func bigramSet(s string) map[string]bool {
	set := map[string]bool{}
	tokenizeRuns(normalizeText(s), func(run []rune) {
		for i := 0; i+1 < len(run); i++ {
			set[string(run[i:i+2])] = true
		}
	}, func(string) {})
	return set
}
