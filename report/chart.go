package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
)

// Chart colours: this period dark, the previous one light.
var (
	barColour  = color.RGBA{0x1f, 0x4e, 0x79, 0xff}
	prevColour = color.RGBA{0xa6, 0xc8, 0xe6, 0xff}
	axisColour = color.RGBA{0x88, 0x88, 0x88, 0xff}
)

// ChartPNG draws the chart of Chart as a PNG, for mail clients that do not
// show inline SVG (most of them): the report mail carries it as an inline
// image part. The day labels are in ChartAlt and the HTML around it.
func (r *Report) ChartPNG() ([]byte, error) {
	bars, w, h := r.Chart()
	img := image.NewRGBA(image.Rect(0, 0, w, h-20))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	fill := func(x, y, bw, bh int, c color.Color) {
		draw.Draw(img, image.Rect(x, y, x+bw, y+bh), image.NewUniform(c), image.Point{}, draw.Src)
	}
	for _, b := range bars {
		fill(b.X, b.Y, 14, b.H, barColour)
		fill(b.X+14, b.PrevY, 14, b.PrevH, prevColour)
	}
	fill(5, 110, w-10, 1, axisColour)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("report: chart: %w", err)
	}
	return buf.Bytes(), nil
}

// ChartAlt is the chart in words: each day with its count and the
// previous period's.
func (r *Report) ChartAlt() string {
	bars, _, _ := r.Chart()
	parts := make([]string, 0, len(bars))
	for _, b := range bars {
		parts = append(parts, fmt.Sprintf("%s %d (%d)", b.Label, b.Count, b.Previous))
	}
	return "Held per day, previous period in brackets: " + strings.Join(parts, ", ")
}
