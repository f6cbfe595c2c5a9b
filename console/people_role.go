package console

import (
	"net/http"
	"strconv"

	"github.com/ganwei-bot/ganwei"
)

// personID reads {id} of the path; a malformed one is "not found".
func personID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这个人。")
	}
	return id, nil
}

// peopleRole changes a person's role (admins; nobody their own), through people.Service. Revoking
// goes through peopleRevokeConfirm first.
func (s *Server) peopleRole(w http.ResponseWriter, r *http.Request) {
	id, err := personID(r)
	if err != nil {
		s.fail(w, r, "change role", err)
		return
	}
	role := ganwei.Role(r.PostFormValue("role"))
	if role != ganwei.RoleGuest {
		if role, err = ganwei.ParseRole(string(role)); err != nil {
			s.renderMessage(w, r, http.StatusBadRequest, "输入有误", "请选择干部、组织部工作人员或管理员。")
			return
		}
	}
	if _, err := s.People.SetRole(r.Context(), id, role); err != nil {
		if ganwei.ErrorCode(err) == ganwei.ECONFLICT {
			s.renderMessage(w, r, http.StatusConflict, "无法调整", ganwei.ErrorMessage(err))
			return
		}
		s.fail(w, r, "change role", err)
		return
	}
	seeOther(w, r, "/console/people")
}

// peopleRevokeConfirm asks before a person's rights are revoked: their web sessions end and the
// bot treats them as a guest from their next message.
func (s *Server) peopleRevokeConfirm(w http.ResponseWriter, r *http.Request) {
	id, err := personID(r)
	if err != nil {
		s.fail(w, r, "revoke", err)
		return
	}
	list, err := s.People.List(r.Context())
	if err != nil {
		s.fail(w, r, "revoke", err)
		return
	}
	for _, u := range list {
		if u.ID == id {
			s.render(w, r, http.StatusOK, "people_revoke", "确认撤销", "people", u)
			return
		}
	}
	s.fail(w, r, "revoke", ganwei.Errorf(ganwei.ENOTFOUND, "没有找到这个人。"))
}
