package console_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/console"
	"github.com/ganwei-bot/ganwei/testkit"
)

// xlsxOf builds a workbook: the header, then the rows (cells as Excel would hold them: strings,
// numbers, dates).
func xlsxOf(t testing.TB, header []string, rows ...[]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	all := append([][]any{toAny(header)}, rows...)
	for i, row := range all {
		ref, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", ref, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

var apptHeader = []string{"Telegram ID", "姓名", "职务", "单位", "任职日期"}

// upload posts a file as a browser's file field would; csrf "" sends none.
func (b *browser) upload(path, csrf, filename string, data []byte) response {
	b.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf != "" {
		_ = mw.WriteField("csrf", csrf)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.h.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// formFields are the hidden fields of the page's form posting to action, as a browser would
// send them back (without the CSRF token: post adds it).
func formFields(t testing.TB, body, action string) url.Values {
	t.Helper()
	i := strings.Index(body, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form posting to %s on the page", action)
	}
	form := body[i:]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(form, -1) {
		if m[1] != "csrf" {
			v.Add(m[1], html.UnescapeString(m[2]))
		}
	}
	return v
}

func (h *harness) appointments() []*ganwei.Appointment {
	h.t.Helper()
	list, err := h.office.Appointments(h.as(testkit.AdminID))
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// TestImportAppointmentsPreviewsEveryRowThenRegistersOnConfirm: every row is shown with its date
// read back in full and its plan, the bad ones with the reason in Chinese; nothing is registered
// until 确认, then only the good rows; confirming twice registers nothing twice.
func TestImportAppointmentsPreviewsEveryRowThenRegistersOnConfirm(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	sheet := xlsxOf(t, apptHeader,
		[]any{9003, "李强", "镇长", "震泽镇", "2026-11-20"},                                   // 2: good (bound)
		[]any{9002, "王五", "党委书记", "松陵街道", "2026-11-20"},                                // 3: not the bound name
		[]any{30001, "陈刚", "党委书记", "七都镇", "11/2"},                                      // 4: ambiguous date
		[]any{"9003", "李强", "镇长", "震泽镇", "2026年11月21日"},                                // 5: repeats row 2
		[]any{30002, "赵敏", "镇长", "七都镇", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}, // 6: good, Excel date, not bound
		[]any{"abc", "钱明", "科长", "七都镇", "2026-11-20"},                                  // 7: bad id
		[]any{30003, "孙丽", "镇长", "七都镇", ""},                                            // 8: no date
	)
	r := hr.upload("/console/reminders/import", csrf, "新任职.xlsx", sheet)
	if r.Code != http.StatusOK {
		t.Fatalf("preview: %d\n%s", r.Code, r.Body)
	}
	for _, want := range []string{
		"可登记 2 行", "有问题 5 行",
		"2026年11月20日（星期五）", "2026年11月23日（星期一）", // dates read back, the Excel date too
		"绑定的是张伟，与表中姓名不一致", "看不出是几月几日", "与第 2 行重复", "Telegram ID 应为正整数", "缺少任职日期",
		"此人尚未绑定敢为助手", "<ol class=\"plan\">",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if n := len(h.appointments()); n != 0 {
		t.Fatalf("the preview registered %d appointments", n)
	}
	form := formFields(t, r.Body, "/console/reminders/import/confirm")
	if got := form["tid"]; len(got) != 2 || got[0] != "9003" || got[1] != "30002" {
		t.Fatalf("confirmation form carries %v, want the two good rows", got)
	}
	c := hr.post("/console/reminders/import/confirm", csrf, form)
	if c.Code != http.StatusOK || strings.Count(c.Body, ">已登记</span>") != 2 {
		t.Fatalf("confirm: %d\n%s", c.Code, c.Body)
	}
	list := h.appointments()
	if len(list) != 2 {
		t.Fatalf("%d appointments after confirming, want 2", len(list))
	}
	for _, a := range list {
		if a.CreatedBy != testkit.HRID || (a.Name == "赵敏" && a.Date != "2026-11-23") {
			t.Errorf("registered %+v", a)
		}
	}
	again := hr.post("/console/reminders/import/confirm", csrf, form)
	if again.Code != http.StatusOK || !strings.Contains(again.Body, "已登记过") || len(h.appointments()) != 2 {
		t.Errorf("a second confirmation: %d, %d appointments", again.Code, len(h.appointments()))
	}
	tampered := url.Values{}
	for k, v := range form {
		tampered[k] = append([]string(nil), v...)
	}
	tampered["name"][1] = "赵敏敏"
	if r := hr.post("/console/reminders/import/confirm", csrf, tampered); r.Code != http.StatusBadRequest || len(h.appointments()) != 2 {
		t.Errorf("rows changed after the preview: %d, want 400 and nothing registered", r.Code)
	}
}

// TestImportRowsOfAnotherUnit: a scoped officer's rows for another unit are refused per row, and
// a scope narrowed between preview and confirmation is applied at confirmation.
func TestImportRowsOfAnotherUnit(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	sheet := xlsxOf(t, apptHeader, []any{9003, "李强", "镇长", "震泽镇", "2026-11-20"}, []any{30002, "赵敏", "镇长", "七都镇", "2026-11-20"})
	r := hr.upload("/console/reminders/import", csrf, "a.xlsx", sheet)
	form := formFields(t, r.Body, "/console/reminders/import/confirm")
	if len(form["tid"]) != 2 {
		t.Fatalf("unscoped preview: %v", form["tid"])
	}
	if err := h.store.SetScope(h.ctx, testkit.HRID, []string{"七都镇"}); err != nil {
		t.Fatal(err)
	}
	c := hr.post("/console/reminders/import/confirm", csrf, form)
	if c.Code != http.StatusOK || !strings.Contains(c.Body, "您负责的单位是：七都镇") {
		t.Errorf("confirm after narrowing: %d\n%s", c.Code, c.Body)
	}
	list := h.appointments()
	if len(list) != 1 || list[0].Unit != "七都镇" {
		t.Errorf("registered %+v, want only the 七都镇 row", list)
	}
	r = hr.upload("/console/reminders/import", csrf, "a.xlsx", xlsxOf(t, apptHeader, []any{9003, "李强", "镇长", "震泽镇", "2026-11-20"}))
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "您负责的单位是：七都镇") || strings.Contains(r.Body, "/console/reminders/import/confirm") {
		t.Errorf("scoped preview of another unit's row: %d, want the refusal and no confirm button", r.Code)
	}
}

// zipBomb is an .xlsx whose worksheet unpacks to far more than the limit (a few KB on the wire).
func zipBomb(t testing.TB) []byte {
	t.Helper()
	src := xlsxOf(t, apptHeader)
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, _ := zw.Create(f.Name)
		if f.Name == "xl/worksheets/sheet1.xml" {
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
			row := strings.Repeat(`<row><c t="inlineStr"><is><t>0000000000</t></is></c></row>`, 1000)
			for range 400 { // ~24 MB
				_, _ = io.WriteString(w, row)
			}
			_, _ = io.WriteString(w, `</sheetData></worksheet>`)
			continue
		}
		rc, _ := f.Open()
		_, _ = io.Copy(w, rc)
		rc.Close()
	}
	_ = zw.Close()
	return out.Bytes()
}

// TestUploadAttacks: an oversized file, a zip bomb, a sheet of too many rows and a file that is
// not a workbook (whatever its name) each get a plain Chinese answer and register nothing; a
// formula in a cell is shown as text.
func TestUploadAttacks(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	many := make([][]any, 0, 101)
	for i := range 101 {
		many = append(many, []any{40000 + i, "某人", "镇长", "七都镇", "2026-11-20"})
	}
	bomb := zipBomb(t)
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes on the wire; it must pass the size limit to test the unzip limit", len(bomb))
	}
	for _, c := range []struct {
		name, file string
		data       []byte
		code       int
		want       string
	}{
		{"far oversized", "huge.xlsx", append([]byte("PK\x03\x04"), make([]byte, 5<<20)...), http.StatusRequestEntityTooLarge, "文件超过 1 MB"},
		{"oversized", "big.xlsx", append([]byte("PK\x03\x04"), make([]byte, 1<<20+10)...), http.StatusRequestEntityTooLarge, "文件超过 1 MB"},
		{"zip bomb", "bomb.xlsx", bomb, http.StatusBadRequest, "解压后过大"},
		{"too many rows", "many.xlsx", xlsxOf(t, apptHeader, many...), http.StatusBadRequest, "一次最多导入 100 行"},
		{"pdf named xlsx", "fake.xlsx", []byte("%PDF-1.4\n1 0 obj <<>> endobj\n"), http.StatusBadRequest, "这不是 Excel 工作簿"},
		{"old xls", "old.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 500)...), http.StatusBadRequest, "另存为"},
		{"zip, not a workbook", "x.xlsx", zipOf(t, "readme.txt", "hello"), http.StatusBadRequest, "这不是 Excel 工作簿"},
		{"no header", "h.xlsx", xlsxOf(t, []string{"甲", "乙"}, []any{"1", "2"}), http.StatusBadRequest, "第一行应为表头"},
		{"empty", "e.xlsx", xlsxOf(t, apptHeader), http.StatusBadRequest, "工作表是空的"},
	} {
		r := hr.upload("/console/reminders/import", csrf, c.file, c.data)
		if r.Code != c.code || !strings.Contains(r.Body, c.want) {
			t.Errorf("%s: %d, want %d with %q", c.name, r.Code, c.code, c.want)
		}
	}
	r := hr.upload("/console/reminders/import", csrf, "f.xlsx", xlsxOf(t, apptHeader, []any{30009, `=HYPERLINK("http://evil.example","点我")`, "镇长", "七都镇", "2026-11-20"}))
	if r.Code != http.StatusOK || strings.Contains(r.Body, `"http://evil.example"`) || !strings.Contains(r.Body, "=HYPERLINK(&#34;http://evil.example&#34;") {
		t.Errorf("a formula in a cell: %d, want it shown escaped as text", r.Code)
	}
	if n := len(h.appointments()); n != 0 {
		t.Errorf("%d appointments after the attacks", n)
	}
}

func zipOf(t testing.TB, name, content string) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	w, _ := zw.Create(name)
	_, _ = io.WriteString(w, content)
	_ = zw.Close()
	return out.Bytes()
}

// TestImportTemplatesAreWorkbooksTheImportReads: each template downloads as .xlsx and, uploaded
// as it is, previews its example row, refused as the example (never registered by mistake).
func TestImportTemplatesAreWorkbooksTheImportReads(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	for _, c := range []struct{ template, upload, want string }{
		{"/console/reminders/import/template", "/console/reminders/import", "共 1 行，可登记 0 行"},
		{"/console/people/import/template", "/console/people/import", "共 1 行，可邀请 0 人"},
	} {
		r := hr.do(mustGet(h, c.template))
		if r.Code != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("%s: %d %s", c.template, r.Code, r.Header.Get("Content-Type"))
		}
		p := hr.upload(c.upload, csrf, "template.xlsx", []byte(r.Body))
		if p.Code != http.StatusOK || !strings.Contains(p.Body, c.want) || !strings.Contains(p.Body, "这是模板里的示例行") {
			t.Errorf("template of %s uploaded back: %d, want %q and the example refused", c.upload, p.Code, c.want)
		}
	}
}

// TestFullestImportPreviewsStayUnder200KB: a preview of the most rows each import takes, with
// the stylesheet, stays within the console's page weight.
func TestFullestImportPreviewsStayUnder200KB(t *testing.T) {
	h := newHarness(t)
	hr := h.signIn(testkit.HRID)
	csrf := hr.csrf()
	css := hr.do(mustGet(h, "/console/static/style.css"))
	var leaders, roster [][]any
	for i := range console.MaxAppointmentRows {
		leaders = append(leaders, []any{40000 + i, fmt.Sprintf("欧阳某某%03d", i), "党委副书记、镇长", "七都镇人民政府", "2026-11-20"})
	}
	for i := range console.MaxRosterRows {
		roster = append(roster, []any{fmt.Sprintf("欧阳某某%03d", i), "七都镇人民政府", "党政办副主任", "干部"})
	}
	for _, c := range []struct {
		path string
		data []byte
	}{{"/console/reminders/import", xlsxOf(t, apptHeader, leaders...)}, {"/console/people/import", xlsxOf(t, rosterHeader, roster...)}} {
		r := hr.upload(c.path, csrf, "a.xlsx", c.data)
		if r.Code != http.StatusOK {
			t.Fatalf("%s: %d", c.path, r.Code)
		}
		if w := len(r.Body) + len(css.Body); w > 200<<10 {
			t.Errorf("the fullest preview of %s weighs %d bytes with its stylesheet, over 200 KB", c.path, w)
		}
	}
}

// TestImportSeesALeaderRegisteredWithoutTheirTelegramID: a leader registered by picking them
// (no Telegram id on the registration) is the same person as the row naming their Telegram id,
// so the preview says 已登记过 instead of offering to register them twice.
func TestImportSeesALeaderRegisteredWithoutTheirTelegramID(t *testing.T) {
	h := newHarness(t)
	if _, _, err := h.office.Appoint(h.as(testkit.AdminID), &ganwei.Appointment{PersonID: testkit.LeaderID, Name: "李强", Unit: "震泽镇", Position: "镇长", Date: "2026-11-20"}); err != nil {
		t.Fatal(err)
	}
	hr := h.signIn(testkit.HRID)
	r := hr.upload("/console/reminders/import", hr.csrf(), "新任职.xlsx", xlsxOf(t, apptHeader, []any{9003, "李强", "镇长", "震泽镇", "2026-11-20"}))
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "已登记过") || !strings.Contains(r.Body, "可登记 0 行") {
		t.Errorf("preview of an already registered leader: %d\n%s", r.Code, r.Body)
	}
}
