package console

import (
	"net/http"
	"strings"

	"github.com/ganwei-bot/ganwei"
)

type peopleData struct {
	People []*ganwei.User // one page; nil for HR: the list is for admins (people.Service.List)
	// Standing replaces the role shown for people whose stored role would mislead
	// (ganwei.SpecialStanding): configured administrators, leaders registered before binding.
	Standing map[int64]string
	Search   string // a name or unit to look for
	Matched  int
	Pager    pager
	Admin    bool
	Roles    []ganwei.Role // the roles the viewer may hand out in an invite
	Me       int64
	Invite   inviteForm
	Created  *createdInvite
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
		d.Admin, d.Search = true, strings.TrimSpace(r.URL.Query().Get("q"))
		page := requestedPage(r)
		list, total, err := s.People.Page(r.Context(), d.Search, (page-1)*pageSize, pageSize)
		if err != nil {
			return nil, err
		}
		d.Matched = total
		d.Pager = pageOf(r, "/console/people", total)
		if d.Pager.Page != page { // asked past the end: show the last page
			if list, _, err = s.People.Page(r.Context(), d.Search, d.Pager.From, pageSize); err != nil {
				return nil, err
			}
		}
		d.People = list
		d.Standing = s.standings(r, list)
	}
	return d, nil
}

// standings is ganwei.SpecialStanding for each listed person who has one.
func (s *Server) standings(r *http.Request, list []*ganwei.User) map[int64]string {
	leaders := map[int64]bool{}
	if s.Office != nil {
		appts, err := s.Office.Appointments(r.Context())
		if err != nil {
			s.Logger.Warn("console: list appointments for the people page", "err", err)
		}
		for _, a := range appts {
			leaders[a.PersonID] = true
		}
	}
	out := map[int64]string{}
	for _, u := range list {
		if st := ganwei.SpecialStanding(u, s.People.AdminIDs, leaders[u.ID]); st != "" {
			out[u.ID] = st
		}
	}
	return out
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
