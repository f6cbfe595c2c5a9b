package console

import (
	"net/http"

	"github.com/ganwei-bot/ganwei"
)

type peopleData struct {
	People  []*ganwei.User // nil for HR: the list is for admins (people.Service.List)
	Admin   bool
	Roles   []ganwei.Role // the roles the viewer may hand out in an invite
	Me      int64
	Invite  inviteForm
	Created *createdInvite
}

type inviteForm struct {
	Name, Unit, Position string
	Role                 ganwei.Role
	Error                string
}

type createdInvite struct {
	Invite *ganwei.Invite
	Code   string
	Link   string
}

// inviteRoles are the roles a viewer may put on an invite (the service decides again).
func inviteRoles(u *ganwei.User) []ganwei.Role {
	if u.Role.AtLeast(ganwei.RoleAdmin) {
		return []ganwei.Role{ganwei.RoleCadre, ganwei.RoleHR, ganwei.RoleAdmin}
	}
	return []ganwei.Role{ganwei.RoleCadre}
}

// peopleData is the 人员 page's data: the invite form for HR and admins, the list for admins.
func (s *Server) peoplePage(r *http.Request, form inviteForm, created *createdInvite) (*peopleData, error) {
	me := viewerOf(r.Context()).User
	d := &peopleData{Roles: inviteRoles(me), Me: me.ID, Invite: form, Created: created}
	if me.Role.AtLeast(ganwei.RoleAdmin) {
		list, err := s.People.List(r.Context())
		if err != nil {
			return nil, err
		}
		d.People, d.Admin = list, true
	}
	return d, nil
}

// people is the 人员 page.
func (s *Server) people(w http.ResponseWriter, r *http.Request) {
	d, err := s.peoplePage(r, inviteForm{Role: ganwei.RoleCadre}, nil)
	if err != nil {
		s.fail(w, r, "people", err)
		return
	}
	s.render(w, r, http.StatusOK, "people", "人员", "people", d)
}
