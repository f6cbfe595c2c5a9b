package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/people"
)

// Invites from the 花名册: HR uploads the roster, sees every row checked by people.Service (role,
// unit scope, profile) and issues the codes only when they confirm; the codes can then be
// downloaded as Excel, once per page, by the same signed-in officer (audited).
//
// As with the 四项清单 import, the rows travel in the preview page's form, not in server state.
// The codes on the result page travel the same way to the download, signed with an HMAC keyed by
// the session's own secret token: only the session that issued them can turn them into a file,
// and a signed-out or another officer's session cannot.

var rosterColumns = struct{ Name, Unit, Position, Role []string }{
	Name:     []string{"姓名"},
	Unit:     []string{"单位", "工作单位"},
	Position: []string{"职务", "现任职务"},
	Role:     []string{"角色", "权限"},
}

// rosterExample is the template's example row (姓名, 单位, 职务, 角色), refused if left in.
var rosterExample = [4]string{"张三", "某某镇", "科员", "干部"}

type inviteRow struct {
	Line                 int
	Name, Unit, Position string
	RoleText             string
	Role                 ganwei.Role
	Problems             []string
	Code, Link           string
	Expires              time.Time
	ExpiresText          string
}

func (r *inviteRow) OK() bool { return len(r.Problems) == 0 }

type inviteImport struct {
	Rows        []*inviteRow
	Good, Bad   int
	Fingerprint string
	Error       string
	Issued      []*inviteRow // after confirmation: the codes
	Skipped     []*inviteRow // rows that failed the check again at confirmation
	Signature   string       // of Issued, for the download
	Failed      string       // a storage error part-way
	Max, MaxMB  int
}

func newInviteImport() *inviteImport {
	return &inviteImport{Max: MaxRosterRows, MaxMB: MaxUploadBytes >> 20}
}

func (d *inviteImport) count() { d.Good, d.Bad = countRows(d.Rows) }

func (d *inviteImport) fingerprint() string {
	h := sha256.New()
	for _, r := range d.Rows {
		if r.OK() {
			fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00%s\x01", r.Line, r.Name, r.Unit, r.Position, r.RoleText)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// roleWord reads the 角色 column: empty is a cadre.
func roleWord(s string) (ganwei.Role, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "干部", "cadre":
		return ganwei.RoleCadre, true
	case "组织部", "组织部工作人员", "hr":
		return ganwei.RoleHR, true
	case "管理员", "admin":
		return ganwei.RoleAdmin, true
	}
	return ganwei.RoleGuest, false
}

// peopleImportForm shows the upload form (signed-in officers are HR or admins; the service
// decides each row).
func (s *Server) peopleImportForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "people_import", "按花名册邀请", "people", newInviteImport())
}

// peopleImportPreview reads the roster and checks every row; nothing is issued.
func (s *Server) peopleImportPreview(w http.ResponseWriter, r *http.Request) {
	d := newInviteImport()
	sh, err := readUpload(r, MaxRosterRows)
	if err != nil {
		if ue, ok := err.(*uploadError); ok {
			d.Error = ue.msg
			s.render(w, r, ue.status(), "people_import", "按花名册邀请", "people", d)
			return
		}
		s.fail(w, r, "read upload", err)
		return
	}
	name, unit, pos, role := sh.col(rosterColumns.Name...), sh.col(rosterColumns.Unit...), sh.col(rosterColumns.Position...), sh.col(rosterColumns.Role...)
	if name < 0 || unit < 0 {
		d.Error = "第一行应为表头：姓名、单位、职务、角色（职务、角色可不填，角色默认为干部）。请下载模板对照填写。"
		s.render(w, r, http.StatusBadRequest, "people_import", "按花名册邀请", "people", d)
		return
	}
	for _, row := range sh.Rows {
		d.Rows = append(d.Rows, &inviteRow{Line: row.Line, Name: row.cell(name), Unit: row.cell(unit), Position: row.cell(pos), RoleText: row.cell(role)})
	}
	if err := s.checkInvites(r.Context(), d.Rows); err != nil {
		s.fail(w, r, "check roster", err)
		return
	}
	d.count()
	d.Fingerprint = d.fingerprint()
	s.render(w, r, http.StatusOK, "people_import", "按花名册邀请", "people", d)
}

// checkInvites checks each row with people.Service.CheckInvite plus repeats within the sheet.
func (s *Server) checkInvites(ctx context.Context, rows []*inviteRow) error {
	seen := map[string]int{}
	for _, row := range rows {
		row.Problems = nil
		role, ok := roleWord(row.RoleText)
		if !ok {
			row.Problems = append(row.Problems, fmt.Sprintf("角色「%s」无法识别，请填 干部、组织部 或 管理员", row.RoleText))
		}
		row.Role = role
		if [4]string{row.Name, row.Unit, row.Position, row.RoleText} == rosterExample {
			row.Problems = append(row.Problems, msgExampleRow)
		}
		key := row.Name + "\x00" + row.Unit
		if first, dup := seen[key]; dup {
			row.Problems = append(row.Problems, fmt.Sprintf("与第 %d 行重复", first))
		} else {
			seen[key] = row.Line
		}
		if !ok {
			continue
		}
		err := s.People.CheckInvite(ctx, &ganwei.Invite{Name: row.Name, Unit: row.Unit, Position: row.Position, Role: role})
		switch ganwei.ErrorCode(err) {
		case "":
		case ganwei.EINVALID, ganwei.EFORBIDDEN:
			row.Problems = append(row.Problems, strings.TrimSuffix(ganwei.ErrorMessage(err), "。"))
		default:
			return err
		}
	}
	return nil
}

// peopleImportConfirm issues the codes of the previewed rows (checked again first) in one
// people.Service.InviteMany, and shows them with the download.
func (s *Server) peopleImportConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := r.PostForm
	n := len(f["line"])
	if n == 0 || n > people.MaxBatch || len(f["name"]) != n || len(f["unit"]) != n || len(f["position"]) != n || len(f["role"]) != n {
		s.renderMessage(w, r, http.StatusBadRequest, "输入有误", "没有可邀请的人，请重新上传花名册。")
		return
	}
	d := newInviteImport()
	for i := range n {
		line, _ := strconv.Atoi(f["line"][i])
		d.Rows = append(d.Rows, &inviteRow{Line: line, Name: f["name"][i], Unit: f["unit"][i], Position: f["position"][i], RoleText: f["role"][i]})
	}
	if d.fingerprint() != f.Get("previewed") {
		s.renderMessage(w, r, http.StatusBadRequest, "需要重新预览", "预览后的内容有变化，没有生成任何邀请码。请重新上传花名册并核对预览。")
		return
	}
	if err := s.checkInvites(ctx, d.Rows); err != nil {
		s.fail(w, r, "check roster", err)
		return
	}
	var invs []*ganwei.Invite
	var good []*inviteRow
	for _, row := range d.Rows {
		if row.OK() {
			invs = append(invs, &ganwei.Invite{Name: row.Name, Unit: row.Unit, Position: row.Position, Role: row.Role})
			good = append(good, row)
		} else {
			d.Skipped = append(d.Skipped, row)
		}
	}
	if len(invs) == 0 {
		s.renderMessage(w, r, http.StatusConflict, "没有生成邀请码", "复核后没有可邀请的人：请回到人员页面重新上传。")
		return
	}
	codes, err := s.People.InviteMany(ctx, invs)
	if err != nil && len(codes) == 0 {
		s.fail(w, r, "invite many", err)
		return
	}
	if err != nil {
		s.Logger.Error("console: invite many stopped part-way", "issued", len(codes), "err", err)
		d.Failed = fmt.Sprintf("系统在生成第 %d 个邀请码时出错，已生成的 %d 个如下，其余请稍后重新上传。", len(codes)+1, len(codes))
	}
	for i, code := range codes {
		row := good[i]
		row.Code, row.Expires = code, invs[i].ExpiresAt
		row.ExpiresText = row.Expires.In(s.Location).Format("2006-01-02 15:04")
		if s.InviteLink != nil {
			row.Link = s.InviteLink(code)
		}
		d.Issued = append(d.Issued, row)
	}
	d.Signature = s.signCodes(r, d.Issued)
	d.count()
	s.render(w, r, http.StatusOK, "people_import", "邀请码已生成", "people", d)
}

// signCodes signs issued codes for the download with the session's secret token.
func (s *Server) signCodes(r *http.Request, rows []*inviteRow) string {
	mac := hmac.New(sha256.New, []byte("invite-codes\x00"+viewerOf(r.Context()).Session.CSRF))
	for _, row := range rows {
		fmt.Fprintf(mac, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x01", row.Name, row.Unit, row.Position, row.Role, row.Code, row.Link, row.ExpiresText)
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// peopleImportCodes downloads the codes the signed-in officer just issued as Excel; the download
// is written to the audit log first. Cells are written as text, never as formulas.
func (s *Server) peopleImportCodes(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	n := len(f["code"])
	if n == 0 || n > people.MaxBatch || len(f["name"]) != n || len(f["unit"]) != n || len(f["position"]) != n ||
		len(f["role"]) != n || len(f["link"]) != n || len(f["expires"]) != n {
		s.renderMessage(w, r, http.StatusBadRequest, "输入有误", "没有可下载的邀请码。")
		return
	}
	rows := make([]*inviteRow, n)
	for i := range n {
		rows[i] = &inviteRow{Name: f["name"][i], Unit: f["unit"][i], Position: f["position"][i], Role: ganwei.Role(f["role"][i]),
			Code: f["code"][i], Link: f["link"][i], ExpiresText: f["expires"][i]}
	}
	if !hmac.Equal([]byte(s.signCodes(r, rows)), []byte(f.Get("sig"))) {
		s.renderMessage(w, r, http.StatusForbidden, "无法下载", "邀请码只能由生成它们的本人、在生成时的登录中下载。如已退出，请在人员页面重新邀请。")
		return
	}
	if err := s.People.ExportInvites(r.Context(), n); err != nil {
		s.fail(w, r, "export invites", err)
		return
	}
	const name = "邀请码"
	x, err := newWorkbook(name, []string{"姓名", "单位", "职务", "角色", "邀请码", "邀请链接", "有效期至"}, []float64{10, 20, 16, 14, 14, 44, 17})
	for i, row := range rows {
		if err == nil {
			err = setRow(x, name, i+2, row.Name, row.Unit, row.Position, row.Role.Label(), row.Code, row.Link, row.ExpiresText)
		}
	}
	if err == nil {
		err = xlsxResponse(w, x, "invite-codes.xlsx", "邀请码.xlsx")
	}
	if err != nil {
		s.fail(w, r, "write invite codes", err)
	}
}

func (s *Server) peopleImportTemplate(w http.ResponseWriter, r *http.Request) {
	const name = "花名册"
	x, err := newWorkbook(name, []string{"姓名", "单位", "职务", "角色"}, []float64{10, 20, 16, 10})
	if err == nil {
		err = setRow(x, name, 2, rosterExample[0], rosterExample[1], rosterExample[2], rosterExample[3])
	}
	if err == nil {
		_, err = x.NewSheet("填写说明")
	}
	for i, line := range []string{
		"每行一人；第一行是表头，请勿改动。请把示例行换成实际内容。",
		"姓名、单位必填；职务可不填。角色可填 干部、组织部 或 管理员，不填为干部；组织部和管理员只能由管理员邀请。",
		fmt.Sprintf("一次最多 %d 行、1 MB。上传后逐行预览，确认后才生成邀请码，并可下载为 Excel。", MaxRosterRows),
	} {
		if err == nil {
			err = setRow(x, "填写说明", i+1, line)
		}
	}
	if err == nil {
		_ = x.SetColWidth("填写说明", "A", "A", 100)
		err = xlsxResponse(w, x, "roster-template.xlsx", "花名册模板.xlsx")
	}
	if err != nil {
		s.fail(w, r, "roster template", err)
	}
}
