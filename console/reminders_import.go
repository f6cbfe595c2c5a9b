package console

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/workdays"
)

// The 四项清单 import: HR uploads a sheet of newly appointed leaders, sees every row with the dates
// its reminders would use (the bot's own date parser and reminders.Office.Preview) and what is
// wrong with it, and registers the good rows only when they confirm.
//
// Between the preview and the confirmation the rows travel in the preview page's form (hidden
// fields) rather than in server state: nothing about the upload is stored, a replica that did not
// see the upload can take the confirmation, there is nothing to expire or clean up, and every row
// is checked again by the same services at confirmation, so an edited form gains nothing that
// the single registration form would not give.

// apptColumns are the template's columns; a sheet's header may use any of the names given.
var apptColumns = struct{ ID, Name, Position, Unit, Date []string }{
	ID:       []string{"Telegram ID", "TelegramID", "Telegram 用户 ID", "Telegram用户ID", "ID"},
	Name:     []string{"姓名"},
	Position: []string{"职务", "新任职务"},
	Unit:     []string{"单位", "任职单位"},
	Date:     []string{"任职日期", "任职时间", "日期"},
}

// apptExample is the template's example row (Telegram ID, 姓名, 职务, 单位): left in a sheet by
// mistake, it is refused rather than registered.
var apptExample = [4]string{"12345678", "张三", "党委书记", "某某镇"}

// msgExampleRow refuses a template's example row.
const msgExampleRow = "这是模板里的示例行，请换成实际内容"

// apptRow is one row of an import: what the sheet says, and what the services made of it.
type apptRow struct {
	Line                                   int
	TelegramID, Name, Position, Unit, Date string // Date: as written; YYYY-MM-DD once read
	DateLong                               string // the date read back in full
	Preview                                *ganwei.Appointment
	Plan                                   []planStep // the preview's steps as the officer reads them
	Problems                               []string   // why the row cannot be registered
	Notes                                  []string   // worth knowing, not blocking
	Outcome                                string     // after confirmation
	Done                                   bool
}

func (r *apptRow) OK() bool { return len(r.Problems) == 0 }

// planStep is one step of a previewed plan: its title and when it would go out.
type planStep struct{ Title, When string }

type apptImport struct {
	Rows        []*apptRow
	Good, Bad   int
	Done        int // registered at confirmation
	Fingerprint string
	Error       string
	Confirmed   bool
	Max         int
	MaxKB       int
	MaxMB       int
}

func (d *apptImport) count() { d.Good, d.Bad = countRows(d.Rows) }

// fingerprint is of the good rows as they go into the confirmation form.
func (d *apptImport) fingerprint() string {
	h := sha256.New()
	for _, r := range d.Rows {
		if r.OK() {
			fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00%s\x00%s\x01", r.Line, r.TelegramID, r.Name, r.Position, r.Unit, r.Date)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// reminderImportForm shows the upload form.
func (s *Server) reminderImportForm(w http.ResponseWriter, r *http.Request) {
	if s.Office == nil {
		s.notFound(w, r)
		return
	}
	if _, err := s.Office.Appointments(r.Context()); err != nil { // HR only: do not offer a form that cannot be used
		s.fail(w, r, "open import form", err)
		return
	}
	s.render(w, r, http.StatusOK, "reminder_import", "批量登记", "reminders", &apptImport{Max: MaxAppointmentRows, MaxMB: MaxUploadBytes >> 20})
}

// reminderImportPreview reads the uploaded sheet and shows every row checked; nothing is stored.
func (s *Server) reminderImportPreview(w http.ResponseWriter, r *http.Request) {
	if s.Office == nil {
		s.notFound(w, r)
		return
	}
	d := &apptImport{Max: MaxAppointmentRows, MaxMB: MaxUploadBytes >> 20}
	sh, err := readUpload(r, MaxAppointmentRows)
	if err != nil {
		if ue, ok := err.(*uploadError); ok {
			d.Error = ue.msg
			s.render(w, r, ue.status(), "reminder_import", "批量登记", "reminders", d)
			return
		}
		s.fail(w, r, "read upload", err)
		return
	}
	cols := []int{sh.col(apptColumns.ID...), sh.col(apptColumns.Name...), sh.col(apptColumns.Position...), sh.col(apptColumns.Unit...), sh.col(apptColumns.Date...)}
	if cols[0] < 0 || cols[1] < 0 || cols[2] < 0 || cols[4] < 0 {
		d.Error = "第一行应为表头：Telegram ID、姓名、职务、单位、任职日期（单位可不填）。请下载模板对照填写。"
		s.render(w, r, http.StatusBadRequest, "reminder_import", "批量登记", "reminders", d)
		return
	}
	for _, row := range sh.Rows {
		d.Rows = append(d.Rows, &apptRow{Line: row.Line, TelegramID: row.cell(cols[0]), Name: row.cell(cols[1]),
			Position: row.cell(cols[2]), Unit: row.cell(cols[3]), Date: serialDate(row.cell(cols[4]))})
	}
	if err := s.checkAppointments(r.Context(), d.Rows); err != nil {
		s.fail(w, r, "check import", err)
		return
	}
	d.count()
	d.Fingerprint = d.fingerprint()
	s.render(w, r, http.StatusOK, "reminder_import", "批量登记", "reminders", d)
}

// reminderImportConfirm registers the previewed rows, each checked again first.
func (s *Server) reminderImportConfirm(w http.ResponseWriter, r *http.Request) {
	if s.Office == nil {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	f := r.PostForm
	n := len(f["line"])
	if n == 0 || n > MaxAppointmentRows || len(f["tid"]) != n || len(f["name"]) != n || len(f["position"]) != n || len(f["unit"]) != n || len(f["date"]) != n {
		s.renderMessage(w, r, http.StatusBadRequest, "输入有误", "没有可登记的行，请重新上传表格。")
		return
	}
	d := &apptImport{Confirmed: true, Max: MaxAppointmentRows, MaxMB: MaxUploadBytes >> 20}
	for i := range n {
		line, _ := strconv.Atoi(f["line"][i])
		d.Rows = append(d.Rows, &apptRow{Line: line, TelegramID: f["tid"][i], Name: f["name"][i], Position: f["position"][i], Unit: f["unit"][i], Date: f["date"][i]})
	}
	if d.fingerprint() != f.Get("previewed") {
		s.renderMessage(w, r, http.StatusBadRequest, "需要重新预览", "预览后的内容有变化，没有登记任何一行。请重新上传表格并核对预览。")
		return
	}
	if err := s.checkAppointments(ctx, d.Rows); err != nil {
		s.fail(w, r, "check import", err)
		return
	}
	for _, row := range d.Rows {
		if !row.OK() {
			row.Outcome = "未登记：" + strings.Join(row.Problems, "；")
			continue
		}
		saved, created, err := s.Office.Appoint(ctx, row.appointment())
		switch {
		case err != nil && ganwei.ErrorCode(err) == ganwei.EINTERNAL:
			s.Logger.Error("console: import appointment", "line", row.Line, "err", err)
			row.Outcome = "未登记：系统暂时无法完成，请稍后单独登记这一行。"
		case err != nil:
			row.Outcome = "未登记：" + ganwei.ErrorMessage(err)
		case !created:
			row.Outcome = fmt.Sprintf("此前已登记（%s），没有重复登记。", saved.Status.Label())
		default:
			row.Done, row.Outcome = true, "已登记，第一项提醒即将发出。"
			d.Done++
		}
	}
	d.count()
	s.render(w, r, http.StatusOK, "reminder_import", "批量登记结果", "reminders", d)
}

func (r *apptRow) appointment() *ganwei.Appointment {
	id, _ := strconv.ParseInt(r.TelegramID, 10, 64)
	return &ganwei.Appointment{TelegramID: id, Name: r.Name, Position: r.Position, Unit: r.Unit, Date: r.Date}
}

// checkAppointments checks each row as the bot's /appoint would (its date parser, the person's
// bound name, reminders.Office.Preview for the unit scope and the dates) plus what only a sheet
// can get wrong: repeats within it and people already registered.
func (s *Server) checkAppointments(ctx context.Context, rows []*apptRow) error {
	existing, err := s.Office.Appointments(ctx)
	if err != nil {
		return err
	}
	// Registrations by the leader's person and position: a leader registered by picking them,
	// or by their 企业微信 account, has no Telegram id on the registration but is the same person.
	registered := map[string]*ganwei.Appointment{}
	for _, a := range existing {
		if a.Status != ganwei.AppointmentCancelled {
			registered[strconv.FormatInt(a.PersonID, 10)+"\x00"+a.Position] = a
		}
	}
	seen := map[string]int{}
	now := s.Now()
	for _, row := range rows {
		row.Problems, row.Notes, row.Preview, row.Plan, row.DateLong = nil, nil, nil, nil, ""
		var person int64 // the person bound to the Telegram id, 0 when nobody is
		id, err := strconv.ParseInt(strings.TrimSuffix(row.TelegramID, ".0"), 10, 64)
		switch {
		case row.TelegramID == "":
			row.Problems = append(row.Problems, "缺少 Telegram ID")
		case err != nil || id <= 0:
			row.Problems = append(row.Problems, "Telegram ID 应为正整数")
		default:
			row.TelegramID = strconv.FormatInt(id, 10)
			u, err := s.Office.Appointee(ctx, id)
			switch {
			case err == nil:
				person = u.ID
				if row.Name == "" {
					row.Name = u.Name
					row.Notes = append(row.Notes, "姓名沿用本人资料："+u.Name)
				} else if u.Name != row.Name {
					row.Problems = append(row.Problems, fmt.Sprintf("Telegram ID %d 绑定的是%s，与表中姓名不一致，请核对", id, u.Name))
				}
				if row.Unit == "" && u.Unit != "" {
					row.Unit = u.Unit
					row.Notes = append(row.Notes, "单位沿用本人资料："+u.Unit)
				}
			case ganwei.ErrorCode(err) == ganwei.ENOTFOUND:
				row.Notes = append(row.Notes, "此人尚未绑定敢为助手；若从未打开过敢为助手，提醒将无法送达")
			default:
				return err
			}
		}
		if [4]string{row.TelegramID, row.Name, row.Position, row.Unit} == apptExample {
			row.Problems = append(row.Problems, msgExampleRow)
		}
		if row.Date == "" {
			row.Problems = append(row.Problems, "缺少任职日期")
		} else if day, err := workdays.ParseDate(row.Date, now, s.Location); err != nil {
			row.Problems = append(row.Problems, strings.TrimSuffix(err.Error(), "。"))
		} else {
			row.Date, row.DateLong = day.Format(time.DateOnly), workdays.FormatDate(day)
		}
		key := row.TelegramID + "\x00" + row.Position
		if first, dup := seen[key]; dup && row.TelegramID != "" {
			row.Problems = append(row.Problems, fmt.Sprintf("与第 %d 行重复", first))
		} else {
			seen[key] = row.Line
		}
		if a := registered[strconv.FormatInt(person, 10)+"\x00"+row.Position]; person != 0 && a != nil {
			row.Problems = append(row.Problems, fmt.Sprintf("已登记过（%s，%s），不会重复登记", a.Status.Label(), a.Date))
		}
		if len(row.Problems) > 0 && (row.DateLong == "" || row.TelegramID == "") {
			continue
		}
		p, err := s.Office.Preview(ctx, row.appointment())
		switch ganwei.ErrorCode(err) {
		case "":
			if len(row.Problems) == 0 {
				row.Preview = p
				for _, st := range p.Steps {
					when := "确认后立即发出"
					if st.DueAt.After(now.Add(time.Minute)) { // planned "now" by the service's clock
						when = st.DueAt.In(s.Location).Format("2006-01-02 15:04")
					}
					row.Plan = append(row.Plan, planStep{Title: cmp.Or(st.Title, st.ID), When: when})
				}
			}
		case ganwei.EINVALID, ganwei.EFORBIDDEN:
			row.Problems = append(row.Problems, strings.TrimSuffix(ganwei.ErrorMessage(err), "。"))
		default:
			return err
		}
	}
	return nil
}

// reminderImportTemplate downloads the sheet to fill in.
func (s *Server) reminderImportTemplate(w http.ResponseWriter, r *http.Request) {
	if s.Office == nil {
		s.notFound(w, r)
		return
	}
	x, err := newWorkbook("新任职领导", []string{"Telegram ID", "姓名", "职务", "单位", "任职日期"}, []float64{16, 10, 16, 20, 16})
	if err == nil {
		err = setRow(x, "新任职领导", 2, apptExample[0], apptExample[1], apptExample[2], apptExample[3], s.Now().In(s.Location).Format("2006-01-02"))
	}
	if err == nil {
		_, err = x.NewSheet("填写说明")
	}
	if err == nil {
		for i, line := range []string{
			"每行登记一位新任职领导；第一行是表头，请勿改动。请把示例行换成实际内容。",
			"Telegram ID：本人的 Telegram 用户 ID（数字）。本人可在敢为助手中发送 /whoami 查看。",
			"姓名、职务必填；单位可不填，不填时沿用本人已绑定的资料。",
			"任职日期：写成 2026-03-02、2026年3月2日 或 2026/3/2，也可用 Excel 日期格式。",
			fmt.Sprintf("一次最多 %d 行、1 MB。上传后会逐行预览发送日期和问题，确认后才登记并发出第一项提醒。", MaxAppointmentRows),
		} {
			if err = setRow(x, "填写说明", i+1, line); err != nil {
				break
			}
		}
		_ = x.SetColWidth("填写说明", "A", "A", 100)
	}
	if err == nil {
		err = xlsxResponse(w, x, "appointments-template.xlsx", "四项清单批量登记模板.xlsx")
	}
	if err != nil {
		s.fail(w, r, "import template", err)
	}
}
