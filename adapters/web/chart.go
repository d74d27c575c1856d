package web

import (
	"fmt"
	"html/template"
	"strings"
)

// bar is one bar of a chart.
type bar struct {
	Label string
	Value int
}

// Chart geometry, in SVG user units: the drawing scales to its box.
const (
	chartW, chartH = 360, 240
	plotL, plotR   = 44, 350 // the plot's left and right edges
	plotT, plotB   = 30, 190 // its top and bottom (the x axis)
)

// funnelSVG draws a bar chart: a title, a y axis with its ticks and label,
// each bar with its number on it and its label under it. Every text is
// escaped; the numbers come from the store.
func funnelSVG(title, yLabel string, bars []bar) template.HTML {
	esc := template.HTMLEscapeString
	max := 0
	for _, b := range bars {
		max = maxInt(max, b.Value)
	}
	top := niceCeil(max)
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" class="funnel">`, chartW, chartH, esc(title))
	fmt.Fprintf(&s, `<title>%s</title>`, esc(title))
	fmt.Fprintf(&s, `<text x="%d" y="16" font-size="13" font-weight="bold" fill="#1d2430">%s</text>`, plotL-36, esc(title))
	// The y axis: four ticks from 0 to top, with grid lines.
	for i := 0; i <= 4; i++ {
		v := top * i / 4
		y := plotB - (plotB-plotT)*i/4
		fmt.Fprintf(&s, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#e3e6eb"/>`, plotL, y, plotR, y)
		fmt.Fprintf(&s, `<text x="%d" y="%d" font-size="10" text-anchor="end" fill="#5b6676" class="tick">%d</text>`, plotL-4, y+3, v)
	}
	fmt.Fprintf(&s, `<text transform="translate(10 %d) rotate(-90)" font-size="10" text-anchor="middle" fill="#5b6676">%s</text>`, (plotT+plotB)/2, esc(yLabel))
	fmt.Fprintf(&s, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#5b6676"/>`, plotL, plotT, plotL, plotB)
	fmt.Fprintf(&s, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#5b6676"/>`, plotL, plotB, plotR, plotB)
	colors := []string{"#3367d6", "#4a86e8", "#6fa8f0", "#2e9d5b", "#d9822b"}
	slot := (plotR - plotL) / maxInt(len(bars), 1)
	for i, b := range bars {
		h := 0
		if top > 0 {
			h = (plotB - plotT) * b.Value / top
		}
		x := plotL + slot*i + slot/6
		w := slot * 2 / 3
		fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" class="bar" data-value="%d"/>`, x, plotB-h, w, h, colors[i%len(colors)], b.Value)
		fmt.Fprintf(&s, `<text x="%d" y="%d" font-size="11" font-weight="bold" text-anchor="middle" fill="#1d2430" class="value">%d</text>`, x+w/2, plotB-h-4, b.Value)
		for j, line := range wrapLabel(b.Label) {
			fmt.Fprintf(&s, `<text x="%d" y="%d" font-size="10" text-anchor="middle" fill="#1d2430" class="label">%s</text>`, x+w/2, plotB+14+12*j, esc(line))
		}
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// wrapLabel breaks a bar's label in two lines at its middle space, if it has one.
func wrapLabel(label string) []string {
	if len([]rune(label)) <= 12 {
		return []string{label}
	}
	mid := len(label) / 2
	best := -1
	for i, r := range label {
		if r == ' ' && (best < 0 || abs(i-mid) < abs(best-mid)) {
			best = i
		}
	}
	if best < 0 {
		return []string{label}
	}
	return []string{label[:best], label[best+1:]}
}

// niceCeil rounds n up to a number that divides into four even ticks.
func niceCeil(n int) int {
	if n <= 4 {
		return 4
	}
	step := 1
	for step*10 < n {
		step *= 10
	}
	for _, f := range []int{1, 2, 4, 5, 8, 10} {
		if c := step * f; c >= n && c%4 == 0 {
			return c
		}
	}
	return (n + 3) / 4 * 4
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
