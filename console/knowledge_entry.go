package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
)

// maxEntryForm bounds the body of an entry form: the service's limits in UTF-8 with room for
// the field names and escaping. Anything larger is refused before it is read.
const maxEntryForm = 64 << 10

// knowledgeRoutes adds the curators' pages of the 知识库 (the entry form, retire, versions,
// rollback, taking a question off the queue).
func (s *Server) knowledgeRoutes(mux *http.ServeMux) {
	page := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, limitBody(s, s.signedIn(h))) }
	page("GET /console/knowledge/new", s.entryNewForm)
	page("POST /console/knowledge/new", s.entryAdd)
	page("GET /console/knowledge/entries/{id}/edit", s.entryEditForm)
	page("POST /console/knowledge/entries/{id}/edit", s.entryEdit)
	page("GET /console/knowledge/entries/{id}/retire", s.entryRetireConfirm)
	page("POST /console/knowledge/entries/{id}/retire", s.entryRetire)
	page("GET /console/knowledge/versions", s.versionsPage)
	page("GET /console/knowledge/versions/{n}/rollback", s.rollbackConfirm)
	page("POST /console/knowledge/versions/{n}/rollback", s.rollback)
	page("POST /console/knowledge/resolve", s.resolveQuestion)
}

// limitBody refuses a request body beyond maxEntryForm with a plain sentence, before the session
// check reads the form.
func limitBody(s *Server, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxEntryForm {
			s.renderMessage(w, r, http.StatusRequestEntityTooLarge, "内容过长", "提交的内容过长，请精简后再保存（每个条目的回答不超过 1500 字，原文摘录不超过 3000 字）。")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxEntryForm)
		next.ServeHTTP(w, r)
	})
}

// entryForm is what the entry form shows: the draft, the live version it was opened at, and
// when saving was refused, why.
type entryForm struct {
	New        bool
	Draft      curation.Draft
	Questions  string // one per line
	Related    string // comma-separated
	Base       int64
	From       string // the unanswered question (normalised) the entry answers, "" for none
	FromText   string
	Categories []string
	Error      string
	Refusal    *curation.Refusal
}

func (s *Server) categories() []string {
	var out []string
	for _, c := range s.Answerer.Library.Base().Categories() {
		out = append(out, c.Name)
	}
	return out
}

// entryNewForm is the form for a new entry; from the unanswered queue it comes prefilled with the
// question as a sample question and a suggested title.
func (s *Server) entryNewForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.Editor.MayEdit(ctx); err != nil {
		s.fail(w, r, "new entry form", err)
		return
	}
	f := entryForm{New: true, Base: s.Editor.Live(), Categories: s.categories()}
	q := r.URL.Query()
	if text := oneLineField(q.Get("q"), maxTestQuestion); text != "" {
		f.From, f.FromText = oneLineField(q.Get("from"), 1000), text
		f.Draft.Title = suggestTitle(text)
		f.Questions = text
	}
	s.render(w, r, http.StatusOK, "knowledge_entry", "新增条目", "knowledge", f)
}

// entryEditForm is the form for changing an entry, shipped or written here.
func (s *Server) entryEditForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.Editor.MayEdit(ctx); err != nil {
		s.fail(w, r, "edit entry form", err)
		return
	}
	e, ok := s.Answerer.Library.Base().Entry(r.PathValue("id"))
	if !ok {
		s.renderMessage(w, r, http.StatusNotFound, "没有找到", "没有这个条目（可能已停用）。")
		return
	}
	d := curation.DraftOf(e)
	f := entryForm{Draft: d, Questions: strings.Join(d.Questions, "\n"), Related: strings.Join(d.Related, ", "),
		Base: s.Editor.Live(), Categories: s.categories()}
	s.render(w, r, http.StatusOK, "knowledge_entry", "修改条目", "knowledge", f)
}

// draftFromForm reads the entry form.
func draftFromForm(r *http.Request) (curation.Draft, entryForm, error) {
	base, err := strconv.ParseInt(r.PostFormValue("base"), 10, 64)
	if err != nil {
		return curation.Draft{}, entryForm{}, ganwei.Errorf(ganwei.EINVALID, "版本号无效，请刷新页面后再试")
	}
	f := entryForm{Base: base, Questions: r.PostFormValue("questions"), Related: r.PostFormValue("related"),
		From: r.PostFormValue("from"), FromText: r.PostFormValue("from_text")}
	d := curation.Draft{
		Title: r.PostFormValue("title"), Category: r.PostFormValue("category"),
		Questions: strings.Split(f.Questions, "\n"), Answer: r.PostFormValue("answer"), Excerpt: r.PostFormValue("excerpt"),
		Document: r.PostFormValue("document"), Author: r.PostFormValue("author"), Section: r.PostFormValue("section"),
		Related:           strings.FieldsFunc(f.Related, func(c rune) bool { return c == ',' || c == '，' || c == '、' || c == ' ' }),
		NeedsConfirmation: r.PostFormValue("needs_confirmation") == "1",
	}
	f.Draft = d
	return d, f, nil
}

// entryAdd saves a new entry through the versioned, gated path and, when it came from the
// unanswered queue, takes that question off it.
func (s *Server) entryAdd(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, f, err := draftFromForm(r)
	if err != nil {
		s.fail(w, r, "read entry form", err)
		return
	}
	f.New = true
	v, err := s.Editor.Add(ctx, d)
	if err != nil {
		s.entryRefused(w, r, f, err)
		return
	}
	if f.From != "" {
		if err := s.Curation.Resolve(ctx, f.From); err != nil && ganwei.ErrorCode(err) != ganwei.ENOTFOUND {
			s.Logger.Warn("console: resolve the question of a new entry", "err", err)
		}
	}
	s.savedRedirect(w, r, v, d)
}

// entryEdit saves a changed entry.
func (s *Server) entryEdit(w http.ResponseWriter, r *http.Request) {
	d, f, err := draftFromForm(r)
	if err != nil {
		s.fail(w, r, "read entry form", err)
		return
	}
	d.ID = r.PathValue("id")
	f.Draft.ID = d.ID
	v, err := s.Editor.Edit(r.Context(), d, f.Base)
	if err != nil {
		s.entryRefused(w, r, f, err)
		return
	}
	s.savedRedirect(w, r, v, d)
}

// savedRedirect goes to the 知识库 page confirming the version and hit-testing the entry's first
// question, so the curator sees at once what the bot now answers.
func (s *Server) savedRedirect(w http.ResponseWriter, r *http.Request, v *ganwei.KBVersion, d curation.Draft) {
	q := url.Values{"saved": {strconv.FormatInt(v.N, 10)}}
	for _, question := range d.Questions {
		if question = strings.TrimSpace(question); question != "" {
			q.Set("q", oneLineField(question, maxTestQuestion))
			break
		}
	}
	seeOther(w, r, "/console/knowledge?"+q.Encode()+"#saved")
}

// entryRefused shows the form again with what the curator typed and why it did not go live: a
// field's limit, or the checks and tuned questions that failed. A refusal by role or an unknown
// entry is the plain page.
func (s *Server) entryRefused(w http.ResponseWriter, r *http.Request, f entryForm, err error) {
	var ref *curation.Refusal
	switch {
	case errors.As(err, &ref):
		f.Refusal = ref
	case ganwei.ErrorCode(err) == ganwei.EINVALID || ganwei.ErrorCode(err) == ganwei.ECONFLICT:
		f.Error = ganwei.ErrorMessage(err)
	default:
		s.fail(w, r, "save entry", err)
		return
	}
	f.Categories = s.categories()
	title := "修改条目"
	if f.New {
		title = "新增条目"
	}
	s.render(w, r, http.StatusUnprocessableEntity, "knowledge_entry", title, "knowledge", f)
}

// retireData is the retire confirmation.
type retireData struct {
	Entry *knowledge.Entry
	Base  int64
}

// entryRetireConfirm asks before retiring an entry.
func (s *Server) entryRetireConfirm(w http.ResponseWriter, r *http.Request) {
	if err := s.Editor.MayEdit(r.Context()); err != nil {
		s.fail(w, r, "retire entry form", err)
		return
	}
	e, ok := s.Answerer.Library.Base().Entry(r.PathValue("id"))
	if !ok {
		s.renderMessage(w, r, http.StatusNotFound, "没有找到", "没有这个条目（可能已停用）。")
		return
	}
	s.render(w, r, http.StatusOK, "knowledge_retire", "确认停用条目", "knowledge", retireData{Entry: e, Base: s.Editor.Live()})
}

// entryRetire retires the entry after the confirmation.
func (s *Server) entryRetire(w http.ResponseWriter, r *http.Request) {
	base, err := strconv.ParseInt(r.PostFormValue("base"), 10, 64)
	if err != nil {
		s.renderMessage(w, r, http.StatusBadRequest, "输入有误", "版本号无效，请刷新页面后再试。")
		return
	}
	v, err := s.Editor.Retire(r.Context(), r.PathValue("id"), base)
	if err != nil {
		s.refusedChange(w, r, "retire entry", err)
		return
	}
	seeOther(w, r, "/console/knowledge?saved="+strconv.FormatInt(v.N, 10)+"#saved")
}

// refusedChange answers a refused retire or rollback: the checks that failed, or the service's
// sentence.
func (s *Server) refusedChange(w http.ResponseWriter, r *http.Request, action string, err error) {
	var ref *curation.Refusal
	switch {
	case errors.As(err, &ref):
		s.render(w, r, http.StatusUnprocessableEntity, "knowledge_refused", "未生效", "knowledge", ref)
	case ganwei.ErrorCode(err) == ganwei.ECONFLICT:
		s.renderMessage(w, r, http.StatusConflict, "请刷新后重试", ganwei.ErrorMessage(err))
	default:
		s.fail(w, r, action, err)
	}
}

// resolveQuestion takes a question off the unanswered queue (not for the knowledge base, or
// answered already).
func (s *Server) resolveQuestion(w http.ResponseWriter, r *http.Request) {
	if err := s.Curation.Resolve(r.Context(), r.PostFormValue("q")); err != nil {
		s.fail(w, r, "resolve question", err)
		return
	}
	seeOther(w, r, "/console/knowledge?resolved=1#unanswered")
}

// oneLineField trims a query value to one line of at most n runes.
func oneLineField(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

// suggestTitle makes a title of a question: without the asking words and the question mark
// (干部周转房怎么申请？ → 干部周转房申请).
func suggestTitle(q string) string {
	t := strings.TrimRight(q, "？?。！!~ ")
	for _, p := range []string{"请问", "我想问一下", "我想问", "想问一下", "想问", "问一下"} {
		t = strings.TrimPrefix(t, p)
	}
	for _, w := range []string{"是怎么", "怎么样", "怎么", "如何", "是什么", "什么", "吗", "呢", "啊", "有哪些", "多少", "几点"} {
		t = strings.ReplaceAll(t, w, "")
	}
	t = strings.TrimSpace(t)
	if utf8.RuneCountInString(t) < 2 {
		t = strings.TrimRight(q, "？?。！! ")
	}
	if utf8.RuneCountInString(t) > curation.MaxTitle {
		t = string([]rune(t)[:curation.MaxTitle])
	}
	return t
}
