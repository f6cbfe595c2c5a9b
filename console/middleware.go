package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

// csp allows only the console's own files: no inline script or style, no other origin, no frames.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every console response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// cookieName is the session cookie; "__Host-" under https pins it to this host and path /.
func (s *Server) cookieName() string {
	if s.Secure {
		return "__Host-ganwei_console"
	}
	return "ganwei_console"
}

func (s *Server) setSessionCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode,
	})
}

// crossSite reports a POST that a browser says came from another site (Sec-Fetch-Site, or an
// Origin naming another host). It guards the sign-in form, which has no session token yet, against
// login CSRF, and every other form on top of its token.
func crossSite(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return true
	}
	// Under Referrer-Policy: no-referrer browsers send "Origin: null" for the console's own forms;
	// Sec-Fetch-Site (above) speaks for those.
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		return err != nil || u.Host != r.Host
	}
	return false
}

type viewerKey struct{}

// viewer is the signed-in person of a request, as the store knows them now.
type viewer struct {
	User    *ganwei.User
	Session *ganwei.WebSession
}

func viewerOf(ctx context.Context) *viewer {
	v, _ := ctx.Value(viewerKey{}).(*viewer)
	return v
}

// signedIn resumes the session (checking the person's current role), puts them into the context
// as the actor the services decide with, and checks the CSRF token of every POST.
func (s *Server) signedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var id string
		if c, err := r.Cookie(s.cookieName()); err == nil {
			id = c.Value
		}
		ws, u, err := s.Links.Resume(r.Context(), id)
		if err != nil {
			if ganwei.ErrorCode(err) == ganwei.ENOTFOUND {
				if id != "" {
					s.setSessionCookie(w, "", -1)
				}
				s.renderMessage(w, r, http.StatusUnauthorized, "请重新登录", ganwei.ErrorMessage(err))
				return
			}
			s.fail(w, r, "resume session", err)
			return
		}
		if r.Method == http.MethodPost {
			if !s.parseUpload(w, r) {
				return
			}
			token := r.PostFormValue("csrf")
			if crossSite(r) || subtle.ConstantTimeCompare([]byte(token), []byte(ws.CSRF)) != 1 {
				s.renderMessage(w, r, http.StatusForbidden, "页面已过期", "表单已过期，请返回上一页刷新后重试。")
				return
			}
		}
		ctx := ganwei.NewContextWithActor(r.Context(), ganwei.Actor{ID: u.ID})
		ctx = context.WithValue(ctx, viewerKey{}, &viewer{User: u, Session: ws})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// parseUpload reads a multipart form (an Excel upload) into memory, within uploadForm bytes, so
// the file is never written to a temporary file; it answers an oversized or broken upload itself
// and reports false. Other requests pass untouched.
func (s *Server) parseUpload(w http.ResponseWriter, r *http.Request) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return true
	}
	if r.ContentLength > uploadForm {
		s.renderMessage(w, r, http.StatusRequestEntityTooLarge, "文件太大", msgTooBig)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, uploadForm)
	// Parts up to maxMemory stay in memory; the body cannot exceed it, so none goes to disk.
	if err := r.ParseMultipartForm(uploadForm); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) || strings.Contains(err.Error(), "request body too large") {
			s.renderMessage(w, r, http.StatusRequestEntityTooLarge, "文件太大", msgTooBig)
		} else {
			s.renderMessage(w, r, http.StatusBadRequest, "上传没有完成", "文件没有完整上传，请重新选择文件再试。")
		}
		return false
	}
	return true
}
