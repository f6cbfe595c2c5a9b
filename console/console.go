// Package console is the HR web console (组织部工作台): a second front end over the same services
// as the bot (checkin.Staff, reminders.Office, curation.Queue), with the signed-in person as the
// actor in the context. Pages are server-rendered html/template, one small file per page action
// (after miniflux/v2's internal/ui); the assets are embedded; there is no inline script. A page
// never reads the store itself: the services decide who may see what and audit it.
package console

import (
	"embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/people"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/weblink"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Prefix is where the console is mounted.
const Prefix = "/console/"

// Server serves the console.
type Server struct {
	Links    *weblink.Service
	Staff    *checkin.Staff
	Office   *reminders.Office // nil leaves 四项清单 out
	Curation *curation.Queue
	People   *people.Service
	// Answerer is the bot's own answerer, for the 知识库 page's hit testing (nil leaves it out).
	Answerer *knowledge.Answerer
	// Editor is the curators' versioned edits of the knowledge base (nil: the 知识库 page reads only).
	Editor *curation.Editor
	// InviteLink is the front end's link that opens the bot with /start CODE ("" when unknown).
	InviteLink func(code string) string
	// Names finds the names shown next to ids on pages the services have already allowed.
	Names    ganwei.UserLookup
	Periods  ganwei.PeriodCalendar
	Location *time.Location
	Now      func() time.Time
	Logger   *slog.Logger
	// Secure marks the session cookie Secure (the public URL is https).
	Secure bool

	pages pageSet
}

// Handler returns the console's routes, all under Prefix.
func (s *Server) Handler() (http.Handler, error) {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Location == nil {
		s.Location = time.Local
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /console/static/", http.StripPrefix("/console/", staticFiles()))
	mux.HandleFunc("GET /console/signin/{token}", s.signInPage)
	mux.HandleFunc("POST /console/signin/{token}", s.signIn)

	page := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.signedIn(h)) }
	page("GET /console/{$}", s.overview)
	page("POST /console/signout", s.signOut)
	page("GET /console/checkins", s.checkIns)
	page("GET /console/checkins/print", s.checkInsPrint)
	page("GET /console/checkins/export", s.checkInsExport)
	page("GET /console/cases", s.cases)
	page("GET /console/cases/{id}", s.caseView)
	page("POST /console/cases/{id}/assign", s.caseAssign)
	page("POST /console/cases/{id}/note", s.caseNote)
	page("POST /console/cases/{id}/contacted", s.caseContacted)
	page("GET /console/cases/{id}/close", s.caseCloseConfirm)
	page("POST /console/cases/{id}/close", s.caseClose)
	page("GET /console/reminders", s.reminderBoard)
	page("GET /console/reminders/new", s.reminderForm)
	page("POST /console/reminders/new", s.reminderRegister)
	page("POST /console/reminders/{id}/status", s.reminderStatus)
	page("GET /console/reminders/{id}/cancel", s.reminderCancelConfirm)
	page("POST /console/reminders/{id}/remind/{step}", s.reminderRemindNow)
	page("GET /console/reminders/import", s.reminderImportForm)
	page("POST /console/reminders/import", s.reminderImportPreview)
	page("POST /console/reminders/import/confirm", s.reminderImportConfirm)
	page("GET /console/reminders/import/template", s.reminderImportTemplate)
	page("GET /console/audit", s.auditLog)
	page("GET /console/audit/export", s.auditExport)
	if s.Answerer != nil && s.Curation != nil {
		page("GET /console/knowledge", s.knowledgePage)
		if s.Editor != nil {
			s.knowledgeRoutes(mux)
		}
	}
	if s.People != nil {
		page("GET /console/people", s.people)
		page("POST /console/people/invite", s.peopleInvite)
		page("POST /console/people/{id}/role", s.peopleRole)
		page("GET /console/people/{id}/revoke", s.peopleRevokeConfirm)
		page("POST /console/people/{id}/scope", s.peopleScope)
		page("GET /console/people/import", s.peopleImportForm)
		page("POST /console/people/import", s.peopleImportPreview)
		page("POST /console/people/import/confirm", s.peopleImportConfirm)
		page("POST /console/people/import/codes", s.peopleImportCodes)
		page("GET /console/people/import/template", s.peopleImportTemplate)
	}
	mux.HandleFunc("/console/", s.notFound)
	return securityHeaders(mux), nil
}

func staticFiles() http.Handler {
	fs := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fs.ServeHTTP(w, r)
	})
}
