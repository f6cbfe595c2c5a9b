package console

import "testing"

// TestEveryPageTemplateParses: pages are parsed on first use, so a broken template must fail here
// rather than on somebody's visit.
func TestEveryPageTemplateParses(t *testing.T) {
	s := &Server{}
	if err := s.parseTemplates(); err != nil {
		t.Fatal(err)
	}
	if len(s.pages.files) < 10 {
		t.Fatalf("found %d page templates, want the console's pages", len(s.pages.files))
	}
	for name := range s.pages.files {
		t1, err := s.pages.template(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if t1.Lookup("layout.html") == nil {
			t.Errorf("%s: no layout", name)
		}
		if t2, _ := s.pages.template(name); t2 != t1 {
			t.Errorf("%s parsed twice", name)
		}
	}
	if _, err := s.pages.template("no-such-page"); err == nil {
		t.Error("an unknown page gave no error")
	}
}
