package checkin

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/golang/freetype/truetype"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// chartFont is WenQuanYi Micro Hei (Apache 2.0, Debian package fonts-wqy-microhei) cut down to
// ASCII and the Chinese characters the chart prints, so the binary grows by about 20 KB instead
// of 5 MB. Regenerate it after changing chartText (see font/README.md).
//
//go:embed font/wqy-microhei-subset.ttf
var chartFont []byte

// chartText is every Chinese string the chart draws; the embedded font has exactly these glyphs.
// Unit names are not drawn (they are arbitrary): they go into the photo's caption.
var chartText = struct{ title, y, wellbeing, stress, participation string }{
	title: "关爱问卷近期趋势", y: "平均分", wellbeing: "身心状态", stress: "工作压力", participation: "参与率",
}

var (
	fontOnce sync.Once
	cjk      *truetype.Font
	fontErr  error
)

// loadFont parses the embedded font on first use, so that a bot that never draws a chart pays
// nothing for it.
func loadFont() (*truetype.Font, error) {
	fontOnce.Do(func() {
		cjk, fontErr = truetype.Parse(chartFont)
		if fontErr != nil {
			fontErr = fmt.Errorf("parse chart font: %w", fontErr)
		}
	})
	return cjk, fontErr
}

// scoreTicks label the 1..5 scale and, on the same marks, the participation rate (0% at 1, 100%
// at 5); the unlabelled ends leave room below 1 and, above 5, for the legend.
var scoreTicks = []chart.Tick{{Value: 0.7}, {Value: 1, Label: "1 | 0%"}, {Value: 2, Label: "2"}, {Value: 3, Label: "3 | 50%"},
	{Value: 4, Label: "4"}, {Value: 5, Label: "5 | 100%"}, {Value: 5.9}}

// Series colours: green for wellbeing (higher is better), red for stress (higher is worse).
var (
	wellbeingColor = drawing.Color{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}
	stressColor    = drawing.Color{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
)

// trendData is what the chart draws, separated from drawing so that it can be tested: the
// periods from the first one anyone was asked in or answered (no empty slots before it), runs of
// consecutive visible periods for the averages, and participation where it is known.
type trendData struct {
	periods []string // x labels
	runs    []trendRun
	partX   []float64
	partY   []float64 // participation, 0..1
}

type trendRun struct{ x, well, stress []float64 }

func buildTrend(r *Report) trendData {
	first := len(r.Trend)
	for i, a := range r.Trend {
		if a.Responses > 0 || a.Eligible > 0 {
			first = i
			break
		}
	}
	var d trendData
	prev := -2
	for i := first; i < len(r.Trend); i++ {
		a, x := r.Trend[i], float64(i-first)
		label := r.Periods[i].ID
		if j := strings.Index(label, "-"); j >= 0 && len(r.Periods) > 1 {
			label = label[j+1:] // "W48": the year is in the caption's period
		}
		d.periods = append(d.periods, label)
		if a.Eligible > 0 {
			d.partX = append(d.partX, x)
			d.partY = append(d.partY, a.Participation())
		}

		// A hidden period is a gap, not a line drawn across it.
		if !a.Visible() {
			continue
		}
		if i != prev+1 {
			d.runs = append(d.runs, trendRun{})
		}
		prev = i
		last := &d.runs[len(d.runs)-1]
		last.x = append(last.x, x)
		last.well = append(last.well, a.WellbeingAvg())
		last.stress = append(last.stress, a.StressAvg())
	}
	return d
}

// participationColor is the participation line: blue, thinner than the scores.
var participationColor = drawing.Color{R: 0x15, G: 0x65, B: 0xc0, A: 0xff}

// TrendChart draws the report's trend as a PNG: average 身心状态 and 工作压力 per period, only for
// visible periods, and the participation rate on a second axis. It starts at the first period
// anyone was asked in or answered, and returns nil without an error when there is nothing to draw.
//
// It uses go-chart rather than gonum/plot: gonum/plot parses its own embedded fonts when the
// program starts, which cost the idle bot about 4 MB of memory for one picture.
func TrendChart(r *Report) ([]byte, error) {
	f, err := loadFont()
	if err != nil {
		return nil, err
	}
	d := buildTrend(r)
	if len(d.runs) == 0 && len(d.partX) == 0 {
		return nil, nil
	}
	style := func(c drawing.Color) chart.Style {
		return chart.Style{StrokeColor: c, StrokeWidth: 2.5, DotColor: c, DotWidth: 3.5}
	}
	var series, named []chart.Series
	for i, rn := range d.runs {
		w := chart.ContinuousSeries{XValues: rn.x, YValues: rn.well, Style: style(wellbeingColor)}
		s := chart.ContinuousSeries{XValues: rn.x, YValues: rn.stress, Style: style(stressColor)}
		if i == 0 {
			w.Name, s.Name = chartText.wellbeing, chartText.stress
			named = append(named, w, s)
		}
		series = append(series, w, s)
	}
	if len(d.partX) > 0 {
		// Participation is drawn in the scores' units (0% at 1, 100% at 5), and the score
		// ticks carry the percentages too: go-chart v2.1.2 draws a secondary axis wrongly (it
		// sizes it by the primary axis's ticks and then loses the primary axis).
		y := make([]float64, len(d.partY))
		for i, p := range d.partY {
			y[i] = 1 + 4*p
		}
		p := chart.ContinuousSeries{Name: chartText.participation, XValues: d.partX, YValues: y,
			Style: chart.Style{StrokeColor: participationColor, StrokeWidth: 1.5, DotColor: participationColor, DotWidth: 2.5}}
		series = append(series, p)
		named = append(named, p)
	}
	// Empty ticks half a period beyond each end keep the first and last points off the axes.
	n := len(d.periods)
	ticks := make([]chart.Tick, n, n+2)
	for i, label := range d.periods {
		ticks[i] = chart.Tick{Value: float64(i), Label: label}
	}
	ticks = append([]chart.Tick{{Value: -0.5}}, append(ticks, chart.Tick{Value: float64(n) - 0.5})...)
	grid := chart.Style{StrokeColor: drawing.Color{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}, StrokeWidth: 1}
	graph := chart.Chart{
		Width: 800, Height: 400, Font: f,
		Title:      chartText.title,
		TitleStyle: chart.Style{FontSize: 14},
		Background: chart.Style{Padding: chart.Box{Top: 50, Left: 20, Right: 30, Bottom: 10}},
		XAxis: chart.XAxis{
			Range: &chart.ContinuousRange{Min: -0.5, Max: float64(n) - 0.5},
			Ticks: ticks, Style: chart.Style{FontSize: 9},
		},
		YAxis: chart.YAxis{
			Name: chartText.y, NameStyle: chart.Style{FontSize: 10}, Style: chart.Style{FontSize: 9},
			Ticks:          scoreTicks,
			GridMajorStyle: grid,
			GridLines:      []chart.GridLine{{Value: 1}, {Value: 2}, {Value: 3}, {Value: 4}, {Value: 5}},
		},
		Series: series,
	}
	// The legend lists each measure once, not once per run between gaps.
	graph.Elements = []chart.Renderable{chart.Legend(&chart.Chart{Series: named}, chart.Style{FontSize: 10})}
	var buf bytes.Buffer
	if err := graph.Render(chart.PNG, &buf); err != nil {
		return nil, fmt.Errorf("draw chart: %w", err)
	}
	return buf.Bytes(), nil
}
