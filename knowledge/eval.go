package knowledge

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Bars of the evaluation set: `ganwei kb check` fails below them.
const (
	// InScopeBar is the least share of in-scope questions whose answer must be correct.
	InScopeBar = 0.95
	// OutOfScopeBar is the least share of out-of-scope questions that must be declined: all of
	// them, because a guessed policy is worse than no answer.
	OutOfScopeBar = 1.0
)

//go:embed eval/eval.yaml
var evalYAML []byte

// EvalCase is one question of the evaluation set with what a correct answer must contain.
type EvalCase struct {
	Q string `yaml:"q"`
	// Kind says what the case tests (paraphrase, keyword, typo, abbreviation, span, out), for
	// reading the report; it does not change scoring.
	Kind string `yaml:"kind,omitempty"`
	// IDs must all be among the answer's sources.
	IDs []string `yaml:"ids,omitempty"`
	// AnyIDs: at least one must be among the answer's sources (for questions two entries answer
	// equally well).
	AnyIDs []string `yaml:"any_ids,omitempty"`
	// Contains are substrings the answer text must contain.
	Contains []string `yaml:"contains,omitempty"`
	// Out marks a question the knowledge base must decline.
	Out bool `yaml:"out,omitempty"`
}

// EvalResult is the outcome of one case.
type EvalResult struct {
	Case    EvalCase
	Answer  Answer
	OK      bool
	Why     string // what was missing, when not OK
	Outcome Outcome
}

// EvalReport sums up an evaluation run.
type EvalReport struct {
	InScope, InScopeOK       int
	OutOfScope, OutOfScopeOK int
	Results                  []EvalResult
	// Bands are the precision and recall of each band; Kinds tallies outcomes per kind.
	Bands BandReport
	Kinds map[string]*Tally
}

// InScopeShare is the share of in-scope questions answered correctly (1 when there are none).
func (r EvalReport) InScopeShare() float64 { return share(r.InScopeOK, r.InScope) }

// OutOfScopeShare is the share of out-of-scope questions declined (1 when there are none).
func (r EvalReport) OutOfScopeShare() float64 { return share(r.OutOfScopeOK, r.OutOfScope) }

// Pass reports whether both shares reach their bars.
func (r EvalReport) Pass() bool {
	return r.InScopeShare() >= InScopeBar && r.OutOfScopeShare() >= OutOfScopeBar
}

func share(ok, n int) float64 {
	if n == 0 {
		return 1
	}
	return float64(ok) / float64(n)
}

// EmbeddedEval returns the evaluation set shipped in the binary.
func EmbeddedEval() ([]EvalCase, error) { return ParseEval(evalYAML) }

// ParseEval reads an evaluation file: a YAML document with a top-level `cases` list.
func ParseEval(data []byte) ([]EvalCase, error) {
	var doc struct {
		Cases []EvalCase `yaml:"cases"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse evaluation set: %w", err)
	}
	for i, c := range doc.Cases {
		if strings.TrimSpace(c.Q) == "" {
			return nil, fmt.Errorf("parse evaluation set: case %d has no question", i+1)
		}
		if !c.Out && len(c.IDs)+len(c.AnyIDs)+len(c.Contains) == 0 {
			return nil, fmt.Errorf("parse evaluation set: case %q says nothing about a correct answer", c.Q)
		}
	}
	return doc.Cases, nil
}

// RunEval answers every case with a and scores it.
func RunEval(ctx context.Context, a *Answerer, cases []EvalCase) EvalReport {
	r := EvalReport{Kinds: map[string]*Tally{}, Bands: newBandReport()}
	for _, c := range cases {
		ans := a.Answer(ctx, c.Q)
		res := EvalResult{Case: c, Answer: ans}
		res.OK, res.Why = judge(c, ans)
		res.Outcome = evalOutcome(c, ans, res.OK)
		r.Bands.add(c.Out, bandOf(ans), res.Outcome)
		kind := c.Kind
		if kind == "" && c.Out {
			kind = "out"
		}
		if r.Kinds[kind] == nil {
			r.Kinds[kind] = &Tally{}
		}
		r.Kinds[kind].add(c.Out, res.Outcome)
		if c.Out {
			r.OutOfScope++
			if res.OK {
				r.OutOfScopeOK++
			}
		} else {
			r.InScope++
			if res.OK {
				r.InScopeOK++
			}
		}
		r.Results = append(r.Results, res)
	}
	return r
}

// evalOutcome classifies a tuned case the way the held-out scoring does, by ids: a "您是想问"
// is an offer of the right entry when a candidate is one of the expected ids.
func evalOutcome(c EvalCase, ans Answer, ok bool) Outcome {
	band := bandOf(ans)
	switch {
	case c.Out && ok:
		return OutcomeCorrect
	case c.Out:
		return OutcomeAnswered
	case band == BandAnswered && ok:
		return OutcomeCorrect
	case band == BandAnswered:
		return OutcomeWrong
	case band == BandCandidates:
		for _, t := range ans.Candidates {
			if slices.Contains(c.IDs, t.ID) || slices.Contains(c.AnyIDs, t.ID) {
				return OutcomeOffered
			}
		}
		return OutcomeMissed
	default:
		return OutcomeDeclined
	}
}

func judge(c EvalCase, ans Answer) (bool, string) {
	if c.Out {
		if ans.Found {
			return false, "应当拒答，却回答了 " + sourceIDs(ans)
		}
		if bandOf(ans) == BandCandidates {
			return false, "应当拒答，却问“您是想问”" + topicIDs(ans.Candidates)
		}
		return true, ""
	}
	if !ans.Found {
		if bandOf(ans) == BandCandidates {
			return false, "未直接回答，只问“您是想问”" + topicIDs(ans.Candidates)
		}
		return false, "未找到答案"
	}
	ids := make([]string, len(ans.Sources))
	for i, s := range ans.Sources {
		ids[i] = s.ID
	}
	for _, id := range c.IDs {
		if !slices.Contains(ids, id) {
			return false, "来源缺少 " + id + "，实际 " + sourceIDs(ans)
		}
	}
	if len(c.AnyIDs) > 0 && !slices.ContainsFunc(c.AnyIDs, func(id string) bool { return slices.Contains(ids, id) }) {
		return false, "来源不含 " + strings.Join(c.AnyIDs, "/") + " 之一，实际 " + sourceIDs(ans)
	}
	for _, s := range c.Contains {
		if !strings.Contains(ans.Text, s) {
			return false, "答案不含“" + s + "”"
		}
	}
	return true, ""
}

func sourceIDs(ans Answer) string {
	var ids []string
	for _, s := range ans.Sources {
		ids = append(ids, s.ID)
	}
	return "[" + strings.Join(ids, ",") + "]"
}

func topicIDs(ts []Topic) string {
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	return "[" + strings.Join(ids, ",") + "]"
}
