package console

import (
	"net/http"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/people"
)

// peopleScope sets the units an HR officer covers (empty: the whole district) through
// people.Service.SetScope, for admins; it is audited, and the officer's open sessions follow it
// from their next request.
func (s *Server) peopleScope(w http.ResponseWriter, r *http.Request) {
	id, err := personID(r)
	if err != nil {
		s.fail(w, r, "set scope", err)
		return
	}
	units, err := people.ParseScope(r.PostFormValue("units"))
	if err == nil {
		_, err = s.People.SetScope(r.Context(), id, units)
	}
	if ganwei.ErrorCode(err) == ganwei.EINVALID {
		s.render(w, r, http.StatusBadRequest, "message", "无法调整", "people", message{"无法调整", ganwei.ErrorMessage(err)})
		return
	} else if err != nil {
		s.fail(w, r, "set scope", err)
		return
	}
	seeOther(w, r, "/console/people")
}
