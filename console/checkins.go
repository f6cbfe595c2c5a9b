package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/checkin"
)

// periodChoices are the lengths the period picker offers; the first is the default.
var periodChoices = []int{8, 4, 13, 26, 52}

// checkInRow is one line of a table: a group in a period, with its figures only when they may be
// shown (the same Aggregate.Visible rule as the bot: no group under 3, no differencing, no
// running period).
type checkInRow struct {
	Label   string
	Agg     *ganwei.Aggregate
	Visible bool
	Hidden  string // why the figures are hidden
}

type checkInsData struct {
	Report  *checkin.Report
	Unit    unitChoice
	N       int
	Choices []int
	Trend   []checkInRow // newest first
	Units   []checkInRow
	Chart   *trendChart
	Change  struct {
		Wellbeing, Stress float64
		OK                bool
	}
}

// periodsParam reads ?n=, defaulting to the first choice and accepting only the choices.
func periodsParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || !slices.Contains(periodChoices, n) {
		return periodChoices[0]
	}
	return n
}

func row(label string, a *ganwei.Aggregate) checkInRow {
	return checkInRow{Label: label, Agg: a, Visible: a.Visible(), Hidden: hiddenReason(a)}
}

// hiddenReason says why a group's figures are not shown (the bot's words, shortened for a cell).
func hiddenReason(a *ganwei.Aggregate) string {
	switch {
	case a.Visible():
		return ""
	case a.Open:
		return "本期进行中，结束后显示"
	case a.Responses == 0:
		return "暂无作答"
	case a.Responses < ganwei.MinGroupSize || a.Small():
		return fmt.Sprintf("作答不足%d人，不显示", ganwei.MinGroupSize)
	default:
		return fmt.Sprintf("为防止推算出不足%d人的单位，一并不显示", ganwei.MinGroupSize)
	}
}

// summaryData asks the service for the report (checked and audited there) and lays it out.
func (s *Server) summaryData(r *http.Request) (*checkInsData, error) {
	n := periodsParam(r)
	unit := unitParam(r)
	rep, err := s.Staff.Summary(r.Context(), unit.Unit, n)
	if err != nil {
		return nil, err
	}
	d := &checkInsData{Report: rep, Unit: unit, N: n, Choices: periodChoices, Chart: newTrendChart(rep)}
	for i := len(rep.Trend) - 1; i >= 0; i-- {
		d.Trend = append(d.Trend, row(rep.Periods[i].Label, rep.Trend[i]))
	}
	d.Units = unitRows(rep.Units)
	d.Change.Wellbeing, d.Change.OK = checkin.Change(rep.Previous, rep.Earlier, (*ganwei.Aggregate).WellbeingAvg)
	d.Change.Stress, _ = checkin.Change(rep.Previous, rep.Earlier, (*ganwei.Aggregate).StressAvg)
	return d, nil
}

// checkIns is the 关爱问卷 page.
func (s *Server) checkIns(w http.ResponseWriter, r *http.Request) {
	d, err := s.summaryData(r)
	if err != nil {
		s.fail(w, r, "check-in summary", err)
		return
	}
	s.render(w, r, http.StatusOK, "checkins", "关爱问卷", "checkins", d)
}

// unitRows are the units that had anyone to ask or any answer, as the bot lists them.
func unitRows(units []*ganwei.Aggregate) []checkInRow {
	var rows []checkInRow
	for _, u := range units {
		if u.Responses > 0 || u.Eligible > 0 {
			rows = append(rows, row(u.Unit, u))
		}
	}
	return rows
}
