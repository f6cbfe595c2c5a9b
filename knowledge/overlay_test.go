package knowledge_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ganwei-bot/ganwei/knowledge"
)

func overlayFS(yaml string) fstest.MapFS {
	return fstest.MapFS{"console.yaml": &fstest.MapFile{Data: []byte(yaml)}}
}

// TestRetireDropsAnEarlierLayersEntryAndLinksToIt: a later layer's retire list takes an embedded
// entry out of answers and out of other entries' related links.
func TestRetireDropsAnEarlierLayersEntryAndLinksToIt(t *testing.T) {
	b, err := knowledge.Load(knowledge.Embedded(), overlayFS("retire: [K-61]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Entry("K-61"); ok {
		t.Fatal("the retired entry is still in the base")
	}
	for _, e := range b.Entries() {
		if slices.Contains(e.Related, "K-61") {
			t.Errorf("%s still relates to the retired entry", e.ID)
		}
	}
	for _, h := range b.Search("四项清单是什么", 5) {
		if h.Entry.ID == "K-61" {
			t.Error("search still finds the retired entry")
		}
	}
	// The embedded base itself is untouched by an earlier overlay load.
	full, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := full.Entry("K-60"); !ok || !slices.Contains(e.Related, "K-61") {
		t.Error("the embedded K-60 lost its link to K-61")
	}
}

func TestRetiringAnUnknownOrSameLayerEntryIsAProblem(t *testing.T) {
	_, err := knowledge.Load(knowledge.Embedded(), overlayFS("retire: [X-404]\n"))
	var pe knowledge.ProblemsError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "要停用的条目不存在") {
		t.Errorf("retiring an unknown id: %v", err)
	}
	_, err = knowledge.Load(knowledge.Embedded(), overlayFS(goodEntry+"retire: [T-1]\n"))
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "同一层既定义又停用") {
		t.Errorf("retiring an entry of the same layer: %v", err)
	}
}

// TestOverlayGoesOverEveryLayerAndSurvivesReloads: SetOverlay installs the curators' layer; a
// Candidate does not; a reload of the files keeps the overlay.
func TestOverlayGoesOverEveryLayerAndSurvivesReloads(t *testing.T) {
	lib, err := knowledge.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	before := lib.Base()
	cand, err := lib.Candidate(overlayFS(goodEntry))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cand.Entry("T-1"); !ok || lib.Base() != before {
		t.Fatal("Candidate must build the new base without installing it")
	}
	if err := lib.SetOverlay(overlayFS(goodEntry)); err != nil {
		t.Fatal(err)
	}
	if err := lib.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := lib.Base().Entry("T-1"); !ok {
		t.Fatal("the overlay's entry is gone after a reload of the files")
	}
	if err := lib.SetOverlay(overlayFS("entries: [")); err == nil {
		t.Fatal("a broken overlay was installed")
	}
	if _, ok := lib.Base().Entry("T-1"); !ok {
		t.Fatal("a refused overlay took the previous one away")
	}
	if err := lib.SetOverlay(nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := lib.Base().Entry("T-1"); ok {
		t.Fatal("removing the overlay left its entry")
	}
	if _, err := knowledge.StaticLibrary(before).Candidate(nil); err == nil {
		t.Error("a static library accepted an overlay")
	}
}

func TestEvalGateListsEveryFailedQuestion(t *testing.T) {
	b, err := knowledge.Load(knowledge.Embedded(), overlayFS(weatherEntry))
	if err != nil {
		t.Fatal(err)
	}
	err = knowledge.EvalGate()(b)
	var ge *knowledge.GateError
	if !errors.As(err, &ge) || len(ge.Failures) == 0 || !ge.Failures[0].Out || ge.OutOfScopeOK == ge.OutOfScope {
		t.Fatalf("gate error %#v", err)
	}
	if !strings.Contains(ge.Summary(), "范围外拒答") {
		t.Errorf("summary %q", ge.Summary())
	}
}
