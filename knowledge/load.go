package knowledge

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// content is the curated knowledge base shipped in the binary.
//
//go:embed data/*.yaml
var content embed.FS

// Embedded returns the knowledge files shipped in the binary, rooted so that the YAML files sit at
// the top level like in an operator directory.
func Embedded() fs.FS {
	sub, err := fs.Sub(content, "data")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

// file is the schema of one knowledge file. Category and Citation are defaults for the entries
// of the file, which keeps a file about one section short and consistent.
type file struct {
	Category string    `yaml:"category"`
	Citation Citation  `yaml:"citation"`
	Entries  []*Entry  `yaml:"entries"`
	Synonyms []Synonym `yaml:"synonyms"`
	// Retire lists ids of entries of earlier layers that stop being answered (an entry retired
	// from the console); related links to them are dropped.
	Retire []string `yaml:"retire,omitempty"`
}

// Problem is one thing wrong with the knowledge files, reported by Check and by Load.
type Problem struct {
	File    string
	ID      string
	Message string
}

// String renders the problem for a curator: file, entry and what to fix.
func (p Problem) String() string {
	s := p.File
	if p.ID != "" {
		s += " " + p.ID
	}
	return s + ": " + p.Message
}

// ProblemsError is returned by Load when the files have problems; it lists every one, so a
// curator fixes them in one pass.
type ProblemsError []Problem

// Error implements error.
func (pe ProblemsError) Error() string {
	lines := make([]string, len(pe))
	for i, p := range pe {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d problem(s) in knowledge files:\n%s", len(pe), strings.Join(lines, "\n"))
}

// Base is one immutable, indexed snapshot of the knowledge base. Build it with Load; share it
// freely between goroutines.
type Base struct {
	entries    []*Entry
	byID       map[string]*Entry
	categories []Category
	ix         *index
}

// Category is one group of entries for the /topics menu.
type Category struct {
	Name  string
	Count int
}

// Load reads every *.yaml file at the top level of each fsys in order and builds an indexed Base.
// An entry whose id was defined in an earlier fsys replaces it (operator overrides); a duplicate id
// within one fsys is a problem. Synonyms from all layers are merged. Load returns a ProblemsError
// listing everything wrong, and no Base, when the content does not validate.
func Load(fsys ...fs.FS) (*Base, error) {
	entries, syns, problems, err := read(fsys)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, ProblemsError(problems)
	}
	return newBase(entries, syns), nil
}

// Check validates the files of each fsys as Load would and returns every problem found; an empty
// result means Load will succeed. The error is for files that cannot be read at all.
func Check(fsys ...fs.FS) ([]Problem, error) {
	_, _, problems, err := read(fsys)
	return problems, err
}

func newBase(entries []*Entry, syns []Synonym) *Base {
	b := &Base{entries: entries, byID: make(map[string]*Entry, len(entries))}
	counts := map[string]int{}
	var order []string
	for _, e := range entries {
		b.byID[e.ID] = e
		e.gist = bigramSet(e.Answer)
		if counts[e.Category] == 0 {
			order = append(order, e.Category)
		}
		counts[e.Category]++
	}
	for _, name := range order {
		b.categories = append(b.categories, Category{Name: name, Count: counts[name]})
	}
	b.ix = buildIndex(entries, syns)
	return b
}

// read parses and merges the layers and validates the result.
func read(layers []fs.FS) ([]*Entry, []Synonym, []Problem, error) {
	var (
		problems []Problem
		syns     []Synonym
		merged   []*Entry
		pos      = map[string]int{} // id -> index in merged
	)
	for layer, fsys := range layers {
		names, err := fs.Glob(fsys, "*.yaml")
		if err != nil {
			return nil, nil, nil, fmt.Errorf("list knowledge files: %w", err)
		}
		sort.Strings(names)
		inLayer := map[string]string{} // id -> file, for duplicates within the layer
		retire := map[string]string{}  // id -> file that retires it
		for _, name := range names {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("read knowledge file %s: %w", name, err)
			}
			label := fmt.Sprintf("layer%d:%s", layer, name)
			if layer == 0 {
				label = name
			}
			var f file
			dec := yaml.NewDecoder(bytes.NewReader(data))
			dec.KnownFields(true) // a misspelt field name must not silently drop content
			if err := dec.Decode(&f); err != nil && !errors.Is(err, errEOF) {
				problems = append(problems, Problem{File: label, Message: "不是有效的 YAML：" + err.Error()})
				continue
			}
			syns = append(syns, f.Synonyms...)
			for _, id := range f.Retire {
				retire[id] = label
			}
			for _, e := range f.Entries {
				if e == nil {
					continue
				}
				e.file = label
				e.Answer, e.Excerpt, e.Title = tidy(e.Answer), tidy(e.Excerpt), tidy(e.Title)
				if e.Category == "" {
					e.Category = f.Category
				}
				if e.Citation == (Citation{}) {
					e.Citation = f.Citation
				} else if e.Citation.Document == "" {
					// Entries usually name only their section; the rest comes from the file.
					sec := e.Citation.Section
					e.Citation = f.Citation
					e.Citation.Section = sec
				}
				problems = append(problems, validateEntry(label, e)...)
				if e.ID == "" {
					continue
				}
				if prev, dup := inLayer[e.ID]; dup {
					problems = append(problems, Problem{File: label, ID: e.ID, Message: "编号重复（另见 " + prev + "）"})
					continue
				}
				inLayer[e.ID] = label
				if i, ok := pos[e.ID]; ok {
					merged[i] = e // override from a later layer
					continue
				}
				pos[e.ID] = len(merged)
				merged = append(merged, e)
			}
		}
		if len(retire) > 0 {
			var ps []Problem
			merged, ps = retireEntries(merged, retire, inLayer)
			problems = append(problems, ps...)
			clear(pos)
			for i, e := range merged {
				pos[e.ID] = i
			}
		}
	}
	problems = append(problems, crossCheck(merged)...)
	return merged, syns, problems, nil
}

// retireEntries drops the retired ids from merged (defined by earlier layers) and the related
// links that point to them. Retiring an id no earlier layer defines, or one the retiring layer
// itself defines, is a problem.
func retireEntries(merged []*Entry, retire, inLayer map[string]string) ([]*Entry, []Problem) {
	var ps []Problem
	removed := map[string]bool{}
	kept := make([]*Entry, 0, len(merged))
	for _, e := range merged {
		_, gone := retire[e.ID]
		switch {
		case !gone:
			kept = append(kept, e)
		case inLayer[e.ID] != "":
			ps = append(ps, Problem{File: inLayer[e.ID], ID: e.ID, Message: "同一层既定义又停用这个条目"})
			kept = append(kept, e)
			removed[e.ID] = false
		default:
			removed[e.ID] = true
		}
	}
	ids := make([]string, 0, len(retire))
	for id := range retire {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if _, seen := removed[id]; !seen {
			ps = append(ps, Problem{File: retire[id], ID: id, Message: "要停用的条目不存在"})
		}
	}
	for _, e := range kept {
		if slices.ContainsFunc(e.Related, func(r string) bool { return removed[r] }) {
			e.Related = slices.DeleteFunc(slices.Clone(e.Related), func(r string) bool { return removed[r] })
		}
	}
	return kept, ps
}

// errEOF is what yaml.v3 returns for an empty document; an empty file is allowed (a placeholder).
var errEOF = io.EOF

// validateEntry checks one entry's required fields.
func validateEntry(file string, e *Entry) []Problem {
	var ps []Problem
	bad := func(msg string) { ps = append(ps, Problem{File: file, ID: e.ID, Message: msg}) }
	if e.ID == "" {
		bad("缺少 id（标题：" + e.Title + "）")
	} else if strings.ContainsAny(e.ID, " :[]\t\n") || len(e.ID) > 16 {
		bad("id 只能是不超过 16 个字符的字母、数字和连字符")
	}
	if strings.TrimSpace(e.Title) == "" {
		bad("缺少 title")
	}
	if strings.TrimSpace(e.Category) == "" {
		bad("缺少 category")
	}
	if len(e.Questions) == 0 {
		bad("缺少 questions")
	}
	for _, q := range e.Questions {
		if strings.TrimSpace(q) == "" {
			bad("questions 里有空问题")
		}
	}
	if strings.TrimSpace(e.Answer) == "" {
		bad("缺少 answer")
	}
	if strings.TrimSpace(e.Excerpt) == "" {
		bad("缺少 excerpt（原文）")
	}
	if strings.TrimSpace(e.Citation.Document) == "" {
		bad("缺少 citation.document")
	}
	return ps
}

// crossCheck finds problems between entries of the merged base: the same question under two
// entries (retrieval could not tell them apart) and related ids that point nowhere.
func crossCheck(entries []*Entry) []Problem {
	var ps []Problem
	ids := map[string]bool{}
	for _, e := range entries {
		ids[e.ID] = true
	}
	owner := map[string]string{}
	for _, e := range entries {
		for _, q := range e.Questions {
			key := NormalizeQuestion(q)
			if key == "" {
				continue
			}
			if other, ok := owner[key]; ok && other != e.ID {
				ps = append(ps, Problem{File: e.file, ID: e.ID, Message: fmt.Sprintf("问题“%s”与 %s 重复", q, other)})
				continue
			}
			owner[key] = e.ID
		}
		for _, r := range e.Related {
			if !ids[r] {
				ps = append(ps, Problem{File: e.file, ID: e.ID, Message: "related 指向不存在的条目 " + r})
			}
			if r == e.ID {
				ps = append(ps, Problem{File: e.file, ID: e.ID, Message: "related 指向自己"})
			}
		}
	}
	return ps
}

// Entries returns every entry in file order. The slice is shared: do not modify it.
func (b *Base) Entries() []*Entry { return b.entries }

// Entry returns the entry with the given id.
func (b *Base) Entry(id string) (*Entry, bool) {
	e, ok := b.byID[id]
	return e, ok
}

// Categories returns the categories in the order they first appear in the files, with counts.
func (b *Base) Categories() []Category { return b.categories }

// EntriesIn returns the entries of one category in file order (nil for an unknown category).
func (b *Base) EntriesIn(category string) []*Entry {
	var out []*Entry
	for _, e := range b.entries {
		if e.Category == category {
			out = append(out, e)
		}
	}
	return out
}

// Passages returns every entry as an exportable passage, in file order.
func (b *Base) Passages() []Passage {
	out := make([]Passage, len(b.entries))
	for i, e := range b.entries {
		out[i] = e.Passage()
	}
	return out
}

// Search returns up to limit entries for a question, best first, with their confidence. It does
// not apply the not-found threshold; Answerer does.
func (b *Base) Search(question string, limit int) []Hit {
	if limit < 1 {
		limit = 1
	}
	return b.ix.search(b.entries, question, limit)
}

// tidy trims text and drops the spaces YAML folding puts at line breaks between Chinese
// characters (a folded answer written over three lines must read as one paragraph), keeping
// spaces next to ASCII words and explicit newlines.
func tidy(s string) string {
	rs := []rune(strings.TrimSpace(s))
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		if rs[i] != ' ' {
			out = append(out, rs[i])
			continue
		}
		j := i
		for j < len(rs) && rs[j] == ' ' {
			j++
		}
		prevWide := len(out) > 0 && out[len(out)-1] >= 0x2000
		nextWide := j < len(rs) && rs[j] >= 0x2000
		if !(prevWide || nextWide) {
			out = append(out, ' ')
		}
		i = j - 1
	}
	return string(out)
}
