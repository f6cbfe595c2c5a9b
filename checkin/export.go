package checkin

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ganwei-bot/ganwei"
)

// ExportOptions says what to export.
type ExportOptions struct {
	Format     string // "xlsx" (sheets 汇总, 说明 and, with Individual, 个人明细) or "csv"
	Service    ganwei.CheckInService
	Users      ganwei.UserService // names for the individual rows
	Periods    []ganwei.Period
	Individual bool           // one row per answer: admins only (Staff.Export checks and audits)
	Location   *time.Location // time zone of the 填写时间 column (GANWEI_TIMEZONE); nil = UTC
	Now        time.Time      // a period still running at Now shows counts only; zero = time.Now()
}

// The header rows are []any like the data rows, so that both writers take them as they are.
var aggHeader = []any{"周期", "单位", "应答人数", "作答人数", "参与率", "身心状态平均", "工作压力平均",
	"身心1", "身心2", "身心3", "身心4", "身心5", "压力1", "压力2", "压力3", "压力4", "压力5",
	"支持充分", "支持部分到位", "支持不足", "待遇都已落实", "待遇有未落实", "希望谈心谈话", "备注"}

// aggWidths are the 汇总 sheet's column widths, in characters.
var aggWidths = []float64{11, 16, 9, 9, 8, 12, 12, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 9, 12, 9, 12, 12, 12, 30}

var personHeader = []any{"周期", "人员编号", "姓名", "单位", "身心状态", "工作压力", "工作支持", "待遇落实", "希望谈心谈话", "补充说明", "填写时间"}

var personWidths = []float64{11, 14, 10, 16, 9, 9, 10, 12, 12, 40, 17}

// noteTooFew is the 备注 of a group with too few answers.
var noteTooFew = "作答不足" + strconv.Itoa(ganwei.MinGroupSize) + "人，不显示"

// Notes of the 备注 column.
const (
	noteComplement = "为防止推算出人数较少单位的数据，一并不显示"
	noteOpen       = "本期进行中，结束后显示"
)

// hiddenNote says why a hidden group is hidden.
func hiddenNote(a *ganwei.Aggregate) string {
	switch {
	case a.Responses < ganwei.MinGroupSize || a.Small():
		return noteTooFew
	case a.Suppressed:
		return noteComplement
	}
	return noteOpen
}

// percent marks a participation value, so that each writer renders it its own way.
type percent float64

// aggRow renders one aggregate; a hidden group keeps only its counts.
func aggRow(a *ganwei.Aggregate) []any {
	unit := a.Unit
	if unit == "" {
		unit = "全体"
	}
	row := []any{a.Period, unit, a.Eligible, a.Responses}
	if a.Eligible > 0 {
		row = append(row, percent(a.Participation()))
	} else {
		row = append(row, "")
	}
	if !a.Visible() {
		for len(row) < len(aggHeader)-1 {
			row = append(row, "")
		}
		return append(row, hiddenNote(a))
	}
	row = append(row, round2(a.WellbeingAvg()), round2(a.StressAvg()))
	for _, v := range a.WellbeingDist {
		row = append(row, v)
	}
	for _, v := range a.StressDist {
		row = append(row, v)
	}
	for _, v := range ganwei.Supports {
		row = append(row, a.Support[v])
	}
	for _, v := range ganwei.BenefitsAll {
		row = append(row, a.Benefits[v])
	}
	return append(row, a.Talk, "")
}

// empty reports a group that nobody in was asked or answered: a filler row nobody wants to read.
func empty(a *ganwei.Aggregate) bool { return a.Responses == 0 && a.Eligible == 0 && a.Blocked == 0 }

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

func personRow(c *ganwei.CheckIn, names map[int64]string, loc *time.Location) []any {
	blank := func(ok bool, v any) any {
		if ok {
			return v
		}
		return ""
	}
	talk := ""
	if c.TalkAnswered {
		talk = "否"
		if c.Talk {
			talk = "是"
		}
	}
	return []any{c.Period, strconv.FormatInt(c.UserID, 10), names[c.UserID], c.Unit,
		blank(c.Wellbeing > 0, c.Wellbeing), blank(c.Stress > 0, c.Stress),
		blank(c.Support != "", c.Support.Label()), blank(c.Benefits != "", c.Benefits.Label()), talk, c.Note,
		c.SubmittedAt.In(loc).Format("2006-01-02 15:04")}
}

// eachAggregate calls fn for everyone's and every unit's aggregate in every period, leaving out
// empty groups, with the hidden cells of the suppression Table.
func eachAggregate(ctx context.Context, o ExportOptions, fn func(*ganwei.Aggregate) error) (*Table, error) {
	t, err := LoadTable(ctx, o.Service, o.Periods, o.Now)
	if err != nil {
		return nil, err
	}
	for _, g := range append([][]*ganwei.Aggregate{t.Overall}, unitRows(t)...) {
		for _, a := range g {
			if empty(a) {
				continue
			}
			if err := fn(a); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

func unitRows(t *Table) [][]*ganwei.Aggregate {
	out := make([][]*ganwei.Aggregate, len(t.Units))
	for i, u := range t.Units {
		out[i] = t.ByUnit[u]
	}
	return out
}

func userNames(ctx context.Context, users ganwei.UserService) (map[int64]string, error) {
	names := map[int64]string{}
	if users == nil {
		return names, nil
	}
	list, err := users.Users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range list {
		names[u.ID] = u.Name
	}
	return names, nil
}

// utf8BOM lets Excel on Chinese Windows open the CSV as UTF-8 rather than GBK.
const utf8BOM = "\ufeff"

// CSVText is typed text (a name, a unit, a note) made safe for a CSV cell: text starting with
// = + - @ or a tab or carriage return is what Excel and WPS read as a formula (=HYPERLINK(…),
// DDE), so it gets a leading apostrophe and is shown as text. Numbers are not passed here.
func CSVText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Export writes the check-in data. CSV carries the per-person rows when Individual, otherwise the
// aggregates; xlsx carries the aggregates, a 说明 sheet and, when Individual, a sheet of
// per-person rows. Rows are streamed, so a year of 10,000 cadres never sits in memory as cells.
// Callers outside this package go through Staff.Export, which checks the actor and audits.
func Export(ctx context.Context, w io.Writer, o ExportOptions) error {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	var names map[int64]string
	if o.Individual {
		var err error
		if names, err = userNames(ctx, o.Users); err != nil {
			return err
		}
	}
	switch o.Format {
	case "csv":
		if _, err := io.WriteString(w, utf8BOM); err != nil {
			return fmt.Errorf("csv: %w", err)
		}
		cw := csv.NewWriter(w)
		write := func(row []any) error {
			rec := make([]string, len(row))
			for i, v := range row {
				switch x := v.(type) {
				case percent:
					rec[i] = strconv.FormatFloat(float64(x)*100, 'f', 0, 64) + "%"
				case float64:
					rec[i] = strconv.FormatFloat(x, 'f', 2, 64)
				case string:
					rec[i] = CSVText(x)
				default:
					rec[i] = fmt.Sprint(v)
				}
			}
			return cw.Write(rec)
		}
		var err error
		if o.Individual {
			err = write(personHeader)
			if err == nil {
				err = o.Service.EachCheckIn(ctx, IDs(o.Periods), func(c *ganwei.CheckIn) error { return write(personRow(c, names, o.Location)) })
			}
		} else {
			err = write(aggHeader)
			if err == nil {
				_, err = eachAggregate(ctx, o, func(a *ganwei.Aggregate) error { return write(aggRow(a)) })
			}
		}
		if err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	case "xlsx":
		return exportXLSX(ctx, w, o, names)
	}
	return fmt.Errorf("export format %q: want csv or xlsx", o.Format)
}

// sheetWriter streams one sheet: widths and a frozen header first, rows, then a table over them
// (which gives Excel's filter buttons) before Flush.
type sheetWriter struct {
	sw      *excelize.StreamWriter
	row     int
	cols    int
	percent int // style of participation cells
	number  int // style of averages
}

func newSheetWriter(f *excelize.File, sheet string, widths []float64, percentStyle, numberStyle int) (*sheetWriter, error) {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	return &sheetWriter{sw: sw, row: 1, cols: len(widths), percent: percentStyle, number: numberStyle}, nil
}

func (s *sheetWriter) put(vals []any) error {
	out := make([]any, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case percent:
			out[i] = excelize.Cell{StyleID: s.percent, Value: float64(x)}
		case float64:
			out[i] = excelize.Cell{StyleID: s.number, Value: x}
		default:
			out[i] = v
		}
	}
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	s.row++
	return s.sw.SetRow(cell, out)
}

// finish adds the filterable table over the rows written and flushes the sheet.
func (s *sheetWriter) finish(name string) error {
	if s.row > 2 {
		last, _ := excelize.CoordinatesToCellName(s.cols, s.row-1)
		noStripes := false
		if err := s.sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: name, StyleName: "TableStyleLight9", ShowRowStripes: &noStripes}); err != nil {
			return err
		}
	}
	return s.sw.Flush()
}

func exportXLSX(ctx context.Context, w io.Writer, o ExportOptions, names map[int64]string) error {
	f := excelize.NewFile()
	defer f.Close()
	const aggSheet, noteSheet, personSheet = "汇总", "说明", "个人明细"
	if err := f.SetSheetName("Sheet1", aggSheet); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	pctStyle, err := f.NewStyle(&excelize.Style{NumFmt: 9}) // 0%
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	numStyle, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	sw, err := newSheetWriter(f, aggSheet, aggWidths, pctStyle, numStyle)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := sw.put(aggHeader); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	var tooFew, complement []string
	t, err := eachAggregate(ctx, o, func(a *ganwei.Aggregate) error {
		if !a.Visible() {
			who := a.Unit
			if who == "" {
				who = "全体"
			}
			switch hiddenNote(a) {
			case noteComplement:
				complement = append(complement, a.Period+" "+who)
			case noteTooFew:
				if a.Responses > 0 {
					tooFew = append(tooFew, a.Period+" "+who)
				}
			}
		}
		return sw.put(aggRow(a))
	})
	if err != nil {
		return err
	}
	if err := sw.finish("汇总表"); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if _, err := f.NewSheet(noteSheet); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := writeNotes(f, noteSheet, o, t, tooFew, complement); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if o.Individual {
		if _, err := f.NewSheet(personSheet); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		sw, err := newSheetWriter(f, personSheet, personWidths, pctStyle, numStyle)
		if err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		if err := sw.put(personHeader); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		err = o.Service.EachCheckIn(ctx, IDs(o.Periods), func(c *ganwei.CheckIn) error { return sw.put(personRow(c, names, o.Location)) })
		if err != nil {
			return err
		}
		if err := sw.finish("明细表"); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	// excelize's WriteTo assembles the whole archive in a bytes.Buffer first (21 MB for a year
	// of 10,000 cadres); a zip writer of our own on w streams it instead. Its zip64 fix-up, which
	// needs that buffer, applies only to sheets over 4 GB.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if _, err := f.WriteTo(io.Discard); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// writeNotes fills the 说明 sheet: what the workbook holds, which groups are hidden and why.
func writeNotes(f *excelize.File, sheet string, o ExportOptions, t *Table, tooFew, complement []string) error {
	first, last := "", ""
	if len(o.Periods) > 0 {
		first, last = o.Periods[0].Label, o.Periods[len(o.Periods)-1].Label
	}
	list := func(xs []string) string {
		const most = 200
		switch {
		case len(xs) == 0:
			return "无"
		case len(xs) > most:
			return strings.Join(xs[:most], "、") + fmt.Sprintf(" 等 %d 个", len(xs))
		}
		return strings.Join(xs, "、")
	}
	lines := []string{
		"关爱问卷导出说明",
		fmt.Sprintf("时间范围：%s 至 %s，共 %d 期；时间按 %s 显示。", first, last, len(o.Periods), o.Location),
		"「汇总」每行是一个周期里全体或一个单位的统计；没有人被邀请也没有人作答的组不列出。",
		"参与率 = 作答人数 ÷ 应答人数；应答人数是本期收到问卷的人，加上未收到但主动填写的人，所以不会超过 100%。",
		"每个问题只统计回答了它的人：中途停下的问卷计入作答人数和已回答的问题。",
		fmt.Sprintf("隐私保护：一个组的统计只有在每项数据都至少有 %d 人回答时才显示，否则只显示人数（备注「%s」）。", ganwei.MinGroupSize, noteTooFew),
		fmt.Sprintf("另外，如果用全体数据减去其他单位就能推算出不足 %d 人的单位，还会再隐藏人数最少的单位，直到推算不出（备注「%s」）。", ganwei.MinGroupSize, noteComplement),
		fmt.Sprintf("仍在进行中的一期只显示人数（备注「%s」）：它的数据随每一份回答变化，前后两次对比就能推算出那一份回答。", noteOpen),
		"因人数不足而不显示的组：" + list(tooFew),
		"为防推算一并不显示的组：" + list(complement),
	}
	if t != nil {
		lines = append(lines, fmt.Sprintf("单位数：%d。", len(t.Units)))
	}
	if o.Individual {
		lines = append(lines, "「个人明细」含每个人的回答，属于敏感个人信息：仅限授权人员使用，请勿转发；本次导出已记入审计日志。")
	}
	if err := f.SetColWidth(sheet, "A", "A", 110); err != nil {
		return err
	}
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetCellStr(sheet, cell, l); err != nil {
			return err
		}
	}
	return nil
}
