package console

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/ganwei-bot/ganwei/checkin"
)

// trendChart is the trend of the 关爱问卷 page as inline SVG coordinates: no script, no image
// request. Only periods whose figures may be shown get a point; a hidden one breaks the line.
type trendChart struct {
	Width, Height    int
	Wellbeing        []string // polyline point lists, one per unbroken run
	Stress           []string
	WellDots, StDots []dot
	Labels           []axisLabel
	Grid             []axisLabel // the 1..5 scale
	PlotRight        int         // where the grid lines end
}

type dot struct {
	X, Y  float64
	Title string
}

type axisLabel struct {
	X, Y float64
	Text string
}

const (
	chartW, chartH               = 720, 240
	chartLeft, chartRight        = 40, 16
	chartTop, chartBottom        = 16, 36
	chartMinScore, chartMaxScore = 1.0, 5.0
	chartLabelEvery              = 6
)

func newTrendChart(r *checkin.Report) *trendChart {
	c := &trendChart{Width: chartW, Height: chartH, PlotRight: chartW - chartRight}
	n := len(r.Trend)
	if n == 0 {
		return c
	}
	plotW := float64(chartW - chartLeft - chartRight)
	plotH := float64(chartH - chartTop - chartBottom)
	x := func(i int) float64 {
		if n == 1 {
			return chartLeft + plotW/2
		}
		return chartLeft + plotW*float64(i)/float64(n-1)
	}
	y := func(v float64) float64 {
		return chartTop + plotH*(chartMaxScore-v)/(chartMaxScore-chartMinScore)
	}
	for v := 1; v <= 5; v++ {
		c.Grid = append(c.Grid, axisLabel{X: chartLeft - 8, Y: y(float64(v)), Text: fmt.Sprint(v)})
	}
	step := max(1, (n+chartLabelEvery-1)/chartLabelEvery)
	var well, stress []string
	flush := func() {
		if len(well) > 1 {
			c.Wellbeing = append(c.Wellbeing, strings.Join(well, " "))
			c.Stress = append(c.Stress, strings.Join(stress, " "))
		}
		well, stress = nil, nil
	}
	for i, a := range r.Trend {
		if i%step == 0 || i == n-1 {
			c.Labels = append(c.Labels, axisLabel{X: x(i), Y: float64(chartH - 12), Text: r.Periods[i].ID})
		}
		if a == nil || !a.Visible() {
			flush()
			continue
		}
		wy, sy := y(a.WellbeingAvg()), y(a.StressAvg())
		well = append(well, fmt.Sprintf("%.1f,%.1f", x(i), wy))
		stress = append(stress, fmt.Sprintf("%.1f,%.1f", x(i), sy))
		c.WellDots = append(c.WellDots, dot{x(i), wy, fmt.Sprintf("%s 身心状态 %.2f", r.Periods[i].Label, a.WellbeingAvg())})
		c.StDots = append(c.StDots, dot{x(i), sy, fmt.Sprintf("%s 工作压力 %.2f", r.Periods[i].Label, a.StressAvg())})
	}
	flush()
	return c
}

func pathEscape(s string) string { return url.PathEscape(s) }
