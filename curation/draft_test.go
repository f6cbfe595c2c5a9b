package curation

import (
	"testing"

	"github.com/ganwei-bot/ganwei/knowledge"
)

// TestEveryShippedEntryFitsTheForm: a curator can open any shipped entry in the form and save it
// within the limits (otherwise it could never be edited from the console).
func TestEveryShippedEntryFitsTheForm(t *testing.T) {
	b, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range b.Entries() {
		got, err := DraftOf(e).entry()
		if err != nil {
			t.Errorf("%s does not fit the form: %v", e.ID, err)
			continue
		}
		got.ID, got.Glossary, got.Citation.Year = e.ID, e.Glossary, e.Citation.Year
		if !sameEntry(got, e) {
			t.Errorf("%s changes when saved unchanged from the form", e.ID)
		}
	}
}
