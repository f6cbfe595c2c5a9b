package knowledge

import (
	"math"
	"sort"
	"strings"
	"sync"
)

// Fields of an entry that retrieval reads, with their weights. The questions are how cadres ask,
// so they count most; the verbatim excerpt is long and formal, so it counts least.
const (
	fieldQuestions = iota
	fieldTitle
	fieldAnswer
	fieldExcerpt
	numFields
)

var fieldWeight = [numFields]float64{3.0, 2.0, 1.0, 0.5}

// BM25 parameters: the usual k1, and a length normalisation that is weaker for the questions
// field, whose length grows with the number of variants rather than with verbosity.
const bm25K1 = 1.2

var bm25B = [numFields]float64{0.3, 0.5, 0.75, 0.75}

// Query-side weights of token kinds. Unigrams only nudge the ranking (typo tolerance); in the
// confidence they count a little so that a misspelt term still earns part of its credit.
var kindWeight = [...]float64{kindUnigram: 0.2, kindBigram: 1, kindWord: 1, kindSound: 0.7}

// unknownWeight is the confidence weight of a query bigram that occurs nowhere in the knowledge
// base, relative to the highest idf. Words we have never seen (天气, 社保) are evidence that the
// question is about something else, so they weigh about as much as a rare known term.
const unknownWeight = 0.9

// posting records that a token occurs tf times in one field of one entry.
type posting struct {
	doc   int32
	field uint8
	tf    uint16
}

// index is an inverted index over the entries of a Base, built once per Load.
type index struct {
	ids      map[string]int32
	docs     map[*Entry]int32 // entry -> doc number
	postings [][]posting      // by token id, ordered by doc then field
	idf      []float64        // by token id
	maxIDF   float64
	fieldLen [][numFields]float32 // by doc
	avgLen   [numFields]float64
	rw       *rewriter
	py       *pinyinIndex
	pool     sync.Pool // of *scratch, so that a query on a large base does not allocate per entry
}

// scratch holds per-entry accumulators of one query.
type scratch struct {
	score, cover []float64
	strong       []bool
}

// scratch returns zeroed accumulators for n entries.
func (ix *index) scratch(n int) *scratch {
	sc, _ := ix.pool.Get().(*scratch)
	if sc == nil || len(sc.score) != n {
		return &scratch{score: make([]float64, n), cover: make([]float64, n), strong: make([]bool, n)}
	}
	clear(sc.score)
	clear(sc.cover)
	clear(sc.strong)
	return sc
}

func buildIndex(entries []*Entry, syns []Synonym) *index {
	// The synonym rewrite runs over content as over questions (symmetry): a variant written in an
	// entry must meet the same variant typed by a cadre.
	ix := &index{ids: map[string]int32{}, rw: newRewriter(syns), fieldLen: make([][numFields]float32, len(entries))}
	df := []int32{}
	ix.py = newPinyinIndex(entries, syns)
	ix.docs = make(map[*Entry]int32, len(entries))
	for d, e := range entries {
		ix.docs[e] = int32(d)
		texts := [numFields]string{strings.Join(e.Questions, "\n"), e.Title, e.Answer, e.Excerpt}
		seen := map[int32]bool{}
		for f, text := range texts {
			counts := map[int32]uint16{}
			n := 0
			tokenize(ix.rw.rewrite(normalizeText(text)), func(t token) {
				id, ok := ix.ids[t.text]
				if !ok {
					id = int32(len(ix.postings))
					ix.ids[t.text] = id
					ix.postings = append(ix.postings, nil)
					df = append(df, 0)
				}
				counts[id]++
				n++
			})
			ix.fieldLen[d][f] = float32(n)
			ix.avgLen[f] += float64(n)
			for id, c := range counts {
				ix.postings[id] = append(ix.postings[id], posting{doc: int32(d), field: uint8(f), tf: c})
				if !seen[id] {
					seen[id] = true
					df[id]++
				}
			}
		}
	}
	n := float64(len(entries))
	for f := range ix.avgLen {
		if n > 0 {
			ix.avgLen[f] /= n
		}
		if ix.avgLen[f] == 0 {
			ix.avgLen[f] = 1
		}
	}
	ix.idf = make([]float64, len(df))
	for id, d := range df {
		ix.idf[id] = math.Log(1 + (n-float64(d)+0.5)/(float64(d)+0.5))
		ix.maxIDF = max(ix.maxIDF, ix.idf[id])
	}
	return ix
}

// Hit is one retrieved entry.
type Hit struct {
	Entry *Entry
	// Score is the BM25F score; it orders hits but is not comparable across questions.
	Score float64
	// Confidence is the share (0..1) of the question's informative weight that this entry matches;
	// it is what the not-found threshold compares against.
	Confidence float64
	// Phrase is the longest run of consecutive question bigrams the entry contains: 2 means the
	// entry shares a three-character phrase with the question. A chance overlap of everyday
	// words (推荐, 标准) rarely runs longer than one bigram; a policy term (容错纠错) does.
	Phrase int

	covered []bool    // by query term: whether this entry contains it
	weights []float64 // by query term: its confidence weight (shared by the hits of one search)
}

// gain returns the confidence weight this hit covers that none of the hits in used covers, as a
// share of the question's total: what the entry adds to an answer made of used.
func (h Hit) gain(used []Hit) float64 {
	var add, total float64
	for i, w := range h.weights {
		total += w
		if !h.covered[i] {
			continue
		}
		dup := false
		for _, u := range used {
			if u.covered[i] {
				dup = true
				break
			}
		}
		if !dup {
			add += w
		}
	}
	if total == 0 {
		return 0
	}
	return add / total
}

// queryTerm is one distinct token of a question.
type queryTerm struct {
	id     int32 // -1 when the token is not in the index
	weight float64
	kind   int
}

// queryTerms cuts a normalised, rewritten question into distinct weighted terms and returns them
// with their total confidence weight.
//
// An unknown bigram that straddles two known ones (体包 in 具体包括) is an artefact of cutting
// without a dictionary, not evidence of an unknown topic, so it weighs less; an unknown bigram
// among unknown neighbours (天气 in 今天天气) keeps its full weight.
func (ix *index) queryTerms(nq string, sounds []string) ([]queryTerm, float64) {
	var terms []queryTerm
	seen := map[string]bool{}
	total := 0.0
	add := func(text string, kind int, scale float64) {
		if seen[text] {
			return
		}
		seen[text] = true
		qt := queryTerm{id: -1, kind: kind}
		if id, ok := ix.ids[text]; ok {
			qt.id = id
			qt.weight = ix.idf[id]
		} else {
			qt.weight = unknownWeight * ix.maxIDF * scale
			if kind == kindUnigram {
				qt.weight *= 0.5 // an unknown single character is weak evidence either way
			}
		}
		total += qt.weight * kindWeight[kind]
		terms = append(terms, qt)
	}
	for _, sb := range sounds {
		if _, ok := ix.ids[sb]; ok {
			add(sb, kindSound, 1)
		} else {
			add(sb, kindSound, 0.3) // pinyin of a filler or of a word we do not have
		}
	}
	tokenizeRuns(nq, func(run []rune) {
		n := len(run) - 1 // bigrams in the run
		known := make([]bool, max(n, 0))
		sound := make([]string, max(n, 0)) // set when only the sound is known
		for i := 0; i < n; i++ {
			if _, known[i] = ix.ids[string(run[i:i+2])]; !known[i] {
				if sb := soundBigram(run[i], run[i+1]); sb != "" {
					if _, ok := ix.ids[sb]; ok {
						sound[i], known[i] = sb, true
					}
				}
			}
		}
		for i, r := range run {
			if !strings.ContainsRune(stopUnigrams, r) {
				add(string(r), kindUnigram, 1)
			}
			if i >= n {
				continue
			}
			bg := string(run[i : i+2])
			if stopBigrams[bg] {
				continue
			}
			if sound[i] != "" {
				// Unknown as written, known as sound: a likely typo of a known term.
				add(sound[i], kindSound, 1)
				continue
			}
			scale := 1.0
			if !known[i] {
				left := i > 0 && known[i-1]
				right := i+1 < n && known[i+1]
				switch {
				case left && right:
					scale = 0.25
				case left || right:
					scale = 0.6
				}
			}
			add(bg, kindBigram, scale)
		}
	}, func(word string) {
		kind := kindWord
		if len(word) == 1 {
			kind = kindUnigram // a lone letter or digit (the 1 of 1+N) says little
		}
		add(word, kind, 1)
	})
	return terms, total
}

// search ranks entries for a question. It returns at most limit hits, best first.
func (ix *index) search(entries []*Entry, q string, limit int) []Hit {
	nq, sounds := ix.py.read(Normalize(q))
	nq = ix.rw.rewrite(nq)
	terms, total := ix.queryTerms(nq, sounds)
	if total == 0 || len(entries) == 0 {
		return nil
	}
	sc := ix.scratch(len(entries))
	defer ix.pool.Put(sc)
	score, cover, strong := sc.score, sc.cover, sc.strong // strong: matched more than single characters
	for _, qt := range terms {
		if qt.id < 0 {
			continue
		}
		kw := kindWeight[qt.kind]
		last := int32(-1)
		for _, p := range ix.postings[qt.id] {
			f := p.field
			tf := float64(p.tf)
			norm := 1 - bm25B[f] + bm25B[f]*float64(ix.fieldLen[p.doc][f])/ix.avgLen[f]
			score[p.doc] += kw * qt.weight * fieldWeight[f] * tf * (bm25K1 + 1) / (tf + bm25K1*norm)
			if p.doc != last {
				cover[p.doc] += kw * qt.weight
				last = p.doc
				if qt.kind != kindUnigram {
					strong[p.doc] = true
				}
			}
		}
	}
	// Keep the best limit hits by insertion: limit is small, and sorting every matching entry of a
	// large base would cost more than the scoring itself.
	hits := make([]Hit, 0, limit+1)
	better := func(a, b Hit) bool {
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Entry.ID < b.Entry.ID
	}
	for d, s := range score {
		if s <= 0 {
			continue
		}
		h := Hit{Entry: entries[d], Score: s, Confidence: cover[d] / total}
		if !strong[d] {
			// Shared single characters alone (谁 in 你是谁) are no evidence of a shared topic.
			h.Confidence = 0
		}
		if len(hits) == limit && !better(h, hits[len(hits)-1]) {
			continue
		}
		i := sort.Search(len(hits), func(i int) bool { return better(h, hits[i]) })
		hits = append(hits, Hit{})
		copy(hits[i+1:], hits[i:])
		hits[i] = h
		if len(hits) > limit {
			hits = hits[:limit]
		}
	}
	ix.describe(hits, terms, nq)
	return hits
}

// describe fills in, for the few hits returned, which query terms each contains and the longest
// phrase it shares with the question. Postings are sorted by entry, so each check is a binary
// search; doing this for the top hits only keeps it off the cost of scanning a large base.
func (ix *index) describe(hits []Hit, terms []queryTerm, nq string) {
	weights := make([]float64, len(terms))
	for i, qt := range terms {
		weights[i] = qt.weight * kindWeight[qt.kind]
	}
	var runs [][]int32 // bigram token ids of each Han run of the question, in order (-1 unknown)
	tokenizeRuns(nq, func(run []rune) {
		var ids []int32
		for i := 0; i+1 < len(run); i++ {
			id, ok := ix.ids[string(run[i:i+2])]
			if !ok {
				id = -1
			}
			ids = append(ids, id)
		}
		runs = append(runs, ids)
	}, func(string) {})
	for k := range hits {
		doc := ix.docOf(hits[k].Entry)
		cov := make([]bool, len(terms))
		for i, qt := range terms {
			cov[i] = qt.id >= 0 && ix.has(doc, qt.id)
		}
		best := 0
		for _, ids := range runs {
			n := 0
			for _, id := range ids {
				if id >= 0 && ix.has(doc, id) {
					n++
					best = max(best, n)
				} else {
					n = 0
				}
			}
		}
		hits[k].covered, hits[k].weights, hits[k].Phrase = cov, weights, best
	}
}

// docOf returns the position of an entry in the base (its doc number in postings).
func (ix *index) docOf(e *Entry) int32 { return ix.docs[e] }

// has reports whether entry doc contains token id in any field.
func (ix *index) has(doc, id int32) bool {
	ps := ix.postings[id]
	i := sort.Search(len(ps), func(i int) bool { return ps[i].doc >= doc })
	return i < len(ps) && ps[i].doc == doc
}
