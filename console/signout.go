package console

import "net/http"

// signOut ends the session (退出).
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if err := s.Links.SignOut(r.Context(), viewerOf(r.Context()).Session.ID); err != nil {
		s.fail(w, r, "sign out", err)
		return
	}
	s.setSessionCookie(w, "", -1)
	s.renderMessage(w, r.WithContext(r.Context()), http.StatusOK, "已退出", "您已退出组织部工作台。如需再次进入，请在机器人中发送 /web。")
}
