package knowledge

import (
	"fmt"
	"strings"
)

// Citation says where an entry's facts come from. For the seed article Document is its title and
// Author its author; for a glossary term it is the central document that coined the term.
type Citation struct {
	// Document is the title with its book-title marks, e.g. 《让敢为者有底气 让善为者出成绩》.
	Document string `yaml:"document" json:"document"`
	// Author is a person or issuing body (杨斌; 中共中央办公厅).
	Author string `yaml:"author,omitempty" json:"author,omitempty"`
	// Year is the year of issue or publication, when it helps a reader find the document.
	Year int `yaml:"year,omitempty" json:"year,omitempty"`
	// Section names the part of the document (a heading, an article number or a paragraph).
	Section string `yaml:"section,omitempty" json:"section,omitempty"`
}

// String renders the citation as one line for the "来源：" footer of an answer.
func (c Citation) String() string {
	var b strings.Builder
	if c.Author != "" {
		b.WriteString(c.Author)
	}
	b.WriteString(c.Document)
	if c.Year > 0 {
		fmt.Fprintf(&b, "（%d年）", c.Year)
	}
	if c.Section != "" {
		b.WriteString("，")
		b.WriteString(c.Section)
	}
	return b.String()
}

// Entry is one curated answer: a policy point of the seed article or a glossary term.
type Entry struct {
	// ID is stable and unique (K-.. for the article, G-.. for glossary terms); handlers put it in
	// callback data, so it stays short ASCII.
	ID string `yaml:"id" json:"id"`
	// Title is the topic name shown in menus and source lines.
	Title string `yaml:"title" json:"title"`
	// Category groups entries for the /topics menu. Files may set it once for all their entries.
	Category string `yaml:"category" json:"category"`
	// Questions are the ways cadres really ask: short, colloquial, several per entry. They weigh
	// most in retrieval.
	Questions []string `yaml:"questions" json:"questions"`
	// Answer is the concise plain-Chinese reply, a few sentences.
	Answer string `yaml:"answer" json:"answer"`
	// Excerpt is the source text verbatim (原文), shown on request.
	Excerpt string `yaml:"excerpt" json:"excerpt"`
	// Citation says where Excerpt comes from. Files may set a default.
	Citation Citation `yaml:"citation" json:"citation"`
	// Related lists ids of entries worth offering next.
	Related []string `yaml:"related,omitempty" json:"related,omitempty"`
	// Glossary marks the definition of a term of art taken from a central document.
	Glossary bool `yaml:"glossary,omitempty" json:"glossary,omitempty"`
	// NeedsConfirmation marks content set locally that the organization department has yet to
	// confirm; the answer says so to the reader.
	NeedsConfirmation bool `yaml:"needs_confirmation,omitempty" json:"needs_confirmation,omitempty"`

	// file is where the entry was read, for validation messages.
	file string
	// gist is the set of character bigrams of Answer, computed once by Load, to tell when two
	// entries would show the same content.
	gist map[string]bool
}

// Source returns the citation line of the entry.
func (e *Entry) Source() string { return e.Citation.String() }

// File returns the name of the file the entry was read from ("embedded:data/x.yaml" or a path in
// the operator directory), so that curators can find it.
func (e *Entry) File() string { return e.file }

// Passage is the retrievable text of an entry as exported by `ganwei kb export`.
type Passage struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Text   string `json:"text"`
	Source string `json:"source"`
}

// Passage returns the entry's answer and 原文 as one exportable passage.
func (e *Entry) Passage() Passage {
	text := e.Answer
	if e.Excerpt != "" {
		text += "\n原文：" + e.Excerpt
	}
	return Passage{ID: e.ID, Title: e.Title, Text: text, Source: e.Source()}
}

// Topic returns the entry as a browsable topic (id and title) for a button.
func (e *Entry) Topic() Topic { return Topic{ID: e.ID, Title: e.Title} }
