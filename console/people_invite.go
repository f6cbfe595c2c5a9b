package console

import (
	"net/http"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

// peopleInvite issues one invite code through people.Service (HR may invite cadres; only admins
// hand out HR or admin rights) and shows the code and the bot's link once.
func (s *Server) peopleInvite(w http.ResponseWriter, r *http.Request) {
	form := inviteForm{Name: strings.TrimSpace(r.PostFormValue("name")), Unit: strings.TrimSpace(r.PostFormValue("unit")),
		Position: strings.TrimSpace(r.PostFormValue("position"))}
	role, err := ganwei.ParseRole(r.PostFormValue("role"))
	if err != nil {
		role = ganwei.RoleCadre
	}
	form.Role = role
	inv := &ganwei.Invite{Name: form.Name, Unit: form.Unit, Position: form.Position, Role: role}
	if err = inv.Validate(); err == nil {
		var code string
		code, err = s.People.Invite(r.Context(), inv)
		if err == nil {
			created := &createdInvite{Invite: inv, Code: code}
			if s.InviteLink != nil {
				created.Link = s.InviteLink(code)
			}
			d, err := s.peoplePage(r, inviteForm{Role: ganwei.RoleCadre}, created)
			if err != nil {
				s.fail(w, r, "people after invite", err)
				return
			}
			s.render(w, r, http.StatusOK, "people", "人员", "people", d)
			return
		}
	}
	switch ganwei.ErrorCode(err) {
	case ganwei.EINVALID, ganwei.EFORBIDDEN:
		form.Error = ganwei.ErrorMessage(err)
	default:
		s.fail(w, r, "invite", err)
		return
	}
	d, err := s.peoplePage(r, form, nil)
	if err != nil {
		s.fail(w, r, "people", err)
		return
	}
	s.render(w, r, http.StatusBadRequest, "people", "人员", "people", d)
}
