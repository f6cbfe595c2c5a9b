package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/ganwei-bot/ganwei"
)

type pageTemplate = template.Template

// navItem is one entry of the navigation.
type navItem struct {
	Key, Label, Href string
}

// page is what every page template receives: the layout's part and the page's own data.
type page struct {
	Title  string
	Active string
	Nav    []navItem
	User   *ganwei.User
	CSRF   string
	Data   any
}

// pageSet holds the page templates. Each is parsed on its first use rather than at start: an
// idle bot whose console nobody opens keeps no parsed templates (about 1 MB of heap).
// TestEveryPageTemplateParses parses them all, so a broken template fails the tests, not a visit.
type pageSet struct {
	funcs  template.FuncMap
	files  map[string]string // page name -> its template file
	mu     sync.Mutex
	parsed map[string]*pageTemplate
}

// parseTemplates finds the page templates; each page is the layout plus the page's own file.
func (s *Server) parseTemplates() error {
	funcs := template.FuncMap{
		"periodLabel": ganwei.PeriodLabel,
		// maxCaseNote is the longest case note the store takes, for the form's maxlength.
		"maxCaseNote": func() int { return ganwei.MaxCaseNoteLen },
		"pct":         func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
		"avg":         func(f float64) string { return fmt.Sprintf("%.2f", f) },
		"signed": func(f float64) string {
			if f >= 0 {
				return fmt.Sprintf("+%.2f", f)
			}
			return fmt.Sprintf("%.2f", f)
		},
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(s.Location).Format("2006-01-02 15:04")
		},
		"day": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(s.Location).Format("2006-01-02")
		},
		"join":      strings.Join,
		"bandLabel": bandLabel,
		"inc":       func(i int) int { return i + 1 },
		"inc64":     func(i int64) int64 { return i + 1 },
		"eligible":  func(a *ganwei.Aggregate) int { return max(a.Eligible, a.Responses) },
	}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = pageSet{funcs: funcs, files: map[string]string{}, parsed: map[string]*pageTemplate{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "_partials" {
			continue
		}
		s.pages.files[name] = f
	}
	return nil
}

// template returns the page's template, parsing it on first use.
func (p *pageSet) template(name string) (*pageTemplate, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.parsed[name]; ok {
		return t, nil
	}
	f, ok := p.files[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	t, err := template.New("layout.html").Funcs(p.funcs).ParseFS(assets, "templates/layout.html", "templates/_partials.html", f)
	if err != nil {
		return nil, fmt.Errorf("parse console template %s: %w", name, err)
	}
	p.parsed[name] = t
	return t, nil
}

// nav lists the pages the person may open; a page they may not is not offered.
func (s *Server) nav(u *ganwei.User) []navItem {
	items := []navItem{
		{"overview", "总览", "/console/"},
		{"checkins", "关爱问卷", "/console/checkins"},
		{"cases", "跟进事项", "/console/cases"},
	}
	if s.Office != nil {
		items = append(items, navItem{"reminders", "四项清单", "/console/reminders"})
	}
	if s.Answerer != nil && s.Curation != nil {
		items = append(items, navItem{"knowledge", "知识库", "/console/knowledge"})
	}
	if s.People != nil {
		items = append(items, navItem{"people", "人员", "/console/people"})
	}
	if u != nil && u.Role.AtLeast(ganwei.RoleAdmin) {
		items = append(items, navItem{"audit", "审计", "/console/audit"})
	}
	return items
}

// render writes the page name with data, rendered fully before anything is sent so that a
// template error is a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title, active string, data any) {
	t, err := s.pages.template(name)
	if err != nil {
		s.fail(w, r, "render", err)
		return
	}
	p := page{Title: title, Active: active, Data: data}
	if v := viewerOf(r.Context()); v != nil {
		p.User, p.CSRF, p.Nav = v.User, v.Session.CSRF, s.nav(v.User)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.Logger.Error("console: render page", "page", name, "err", err)
		http.Error(w, "页面生成出错，请稍后再试。", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

type message struct{ Heading, Text string }

// renderMessage is a plain page with one sentence (a used link, a refusal).
func (s *Server) renderMessage(w http.ResponseWriter, r *http.Request, status int, heading, text string) {
	s.render(w, r, status, "message", heading, "", message{heading, text})
}

// fail answers an error: a refusal or a missing thing in the service's own Chinese words, any
// other error as a polite sentence with the cause in the log.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, action string, err error) {
	switch ganwei.ErrorCode(err) {
	case ganwei.EFORBIDDEN:
		s.renderMessage(w, r, http.StatusForbidden, "无权访问", ganwei.ErrorMessage(err))
	case ganwei.ENOTFOUND:
		s.renderMessage(w, r, http.StatusNotFound, "没有找到", ganwei.ErrorMessage(err))
	case ganwei.EINVALID:
		s.renderMessage(w, r, http.StatusBadRequest, "输入有误", ganwei.ErrorMessage(err))
	default:
		s.Logger.Error("console: "+action, "err", err)
		s.renderMessage(w, r, http.StatusInternalServerError, "暂时无法完成", "系统暂时无法完成这项操作，请稍后再试；如仍不行，请联系管理员。")
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderMessage(w, r, http.StatusNotFound, "没有找到", "没有这个页面。")
}

// seeOther redirects after a successful POST (post/redirect/get).
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
