package curation

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/knowledge"
)

// Draft is an entry as a curator writes it.
type Draft struct {
	ID                string // "" for a new entry
	Title             string
	Category          string
	Questions         []string
	Answer            string
	Excerpt           string
	Document          string // citation: the document, with its 《》
	Author            string
	Section           string
	Related           []string
	NeedsConfirmation bool
}

// DraftOf is an entry as the edit form shows it.
func DraftOf(e *knowledge.Entry) Draft {
	return Draft{ID: e.ID, Title: e.Title, Category: e.Category, Questions: slices.Clone(e.Questions),
		Answer: e.Answer, Excerpt: e.Excerpt, Document: e.Citation.Document, Author: e.Citation.Author,
		Section: e.Citation.Section, Related: slices.Clone(e.Related), NeedsConfirmation: e.NeedsConfirmation}
}

// entry checks the draft's fields and sizes and builds the entry (without its id).
func (d Draft) entry() (*knowledge.Entry, error) {
	bad := func(format string, args ...any) (*knowledge.Entry, error) {
		return nil, ganwei.Errorf(ganwei.EINVALID, format, args...)
	}
	title, category := oneLine(d.Title), oneLine(d.Category)
	answer, excerpt := tidyText(d.Answer), tidyText(d.Excerpt)
	doc, author, section := oneLine(d.Document), oneLine(d.Author), oneLine(d.Section)
	var questions []string
	for _, q := range d.Questions {
		if q = oneLine(q); q != "" && !slices.Contains(questions, q) {
			questions = append(questions, q)
		}
	}
	var related []string
	for _, r := range d.Related {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(related, r) {
			related = append(related, r)
		}
	}
	switch {
	case title == "":
		return bad("请填写标题")
	case utf8.RuneCountInString(title) > MaxTitle:
		return bad("标题请不要超过 %d 字", MaxTitle)
	case category == "":
		return bad("请填写分类")
	case utf8.RuneCountInString(category) > MaxCategory:
		return bad("分类请不要超过 %d 字", MaxCategory)
	case len(questions) == 0:
		return bad("请至少写一个常见问法")
	case len(questions) > MaxQuestions:
		return bad("常见问法请不要超过 %d 个", MaxQuestions)
	case answer == "":
		return bad("请填写回答")
	case utf8.RuneCountInString(answer) > MaxAnswer:
		return bad("回答请不要超过 %d 字", MaxAnswer)
	case excerpt == "":
		return bad("请填写原文摘录（依据的原文）")
	case utf8.RuneCountInString(excerpt) > MaxExcerpt:
		return bad("原文摘录请不要超过 %d 字", MaxExcerpt)
	case doc == "":
		return bad("请填写来源文件")
	case len(related) > MaxRelated:
		return bad("相关条目请不要超过 %d 个", MaxRelated)
	}
	for _, q := range questions {
		if utf8.RuneCountInString(q) > MaxQuestion {
			return bad("每个问法请不要超过 %d 字", MaxQuestion)
		}
	}
	for _, f := range []string{doc, author, section} {
		if utf8.RuneCountInString(f) > MaxCitationField {
			return bad("来源各项请不要超过 %d 字", MaxCitationField)
		}
	}
	for _, r := range related {
		if len(r) > 16 || strings.IndexFunc(r, func(c rune) bool { return c > unicode.MaxASCII || unicode.IsSpace(c) }) >= 0 {
			return bad("相关条目请填写条目编号（如 K-61），用逗号分隔")
		}
	}
	return &knowledge.Entry{Title: title, Category: category, Questions: questions, Answer: answer, Excerpt: excerpt,
		Citation: knowledge.Citation{Document: doc, Author: author, Section: section}, Related: related,
		NeedsConfirmation: d.NeedsConfirmation}, nil
}

// oneLine trims a field and turns any line break or control character into a space; invisible
// format characters go (see invisible).
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// invisible reports a format character (Unicode category Cf): zero-width spaces and joiners,
// byte-order marks, and the direction overrides and isolates that make the rest of a line
// display in another order than it reads (in the bot's answers and on the console's pages).
// Policy text has no use for them.
func invisible(r rune) bool { return unicode.Is(unicode.Cf, r) }

// tidyText trims a paragraph field, keeping its line breaks (as \n) and dropping other control
// characters.
func tidyText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if invisible(r) {
			return -1
		}
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// sameEntry reports whether an edit changes nothing a reader sees.
func sameEntry(a, b *knowledge.Entry) bool {
	return a.Title == b.Title && a.Category == b.Category && slices.Equal(a.Questions, b.Questions) &&
		a.Answer == b.Answer && a.Excerpt == b.Excerpt && a.Citation.Document == b.Citation.Document &&
		a.Citation.Author == b.Citation.Author && a.Citation.Section == b.Citation.Section &&
		slices.Equal(a.Related, b.Related) && a.NeedsConfirmation == b.NeedsConfirmation
}
