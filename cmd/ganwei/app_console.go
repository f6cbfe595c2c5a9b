package main

import (
	"net"
	"net/http"
	"strings"

	"github.com/ganwei-bot/ganwei/checkin"
	"github.com/ganwei-bot/ganwei/console"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/people"
	"github.com/ganwei-bot/ganwei/redisstore"
	"github.com/ganwei-bot/ganwei/reminders"
	"github.com/ganwei-bot/ganwei/weblink"
)

// newWebLinks is the sign-in link service on the store (the bot's /web and ganwei admin weblink).
func newWebLinks(cfg *Config, store *redisstore.Store) *weblink.Service {
	return &weblink.Service{Users: store, Store: store, AdminIDs: cfg.AdminIDs, PublicURL: cfg.PublicURL, Now: store.Now}
}

// wireConsole builds the HR web console over the same services as the bot and gives the bot /web.
func (a *app) wireConsole() error {
	a.links = newWebLinks(a.cfg, a.store)
	if a.answerer != nil {
		// The curators' edits from the console: versioned in Redis, gated like kb check, followed
		// by every replica (see run).
		a.editor = &curation.Editor{Versions: a.store, Users: a.store, Audit: a.store, Library: a.answerer.Library,
			AdminIDs: a.cfg.AdminIDs, Now: a.store.Now, Logger: a.logger}
	}
	srv := &console.Server{
		Links: a.links,
		Staff: &checkin.Staff{Users: a.store, CheckIns: a.store, Periods: a.cfg.CheckIn.Calendar,
			AdminIDs: a.cfg.AdminIDs, Now: a.store.Now, Location: a.cfg.Location},
		Curation:   &curation.Queue{Questions: a.store, Users: a.store, AdminIDs: a.cfg.AdminIDs, Audit: a.store, Now: a.store.Now},
		Editor:     a.editor,
		People:     &people.Service{Users: a.store, AdminIDs: a.cfg.AdminIDs, Now: a.store.Now, Audit: a.store},
		InviteLink: a.handlers.Messenger.InviteLink,
		Answerer:   a.answerer,
		Names:      a.store,
		Periods:    a.cfg.CheckIn.Calendar,
		Location:   a.cfg.Location,
		Now:        a.store.Now,
		Logger:     a.logger,
		Secure:     strings.HasPrefix(strings.ToLower(a.cfg.PublicURL), "https://"),
	}
	if a.reminders != nil {
		srv.Office = &reminders.Office{Reminders: a.reminders, Users: a.store, AdminIDs: a.cfg.AdminIDs, Audit: a.store}
	}
	h, err := srv.Handler()
	if err != nil {
		return err
	}
	a.console = h
	a.handlers.RegisterWeb(a.links)
	return nil
}

// httpHandler serves the console under /console/ and the channels' endpoints elsewhere.
func (a *app) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, a.console)
	mux.Handle("/", a.channelHandler())
	return mux
}

// defaultPublicURL is http:// + the address the server listens on, when GANWEI_PUBLIC_URL is not
// set (an unspecified host becomes localhost).
func defaultPublicURL(listen net.Addr) string {
	host, port, err := net.SplitHostPort(listen.String())
	if err != nil {
		return "http://" + listen.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// defaultPublicURLFromAddr is defaultPublicURL for an address not yet listened on
// (GANWEI_HTTP_ADDR, as ganwei admin weblink sees it).
func defaultPublicURLFromAddr(addr string) string {
	a, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return "http://" + addr
	}
	return defaultPublicURL(a)
}
