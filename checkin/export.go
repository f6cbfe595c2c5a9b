package checkin

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/ganwei-bot/ganwei"
)

// ExportOptions says what to export.
type ExportOptions struct {
	Format     string // "xlsx" (sheets 汇总 and, with Individual, 个人明细) or "csv"
	Service    ganwei.CheckInService
	Users      ganwei.UserService // names for the individual rows
	Periods    []ganwei.Period
	Individual bool // one row per answer: admins only, and the caller writes the audit entry
}

// The header rows are []any like the data rows, so that both writers take them as they are.
var aggHeader = []any{"周期", "单位", "应答人数", "作答人数", "参与率", "身心状态平均", "工作压力平均",
	"身心1", "身心2", "身心3", "身心4", "身心5", "压力1", "压力2", "压力3", "压力4", "压力5",
	"支持充分", "支持部分到位", "支持不足", "待遇都已落实", "待遇有未落实", "希望谈心谈话", "备注"}

var personHeader = []any{"周期", "Telegram ID", "姓名", "单位", "身心状态", "工作压力", "工作支持", "待遇落实", "希望谈心谈话", "补充说明", "填写时间"}

// aggRow renders one aggregate; a group under ganwei.MinGroupSize answers keeps only its counts.
func aggRow(a *ganwei.Aggregate) []any {
	unit := a.Unit
	if unit == "" {
		unit = "全体"
	}
	row := []any{a.Period, unit, a.Eligible, a.Responses}
	if a.Eligible > 0 {
		row = append(row, a.Participation())
	} else {
		row = append(row, "")
	}
	if !a.Visible() {
		for len(row) < len(aggHeader)-1 {
			row = append(row, "")
		}
		return append(row, fmt.Sprintf("作答不足%d人，不显示", ganwei.MinGroupSize))
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

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

func personRow(c *ganwei.CheckIn, names map[int64]string) []any {
	talk := "否"
	if c.Talk {
		talk = "是"
	}
	return []any{c.Period, strconv.FormatInt(c.UserID, 10), names[c.UserID], c.Unit, c.Wellbeing, c.Stress,
		c.Support.Label(), c.Benefits.Label(), talk, c.Note, c.SubmittedAt.Format("2006-01-02 15:04")}
}

// eachAggregate calls fn for everyone's and every unit's aggregate in every period.
func eachAggregate(ctx context.Context, o ExportOptions, fn func(*ganwei.Aggregate) error) error {
	units, err := o.Service.CheckInUnits(ctx)
	if err != nil {
		return err
	}
	ids := IDs(o.Periods)
	for _, unit := range append([]string{""}, units...) {
		aggs, err := o.Service.Aggregates(ctx, ids, unit)
		if err != nil {
			return err
		}
		for _, a := range aggs {
			if err := fn(a); err != nil {
				return err
			}
		}
	}
	return nil
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

// Export writes the check-in data. CSV carries the per-person rows when Individual, otherwise the
// aggregates; xlsx carries the aggregates and, when Individual, a second sheet of per-person rows.
// Rows are streamed, so a year of 10,000 cadres does not sit in memory as cells.
func Export(ctx context.Context, w io.Writer, o ExportOptions) error {
	var names map[int64]string
	if o.Individual {
		var err error
		if names, err = userNames(ctx, o.Users); err != nil {
			return err
		}
	}
	switch o.Format {
	case "csv":
		cw := csv.NewWriter(w)
		write := func(row []any) error {
			rec := make([]string, len(row))
			for i, v := range row {
				if f, ok := v.(float64); ok {
					rec[i] = strconv.FormatFloat(f, 'f', 2, 64)
				} else {
					rec[i] = fmt.Sprint(v)
				}
			}
			return cw.Write(rec)
		}
		var err error
		if o.Individual {
			err = write(personHeader)
			if err == nil {
				err = o.Service.EachCheckIn(ctx, IDs(o.Periods), func(c *ganwei.CheckIn) error { return write(personRow(c, names)) })
			}
		} else {
			err = write(aggHeader)
			if err == nil {
				err = eachAggregate(ctx, o, func(a *ganwei.Aggregate) error { return write(aggRow(a)) })
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

func exportXLSX(ctx context.Context, w io.Writer, o ExportOptions, names map[int64]string) error {
	f := excelize.NewFile()
	defer f.Close()
	const aggSheet = "汇总"
	if err := f.SetSheetName("Sheet1", aggSheet); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(aggSheet)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	row := 1
	put := func(sw *excelize.StreamWriter, vals []any) error {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		return sw.SetRow(cell, vals)
	}
	if err := put(sw, aggHeader); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := eachAggregate(ctx, o, func(a *ganwei.Aggregate) error { return put(sw, aggRow(a)) }); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if o.Individual {
		const personSheet = "个人明细"
		if _, err := f.NewSheet(personSheet); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		sw, err := f.NewStreamWriter(personSheet)
		if err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		row = 1
		if err := put(sw, personHeader); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		err = o.Service.EachCheckIn(ctx, IDs(o.Periods), func(c *ganwei.CheckIn) error { return put(sw, personRow(c, names)) })
		if err != nil {
			return err
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}
