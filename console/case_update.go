package console

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/ganwei-bot/ganwei"
)

// maxNoteRunes bounds a follow-up note.
const maxNoteRunes = 500

// updateCase applies one change through the service and returns to the case.
func (s *Server) updateCase(w http.ResponseWriter, r *http.Request, status ganwei.CaseStatus, note string) {
	id := r.PathValue("id")
	if _, err := s.Staff.UpdateCase(r.Context(), id, status, note); err != nil {
		s.fail(w, r, "update case", err)
		return
	}
	seeOther(w, r, "/console/cases/"+id)
}

// caseAssign takes the case (指派给我).
func (s *Server) caseAssign(w http.ResponseWriter, r *http.Request) {
	s.updateCase(w, r, ganwei.CaseAssigned, "由"+viewerOf(r.Context()).User.Name+"跟进")
}

// caseContacted marks the person contacted (已联系).
func (s *Server) caseContacted(w http.ResponseWriter, r *http.Request) {
	s.updateCase(w, r, ganwei.CaseContacted, "")
}

// caseNote adds a note, keeping the status.
func (s *Server) caseNote(w http.ResponseWriter, r *http.Request) {
	note := strings.TrimSpace(r.PostFormValue("note"))
	switch {
	case note == "":
		s.renderMessage(w, r, http.StatusBadRequest, "输入有误", "备注不能为空，请返回填写后再保存。")
		return
	case utf8.RuneCountInString(note) > maxNoteRunes:
		s.renderMessage(w, r, http.StatusBadRequest, "输入有误", "备注请不要超过 500 字。")
		return
	}
	s.updateCase(w, r, "", note)
}

// caseCloseConfirm asks before closing (结案 cannot be undone from the list; 重新打开 is in the bot).
func (s *Server) caseCloseConfirm(w http.ResponseWriter, r *http.Request) {
	v, err := s.Staff.ViewCase(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, "view case to close", err)
		return
	}
	s.render(w, r, http.StatusOK, "case_close", "确认结案", "cases", caseData{View: v, Who: s.who(r.Context(), v.Case.UserID)})
}

// caseClose closes the case after the confirmation.
func (s *Server) caseClose(w http.ResponseWriter, r *http.Request) {
	s.updateCase(w, r, ganwei.CaseClosed, "由"+viewerOf(r.Context()).User.Name+"结案")
}
