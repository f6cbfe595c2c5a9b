package knowledge

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// The held-out set (eval/blind.yaml) was written from the article alone by someone who never saw
// the entries. Nobody tunes entries, synonyms or thresholds against it: `ganwei kb check` prints
// only its aggregate, and it never fails the check. Its scoring follows what a reader sees.

//go:embed eval/blind.yaml
var blindYAML []byte

// JudgedRunes is how much of an answer the held-out scoring reads: what fits on a phone screen
// before a reader decides whether the bot understood.
const JudgedRunes = 400

// NoNumberPhrase is said in every answer to a "how many / how long" question that the sources do
// not quantify; the held-out scoring looks for it in answers to such questions.
const NoNumberPhrase = "没有规定具体数字"

// BlindCase is one held-out question with what a correct answer must say.
type BlindCase struct {
	Q     string `yaml:"q"`
	Style string `yaml:"style"`
	// ExpectAny: a correct answer contains at least one of these phrases.
	ExpectAny []string `yaml:"expect_any"`
	// ExpectEach: a correct answer contains a phrase of every group (two questions in one).
	ExpectEach [][]string `yaml:"expect_each"`
	// AsksNumber: the question asks for a figure the sources do not give; a correct answer says so.
	AsksNumber bool `yaml:"asks_number"`
	// Out: the question must be declined.
	Out bool `yaml:"out"`
}

// EmbeddedBlind returns the held-out set shipped in the binary.
func EmbeddedBlind() ([]BlindCase, error) { return ParseBlind(blindYAML) }

// ParseBlind reads a held-out file: a YAML document with a top-level `cases` list. Errors name
// case numbers, never questions, so that running the check does not reveal the set.
func ParseBlind(data []byte) ([]BlindCase, error) {
	var doc struct {
		Cases []BlindCase `yaml:"cases"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse held-out set: %w", err)
	}
	for i, c := range doc.Cases {
		if strings.TrimSpace(c.Q) == "" {
			return nil, fmt.Errorf("parse held-out set: case %d has no question", i+1)
		}
		if !c.Out && len(c.ExpectAny)+len(c.ExpectEach) == 0 {
			return nil, fmt.Errorf("parse held-out set: case %d says nothing about a correct answer", i+1)
		}
	}
	return doc.Cases, nil
}

// Outcome is how one question fared.
type Outcome string

// Outcomes of a held-out or tuned case.
const (
	OutcomeCorrect  Outcome = "correct"  // answered and right (in scope), or declined (out of scope)
	OutcomeWrong    Outcome = "wrong"    // answered, but not with what was expected
	OutcomeOffered  Outcome = "offered"  // "您是想问" with a right entry among the candidates
	OutcomeMissed   Outcome = "missed"   // "您是想问" without a right entry
	OutcomeDeclined Outcome = "declined" // an in-scope question declined
	OutcomeAnswered Outcome = "answered" // an out-of-scope question answered or offered
)

// BlindResult is the outcome of one held-out case.
type BlindResult struct {
	Case    BlindCase
	Answer  Answer
	Outcome Outcome
}

// Tally counts the outcomes of a group of questions (a style, or the whole set).
type Tally struct {
	InScope, Correct, Offered, Missed, Wrong, Declined int
	OutOfScope, OutDeclined                            int
}

func (t *Tally) add(out bool, o Outcome) {
	if out {
		t.OutOfScope++
		if o == OutcomeCorrect {
			t.OutDeclined++
		}
		return
	}
	t.InScope++
	switch o {
	case OutcomeCorrect:
		t.Correct++
	case OutcomeOffered:
		t.Offered++
	case OutcomeMissed:
		t.Missed++
	case OutcomeWrong:
		t.Wrong++
	case OutcomeDeclined:
		t.Declined++
	}
}

// BandStats are the precision and recall of one band over a set.
type BandStats struct {
	Band Band
	// Given is how many questions got a reply in this band; Right is how many of them were right
	// for this band (answered correctly, offered a right entry, declined an out-of-scope one).
	Given, Right int
	// Relevant is how many questions this band should have caught: in-scope questions for
	// answered and candidates, out-of-scope ones for declined.
	Relevant int
}

// Precision is Right/Given (1 when the band was never used).
func (b BandStats) Precision() float64 { return share(b.Right, b.Given) }

// Recall is Right/Relevant (1 when nothing was relevant).
func (b BandStats) Recall() float64 { return share(b.Right, b.Relevant) }

// BandReport holds the per-band statistics of a run; both sets report it.
type BandReport struct {
	Answered, Candidates, Declined BandStats
}

func newBandReport() BandReport {
	return BandReport{Answered: BandStats{Band: BandAnswered}, Candidates: BandStats{Band: BandCandidates}, Declined: BandStats{Band: BandDeclined}}
}

// Bands returns the three bands in display order.
func (r BandReport) Bands() []BandStats { return []BandStats{r.Answered, r.Candidates, r.Declined} }

func (r *BandReport) add(out bool, band Band, o Outcome) {
	if out {
		r.Declined.Relevant++
	} else {
		r.Answered.Relevant++
		r.Candidates.Relevant++
	}
	switch band {
	case BandAnswered:
		r.Answered.Given++
		if !out && o == OutcomeCorrect {
			r.Answered.Right++
		}
	case BandCandidates:
		r.Candidates.Given++
		if !out && o == OutcomeOffered {
			r.Candidates.Right++
		}
	default: // declined or small talk: nothing asserted, nothing offered
		r.Declined.Given++
		if out {
			r.Declined.Right++
		}
	}
}

// BlindReport sums up a held-out run.
type BlindReport struct {
	Total   Tally
	Styles  map[string]*Tally
	Bands   BandReport
	Results []BlindResult
}

// StyleNames returns the styles of the run, sorted.
func (r BlindReport) StyleNames() []string {
	names := make([]string, 0, len(r.Styles))
	for s := range r.Styles {
		names = append(names, s)
	}
	sort.Strings(names)
	return names
}

// RunBlind answers every held-out case with a and scores it on the first JudgedRunes runes.
func RunBlind(ctx context.Context, a *Answerer, cases []BlindCase) BlindReport {
	r := BlindReport{Styles: map[string]*Tally{}, Bands: newBandReport()}
	for _, c := range cases {
		ans := a.Answer(ctx, c.Q)
		o := judgeBlind(a, c, ans)
		r.Total.add(c.Out, o)
		st := r.Styles[c.Style]
		if st == nil {
			st = &Tally{}
			r.Styles[c.Style] = st
		}
		st.add(c.Out, o)
		r.Bands.add(c.Out, bandOf(ans), o)
		r.Results = append(r.Results, BlindResult{Case: c, Answer: ans, Outcome: o})
	}
	return r
}

// bandOf returns the band of an answer, for answers built before bands existed.
func bandOf(ans Answer) Band {
	switch {
	case ans.Band != "":
		return ans.Band
	case ans.Found:
		return BandAnswered
	default:
		return BandDeclined
	}
}

func judgeBlind(a *Answerer, c BlindCase, ans Answer) Outcome {
	band := bandOf(ans)
	if c.Out {
		if band == BandDeclined || band == BandChat {
			return OutcomeCorrect
		}
		return OutcomeAnswered
	}
	switch band {
	case BandAnswered:
		text := firstRunes(ans.Text, JudgedRunes)
		if says(c, []string{text}) && (!c.AsksNumber || strings.Contains(text, NoNumberPhrase)) {
			return OutcomeCorrect
		}
		return OutcomeWrong
	case BandCandidates:
		// A tap shows the entry's curated answer: the offer is right when one of those would be.
		var texts []string
		for _, t := range ans.Candidates {
			if e, ok := a.Explain(t.ID); ok {
				texts = append(texts, firstRunes(e.Text, JudgedRunes))
			}
		}
		if says(c, texts) {
			return OutcomeOffered
		}
		return OutcomeMissed
	default:
		return OutcomeDeclined
	}
}

// says reports whether texts together contain an expected phrase of the case: one of ExpectAny,
// and one of every ExpectEach group. Case is ignored for ASCII (1+N, 1+n).
func says(c BlindCase, texts []string) bool {
	joined := strings.ToLower(strings.Join(texts, "\n"))
	anyOf := func(phrases []string) bool {
		for _, p := range phrases {
			if p != "" && strings.Contains(joined, strings.ToLower(p)) {
				return true
			}
		}
		return false
	}
	if len(c.ExpectAny) > 0 && !anyOf(c.ExpectAny) {
		return false
	}
	for _, g := range c.ExpectEach {
		if !anyOf(g) {
			return false
		}
	}
	return true
}

// firstRunes returns at most n runes of s.
func firstRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
