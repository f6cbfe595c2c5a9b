package console

import (
	"net/http"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/weblink"
)

// signInPage shows a button that uses the link. Opening the link does not use it: chat apps fetch
// links for previews, and a preview must not spend the one-time link.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", "登录组织部工作台", "", r.PathValue("token"))
}

// signIn uses the link and starts a session; a used or expired link gets a plain page saying so.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	if crossSite(r) {
		s.renderMessage(w, r, http.StatusForbidden, "无法登录", "请直接在浏览器中打开机器人发给您的登录链接。")
		return
	}
	ws, err := s.Links.SignIn(r.Context(), r.PathValue("token"))
	switch ganwei.ErrorCode(err) {
	case "":
	case ganwei.ENOTFOUND:
		s.renderMessage(w, r, http.StatusGone, "链接已失效", weblink.MsgLinkGone)
		return
	default:
		s.fail(w, r, "sign in", err)
		return
	}
	// A session this browser held before (someone else at the same desk, or the same officer
	// signing in again) ends now: otherwise it would stay valid on the server, unseen, until it
	// timed out.
	if c, err := r.Cookie(s.cookieName()); err == nil && c.Value != "" && c.Value != ws.ID {
		if err := s.Links.SignOut(r.Context(), c.Value); err != nil {
			s.Logger.Warn("console: end the earlier session of this browser", "err", err)
		}
	}
	s.setSessionCookie(w, ws.ID, int(weblink.MaxAge.Seconds()))
	seeOther(w, r, Prefix)
}
