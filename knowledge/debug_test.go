package knowledge

import (
	"fmt"
	"testing"
)

func TestDebugConf(t *testing.T) {
	b, err := Load(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	cases, _ := EmbeddedEval()
	for _, c := range cases {
		hs := b.Search(c.Q, 3)
		s := ""
		for _, h := range hs {
			s += fmt.Sprintf(" %s:%.2f/%.1f", h.Entry.ID, h.Confidence, h.Score)
		}
		fmt.Printf("%v\t%s\t[%s]\t%s\n", c.Out, c.Q, b.ix.rw.rewrite(Normalize(c.Q)), s)
	}
}
