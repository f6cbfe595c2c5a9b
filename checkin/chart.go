package checkin

import (
	"bytes"
	_ "embed"
	"fmt"
	"image/color"
	"strings"
	"sync"

	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
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
	fontErr  error
	cjk      = font.Font{Typeface: "wqy-microhei-subset"}
)

func loadFont() error {
	fontOnce.Do(func() {
		f, err := opentype.Parse(chartFont)
		if err != nil {
			fontErr = fmt.Errorf("parse chart font: %w", err)
			return
		}
		font.DefaultCache.Add(font.Collection{{Font: cjk, Face: f}})
	})
	return fontErr
}

// TrendChart draws the report's trend as a PNG: average 身心状态 and 工作压力 per period, only for
// periods with at least ganwei.MinGroupSize answers. It returns nil without an error when no
// period can be shown.
func TrendChart(r *Report) ([]byte, error) {
	if err := loadFont(); err != nil {
		return nil, err
	}
	// Runs of consecutive visible periods: a hidden period is a gap, not a line drawn across it.
	var well, stress []plotter.XYs
	prev := -2
	for i, a := range r.Trend {
		if !a.Visible() {
			continue
		}
		if i != prev+1 {
			well, stress = append(well, nil), append(stress, nil)
		}
		prev = i
		well[len(well)-1] = append(well[len(well)-1], plotter.XY{X: float64(i), Y: a.WellbeingAvg()})
		stress[len(stress)-1] = append(stress[len(stress)-1], plotter.XY{X: float64(i), Y: a.StressAvg()})
	}
	if len(well) == 0 {
		return nil, nil
	}
	p := plot.New()
	style := func(t *draw.TextStyle, size vg.Length) { t.Font = font.From(cjk, size) }
	p.Title.Text = chartText.title
	style(&p.Title.TextStyle, 16)
	p.Y.Label.Text = chartText.y
	style(&p.Y.Label.TextStyle, 12)
	style(&p.X.Tick.Label, 10)
	style(&p.Y.Tick.Label, 10)
	style(&p.Legend.TextStyle, 12)
	p.X.Min, p.X.Max = -0.5, float64(len(r.Trend))-0.5
	ticks := make([]plot.Tick, len(r.Periods))
	for i, per := range r.Periods {
		label := per.ID
		if j := strings.Index(label, "-"); j >= 0 && len(r.Periods) > 1 {
			label = label[j+1:] // "W48": the year is in the caption's period
		}
		ticks[i] = plot.Tick{Value: float64(i), Label: label}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 1, Label: "1"}, {Value: 2, Label: "2"}, {Value: 3, Label: "3"}, {Value: 4, Label: "4"}, {Value: 5, Label: "5"}})
	p.Add(plotter.NewGrid())
	for _, s := range []struct {
		name string
		runs []plotter.XYs
		c    color.RGBA
	}{{chartText.wellbeing, well, color.RGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}}, {chartText.stress, stress, color.RGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}}} {
		for i, run := range s.runs {
			l, pts, err := plotter.NewLinePoints(run)
			if err != nil {
				return nil, fmt.Errorf("chart line: %w", err)
			}
			l.Color, l.Width = s.c, vg.Points(2)
			pts.Color, pts.Shape, pts.Radius = s.c, draw.CircleGlyph{}, vg.Points(3)
			p.Add(l, pts)
			if i == 0 {
				p.Legend.Add(s.name, l, pts)
			}
		}
	}
	// Scores are 1..5; the headroom above 5 keeps the legend off the lines.
	p.Y.Min, p.Y.Max = 0.8, 5.8
	p.Legend.Top, p.Legend.XOffs, p.Legend.YOffs = true, -vg.Points(8), -vg.Points(4)
	c := vgimg.New(8*vg.Inch, 4*vg.Inch)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode chart: %w", err)
	}
	return buf.Bytes(), nil
}
