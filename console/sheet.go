package console

// Reading an uploaded Excel sheet (四项清单 import, 花名册 invites): the limits, the content check
// and the rows, in memory only. The file is never written anywhere: the multipart form is kept in
// memory (see readUpload) and excelize is held below the size at which it would unpack a worksheet
// into a temporary file.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

const (
	// MaxUploadBytes is the largest sheet accepted (a 花名册 of 500 people is about 30 KB).
	MaxUploadBytes = 1 << 20
	// MaxAppointmentRows and MaxRosterRows are the most data rows one sheet may hold: a preview
	// of every row stays within a page weight of 200 KB (measured: about 1.1 KB a leader with
	// their plan, 0.5 KB a roster row).
	MaxAppointmentRows = 100
	MaxRosterRows      = 300
	// unzipLimit bounds what the sheet may unpack to (a zip bomb stops here). excelize's limit
	// for keeping a part in memory is set to the same, so it never unpacks to a temporary file.
	unzipLimit = 8 << 20
	// maxCellRunes bounds one cell's text (names and units are far shorter).
	maxCellRunes = 200
)

// uploadForm is the multipart form limit: the file plus the small fields (the CSRF token).
const uploadForm = MaxUploadBytes + 16<<10

// Refusals of an upload, as the officer reads them.
const (
	msgNoFile      = "请选择要上传的 Excel 文件（.xlsx）。"
	msgTooBig      = "文件超过 1 MB，请删去无关的工作表或分批上传。"
	msgNotXLSX     = "这不是 Excel 工作簿（.xlsx）。如果是旧版 .xls 或 WPS 文件，请先“另存为” .xlsx 再上传。"
	msgEncrypted   = "工作簿设置了打开密码，请取消密码后再上传。"
	msgUnzipTooBig = "文件解压后过大，无法读取。请只保留一张工作表，删去无关内容后再上传。"
	msgEmptySheet  = "工作表是空的：第一行应为表头，从第二行起每行一人。"
)

// sheetRow is one data row: its row number in the sheet (as Excel shows it) and its cells by
// column, trimmed.
type sheetRow struct {
	Line  int
	Cells []string
}

// sheet is the first worksheet of an upload: the header row and the data rows.
type sheet struct {
	Header []string
	Rows   []sheetRow
}

// col finds the column whose header is one of names (spaces and case ignored), or -1.
func (s *sheet) col(names ...string) int {
	for i, h := range s.Header {
		h = strings.ToLower(strings.Join(strings.Fields(h), ""))
		for _, n := range names {
			if h == strings.ToLower(n) {
				return i
			}
		}
	}
	return -1
}

func (r sheetRow) cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// uploadError is an upload refused with a sentence for the officer.
type uploadError struct{ msg string }

func (e *uploadError) Error() string { return e.msg }

// status is the HTTP status of the refusal.
func (e *uploadError) status() int {
	if e.msg == msgTooBig {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// readUpload reads the uploaded file of field "file" (already parsed into memory by signedIn) as
// an Excel sheet, with every limit applied. The bytes are dropped when it returns.
func readUpload(r *http.Request, maxRows int) (*sheet, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return nil, &uploadError{msgNoFile}
	}
	fh := r.MultipartForm.File["file"][0]
	if fh.Size == 0 {
		return nil, &uploadError{msgNoFile}
	}
	if fh.Size > MaxUploadBytes {
		return nil, &uploadError{msgTooBig}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxUploadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	return parseSheet(data, maxRows)
}

// parseSheet reads the first worksheet of an .xlsx held in data. The type is decided by the
// content (a zip holding a workbook), never by the file's name or the browser's word for it.
func parseSheet(data []byte, maxRows int) (*sheet, error) {
	if len(data) > MaxUploadBytes {
		return nil, &uploadError{msgTooBig}
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		// An OLE container: an old .xls, or an .xlsx with an opening password.
		return nil, &uploadError{msgNotXLSX + "（若设置了打开密码，请先取消。）"}
	case !bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return nil, &uploadError{msgNotXLSX}
	}
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true,
		UnzipSizeLimit: unzipLimit, UnzipXMLSizeLimit: unzipLimit})
	if err != nil {
		switch {
		case strings.Contains(err.Error(), "unzip size"): // excelize's limit error has no type
			return nil, &uploadError{msgUnzipTooBig}
		case errors.Is(err, excelize.ErrWorkbookPassword):
			return nil, &uploadError{msgEncrypted}
		}
		return nil, &uploadError{msgNotXLSX}
	}
	defer x.Close()
	names := x.GetSheetList()
	if len(names) == 0 {
		return nil, &uploadError{msgEmptySheet}
	}
	rows, err := x.Rows(names[0])
	if err != nil {
		return nil, &uploadError{msgNotXLSX}
	}
	defer rows.Close()
	s := &sheet{}
	line := 0
	for rows.Next() {
		line++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, &uploadError{fmt.Sprintf("第 %d 行无法读取，请检查后重新上传。", line)}
		}
		blank := true
		for i, c := range cells {
			c = strings.TrimSpace(strings.ReplaceAll(c, "\u00a0", " "))
			if utf8.RuneCountInString(c) > maxCellRunes {
				return nil, &uploadError{fmt.Sprintf("第 %d 行有一格超过 %d 个字，请检查是否填错了列。", line, maxCellRunes)}
			}
			cells[i] = c
			blank = blank && c == ""
		}
		if blank {
			continue
		}
		if s.Header == nil {
			s.Header = cells
			continue
		}
		if len(s.Rows) == maxRows {
			return nil, &uploadError{fmt.Sprintf("一次最多导入 %d 行，请分批上传。", maxRows)}
		}
		s.Rows = append(s.Rows, sheetRow{Line: line, Cells: cells})
	}
	if err := rows.Error(); err != nil {
		return nil, &uploadError{msgNotXLSX}
	}
	if len(s.Rows) == 0 {
		return nil, &uploadError{msgEmptySheet}
	}
	return s, nil
}

// serialDate turns a cell Excel stored as a date (a serial day number, read raw) into text the
// bot's date parser reads; any other text is returned as it is.
func serialDate(cell string) string {
	f, err := strconv.ParseFloat(cell, 64)
	if err != nil || f < 20000 || f > 80000 { // 1954…2119: a serial day, not 20260302 or an id
		return cell
	}
	t, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return cell
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// xlsxResponse writes a workbook as a download named name.
func xlsxResponse(w http.ResponseWriter, x *excelize.File, ascii, name string) error {
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+ascii+`"; filename*=UTF-8''`+pathEscape(name))
	_, err := buf.WriteTo(w)
	return err
}

// newWorkbook is a workbook whose first sheet is named first, with a bold header row.
func newWorkbook(first string, header []string, widths []float64) (*excelize.File, error) {
	x := excelize.NewFile()
	if err := x.SetSheetName("Sheet1", first); err != nil {
		return nil, err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEF1F5"}}})
	if err != nil {
		return nil, err
	}
	for i, h := range header {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := x.SetCellStr(first, ref, h); err != nil {
			return nil, err
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		if i < len(widths) {
			_ = x.SetColWidth(first, col, col, widths[i])
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(header), 1)
	if err := x.SetCellStyle(first, "A1", last, bold); err != nil {
		return nil, err
	}
	return x, nil
}

// setRow writes text cells (never formulas: SetCellStr stores a string, whatever it starts with).
func setRow(x *excelize.File, sheetName string, row int, cells ...string) error {
	for i, c := range cells {
		ref, _ := excelize.CoordinatesToCellName(i+1, row)
		if err := x.SetCellStr(sheetName, ref, c); err != nil {
			return err
		}
	}
	return nil
}

// countRows counts the rows of an import preview that can go ahead and those that cannot.
func countRows[R interface{ OK() bool }](rows []R) (good, bad int) {
	for _, r := range rows {
		if r.OK() {
			good++
		} else {
			bad++
		}
	}
	return good, bad
}
