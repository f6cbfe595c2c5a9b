package knowledge_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ganwei-bot/ganwei/knowledge"
)

// benchQuestions mixes in-scope, typo and out-of-scope questions, like real traffic.
var benchQuestions = []string{
	"新任一把手四个清单", "干部犯了错能不能容错", "躺平的干部怎么处理", "职务职级病行",
	"年轻干部去基层锻炼", "考核结果有什么用", "今天天气怎么样", "帮我写个请假条",
	"被诬告了能澄清正名吗", "逢训必测是什么", "三项机制是哪三项", "关心关爱干部有哪些措施",
}

// reportPercentiles times each answer separately and reports p50 and p99 per question, which
// ns/op (a mean) hides.
func reportPercentiles(b *testing.B, answer func(q string)) {
	b.Helper()
	durs := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := benchQuestions[i%len(benchQuestions)]
		start := time.Now()
		answer(q)
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durs)
	b.ReportMetric(float64(durs[len(durs)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(durs[len(durs)*99/100].Nanoseconds()), "p99-ns")
}

func BenchmarkAnswerRealBase(b *testing.B) {
	a := &knowledge.Answerer{Library: mustLibrary(b)}
	ctx := context.Background()
	reportPercentiles(b, func(q string) { a.Answer(ctx, q) })
}

// syntheticBase builds n entries from the real base's vocabulary, so that token frequencies are
// realistic: every generated entry shares common terms, as a grown knowledge base would.
func syntheticBase(tb testing.TB, n int) *knowledge.Base {
	tb.Helper()
	real := mustLibrary(tb).Base().Entries()
	var words []string
	for _, e := range real {
		words = append(words, strings.FieldsFunc(e.Excerpt, func(r rune) bool { return strings.ContainsRune("，。、；：“”（）—", r) })...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(k int) string {
		var sb strings.Builder
		for range k {
			sb.WriteString(words[rng.IntN(len(words))])
			sb.WriteString("，")
		}
		return sb.String()
	}
	var sb strings.Builder
	sb.WriteString("category: 生成\ncitation: {document: 《生成》}\nentries:\n")
	for i := range n {
		fmt.Fprintf(&sb, "  - id: S-%d\n    title: 生成条目%d%s\n    questions: [\"%s%d\", \"%s%d\"]\n    answer: \"%s\"\n    excerpt: \"%s\"\n",
			i, i, words[rng.IntN(len(words))], pick(1), i, pick(1), i, pick(3), pick(4))
	}
	base, err := knowledge.Load(fstest.MapFS{"gen.yaml": {Data: []byte(sb.String())}})
	if err != nil {
		tb.Fatal(err)
	}
	return base
}

func BenchmarkAnswer10kBase(b *testing.B) {
	a := &knowledge.Answerer{Library: knowledge.StaticLibrary(syntheticBase(b, 10000))}
	ctx := context.Background()
	reportPercentiles(b, func(q string) { a.Answer(ctx, q) })
}

func BenchmarkLoadRealBase(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := knowledge.Load(knowledge.Embedded()); err != nil {
			b.Fatal(err)
		}
	}
}
