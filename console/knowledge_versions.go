package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
)

// versionsShown is how many versions the page lists.
const versionsShown = 50

type versionRow struct {
	V    *ganwei.KBVersion
	Who  string
	What string
}

type versionsData struct {
	Rows    []versionRow
	Live    int64
	MayEdit bool
	Saved   int64 // the rollback just made live
}

// versionBy names who made a version.
func (s *Server) versionBy(r *http.Request, v *ganwei.KBVersion) string {
	if v.By == 0 {
		return "命令行（" + v.Operator + "）"
	}
	return s.who(r.Context(), v.By)
}

// versionWhat says what a version did, as HR reads it.
func versionWhat(v *ganwei.KBVersion) string {
	switch v.Action {
	case ganwei.KBAdd:
		return "新增条目"
	case ganwei.KBEdit:
		return "修改条目"
	case ganwei.KBRetire:
		return "停用条目"
	case ganwei.KBRollback:
		if v.To == 0 {
			return "回滚到第 0 版（随程序发布的内容）"
		}
		return fmt.Sprintf("回滚到第 %d 版", v.To)
	}
	return v.Action
}

// versionsPage lists the versions, newest first, each with who and when and a rollback button.
func (s *Server) versionsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	hist, live, err := s.Editor.History(ctx, versionsShown)
	if err != nil {
		s.fail(w, r, "knowledge versions", err)
		return
	}
	d := versionsData{Live: live, MayEdit: s.Editor.MayEdit(ctx) == nil}
	if n, err := strconv.ParseInt(r.URL.Query().Get("saved"), 10, 64); err == nil && n >= 1 && n <= live {
		d.Saved = n
	}
	for _, v := range hist {
		d.Rows = append(d.Rows, versionRow{V: v, Who: s.versionBy(r, v), What: versionWhat(v)})
	}
	s.render(w, r, http.StatusOK, "knowledge_versions", "知识库版本记录", "knowledge", d)
}

type rollbackData struct {
	To, Live int64
	V        *ganwei.KBVersion // nil for version 0
	Who      string
	What     string
	Changes  []curation.Change // what the rollback would do, entry by entry
}

// rollbackConfirm asks before making an earlier version live again.
func (s *Server) rollbackConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.Editor.MayEdit(ctx); err != nil {
		s.fail(w, r, "rollback form", err)
		return
	}
	to, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil || to < 0 {
		s.renderMessage(w, r, http.StatusNotFound, "没有找到", "没有这个版本。")
		return
	}
	_, live, err := s.Editor.History(ctx, 0)
	if err != nil {
		s.fail(w, r, "rollback form", err)
		return
	}
	d := rollbackData{To: to, Live: live}
	if to >= live {
		s.renderMessage(w, r, http.StatusBadRequest, "无需回滚", "这就是当前生效的版本，或者版本号不存在。")
		return
	}
	if to > 0 {
		v, err := s.Editor.Version(ctx, to)
		if err != nil {
			s.fail(w, r, "rollback form", err)
			return
		}
		d.V, d.Who, d.What = v, s.versionBy(r, v), versionWhat(v)
	}
	if d.Changes, err = s.Editor.Compare(ctx, live, to); err != nil {
		s.fail(w, r, "rollback form", err)
		return
	}
	s.render(w, r, http.StatusOK, "knowledge_rollback", "确认回滚", "knowledge", d)
}

// rollback makes the version live again (as a new version) after the confirmation.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request) {
	to, err1 := strconv.ParseInt(r.PathValue("n"), 10, 64)
	base, err2 := strconv.ParseInt(r.PostFormValue("base"), 10, 64)
	if err1 != nil || err2 != nil {
		s.renderMessage(w, r, http.StatusBadRequest, "输入有误", "版本号无效，请刷新页面后再试。")
		return
	}
	v, err := s.Editor.Rollback(r.Context(), to, base)
	if err != nil {
		s.refusedChange(w, r, "rollback", err)
		return
	}
	seeOther(w, r, "/console/knowledge/versions?saved="+strconv.FormatInt(v.N, 10))
}
