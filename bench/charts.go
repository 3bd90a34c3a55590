package main

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The charts are drawn from results alone (never from the run's state), so
// -render can redraw them from a saved results.json.

// One colour per provider across all charts, so a reader learns them once.
var (
	colorOpentact = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff} // blue
	colorSetting  = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff} // green
	colorRestapi  = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff} // orange
	colorFloor    = color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff} // grey
	colorLimit    = color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff} // purple
	colorIdeal    = color.RGBA{R: 0xd0, G: 0xd0, B: 0xd0, A: 0xff} // light grey
)

const (
	chartWidth  = 16 * vg.Centimeter
	chartHeight = 10 * vg.Centimeter
)

// renderCharts writes the SVG charts the results have figures for and
// returns their paths.
func renderCharts(res *results, dir string) ([]string, error) {
	var files []string
	for _, lat := range lifecycleLatencies(res.Lifecycle) {
		path := filepath.Join(dir, fmt.Sprintf("lifecycle-%dms.svg", lat))
		if err := lifecycleChart(res.Lifecycle, lat, path); err != nil {
			return files, err
		}
		files = append(files, path)
	}
	for _, limit := range rateLimits(res.RateLimited) {
		for _, name := range []string{"apply", "destroy"} {
			path := filepath.Join(dir, fmt.Sprintf("ratelimit-%s-%srps.svg", name, rps(limit)))
			if err := rateChart(res.RateLimited, limit, name, path); err != nil {
				return files, err
			}
			files = append(files, path)
		}
	}
	return files, nil
}

// newPlot is a plot in the charts' common style.
func newPlot() *plot.Plot {
	// A sans-serif face reads better at chart sizes than the default serif;
	// plot.New and the labels read these defaults when they are made.
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	plotter.DefaultFont = plot.DefaultFont
	p := plot.New()
	p.Title.Padding = vg.Points(8)
	return p
}

func lifecycleLatencies(records []lifecycleRecord) []int {
	var out []int
	for _, r := range records {
		if !noAPI(r.Provider) && !slices.Contains(out, r.LatencyMs) {
			out = append(out, r.LatencyMs)
		}
	}
	slices.Sort(out)
	return out
}

func rateLimits(records []rateRecord) []float64 {
	var out []float64
	for _, r := range records {
		if !slices.Contains(out, r.LimitRPS) {
			out = append(out, r.LimitRPS)
		}
	}
	slices.Sort(out)
	return out
}

// lifecycleChart is apply + plan + destroy time against N at one latency:
// this provider, restapi, time_static as the limit a provider can reach,
// and terraform_data as Terraform's own floor (the last two have no API, so
// their 0 ms figures serve every latency).
func lifecycleChart(records []lifecycleRecord, lat int, path string) error {
	p := newPlot()
	p.Title.Text = fmt.Sprintf("Lifecycle of N SIP users (apply + plan + destroy), API latency %d ms", lat)
	p.X.Label.Text = "users (N)"
	p.Y.Label.Text = "seconds"
	p.Y.Min = 0
	p.Y.Tick.Marker = roundTicks{}
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = true, true
	series := []struct {
		provider, label string
		color           color.Color
	}{
		{"opentact", "opentact (this provider)", colorOpentact},
		{"restapi", "restapi v1.20.0", colorRestapi},
		{"time_static", "time_static, time v0.14.2 (limit: framework, no API)", colorLimit},
		{"terraform_data", "terraform_data (floor: no plugin, no API)", colorFloor},
	}
	for _, s := range series {
		// The last record for each N wins, so merged results can override.
		byN := map[int]float64{}
		for _, r := range records {
			if r.Provider == s.provider && (r.LatencyMs == lat || noAPI(s.provider)) {
				if noAPI(r.Provider) && r.LatencyMs != 0 {
					continue
				}
				byN[r.N] = r.seconds()
			}
		}
		if len(byN) == 0 {
			continue
		}
		var xys plotter.XYs
		for _, n := range sortedKeys(byN) {
			xys = append(xys, plotter.XY{X: float64(n), Y: byN[n]})
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		line.Color, points.Color = s.color, s.color
		line.Width = vg.Points(1.5)
		points.Shape = draw.CircleGlyph{}
		p.Add(line, points)
		p.Legend.Add(s.label, line, points)
	}
	p.X.Min = 0
	p.Y.Max = roundUp(p.Y.Max * 1.1)
	return p.Save(chartWidth, chartHeight, path)
}

// rateGroup is one group of bars: the rows run at one N and -parallelism.
type rateGroup struct{ n, parallelism int }

// rateBar is one series of the grouped bar chart.
type rateBar struct {
	row, label string
	color      color.Color
}

// rateChart is one command's wall time under one rate limit, grouped by N
// and -parallelism: the ideal (requests ÷ limit) next to each provider
// row. restapi with its defaults is left out: without a limiter and without
// retries it fails at once, so its time says nothing. A failed command's bar
// is labelled "failed"; the others carry the share of requests answered 429.
func rateChart(records []rateRecord, limit float64, name, path string) error {
	var groups []rateGroup
	byRow := map[string]map[rateGroup]rateRecord{}
	for _, r := range records {
		if r.LimitRPS != limit {
			continue
		}
		g := rateGroup{r.N, r.Parallelism}
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
		if byRow[r.Row] == nil {
			byRow[r.Row] = map[rateGroup]rateRecord{}
		}
		byRow[r.Row][g] = r
	}
	slices.SortFunc(groups, func(a, b rateGroup) int {
		return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.parallelism, b.parallelism))
	})

	bars := []rateBar{{"ideal", "ideal: this provider's requests ÷ limit", colorIdeal}}
	for _, b := range []rateBar{
		{"adaptive", "opentact, adaptive", colorOpentact},
		{"setting", "opentact, max_requests_per_second = " + rps(limit), colorSetting},
		{"restapi", "restapi, rate_limit = " + rps(limit), colorRestapi},
	} {
		if len(byRow[b.row]) > 0 {
			bars = append(bars, b)
		}
	}

	p := newPlot()
	p.Title.Text = fmt.Sprintf("terraform %s under a limit of %s requests/s", name, rps(limit))
	p.Y.Label.Text = "seconds"
	p.Y.Min = 0
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Tick.Marker = roundTicks{}
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil // the groups are categories, not a scale
	p.Add(grid)
	labels := make([]string, len(groups))
	for i, g := range groups {
		labels[i] = fmt.Sprintf("N=%d\n-parallelism=%d", g.n, g.parallelism)
	}
	width := vg.Points(min(18, 300/float64(len(bars)*max(len(groups), 1))))
	for i, bar := range bars {
		values := make(plotter.Values, len(groups))
		var notes plotter.XYLabels
		for gi, g := range groups {
			if bar.row == "ideal" {
				values[gi] = idealFor(byRow, g, name, limit)
				continue
			}
			r, ok := byRow[bar.row][g]
			if !ok {
				continue
			}
			c, _ := r.command(name)
			values[gi] = c.Seconds
			note := fmt.Sprintf("%.0f%%", share(c.RateLimited, c.Requests))
			if r.failed(c) {
				note = "failed"
			}
			notes.XYs = append(notes.XYs, plotter.XY{X: float64(gi), Y: c.Seconds})
			notes.Labels = append(notes.Labels, note)
		}
		chart, err := plotter.NewBarChart(values, width)
		if err != nil {
			return err
		}
		offset := (float64(i) - float64(len(bars)-1)/2) * float64(width)
		chart.Offset = vg.Length(offset)
		chart.Color = bar.color
		chart.LineStyle.Width = 0
		p.Add(chart)
		p.Legend.Add(bar.label, chart)
		if len(notes.XYs) > 0 {
			l, err := plotter.NewLabels(notes)
			if err != nil {
				return err
			}
			for j := range l.TextStyle {
				l.TextStyle[j].Font.Size = vg.Points(7)
				l.TextStyle[j].Rotation = math.Pi / 2
				l.TextStyle[j].XAlign = text.XLeft
				l.TextStyle[j].YAlign = text.YCenter
			}
			l.Offset = vg.Point{X: vg.Length(offset), Y: vg.Points(2)}
			p.Add(l)
		}
	}
	p.NominalX(labels...)
	// Room at both ends for the outer groups' bars and labels.
	p.X.Min, p.X.Max = -0.7, float64(len(labels))-0.3
	p.Legend.Add("above a bar: share of requests answered 429")
	// Room above the tallest bar for its label and the legend, on a round
	// figure so that the axis gets regular ticks.
	p.Y.Max = roundUp(p.Y.Max * 1.35)
	return p.Save(chartWidth, chartHeight, path)
}

// idealFor is the ideal time of a command: the requests it needed ÷ the
// limit, from this provider's adaptive row (or any row that has it).
func idealFor(byRow map[string]map[rateGroup]rateRecord, g rateGroup, name string, limit float64) float64 {
	for _, row := range rateRows {
		if r, ok := byRow[row][g]; ok {
			if c, ok := r.command(name); ok {
				return float64(c.needed()) / limit
			}
		}
	}
	return 0
}

// roundUp is the smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 times a power of ten
// that is at least v.
func roundUp(v float64) float64 {
	if v <= 0 {
		return 1
	}
	scale := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 3, 4, 5, 6, 8, 10} {
		if m*scale >= v-1e-9 {
			return m * scale
		}
	}
	return 10 * scale
}

// roundTicks labels an axis of seconds every 1, 2 or 5 times a power of
// ten, about five labels, with no needless decimals.
type roundTicks struct{}

func (roundTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi <= lo {
		return nil
	}
	raw := (hi - lo) / 5
	scale := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * scale
	for _, m := range []float64{1, 2, 5} {
		if m*scale >= raw {
			step = m * scale
			break
		}
	}
	decimals := max(0, int(-math.Floor(math.Log10(step))))
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi+step*1e-9; k++ {
		v := k * step
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
		if minor := v + step/2; minor < hi {
			ticks = append(ticks, plot.Tick{Value: minor})
		}
	}
	return ticks
}

func sortedKeys(m map[int]float64) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
