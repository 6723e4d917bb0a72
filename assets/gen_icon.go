//go:build ignore

// gen_icon draws assets/icon.png, the application icon: two interlocking
// rings (an intern and a poste, matched) over a blue rounded square, with a
// check mark. Run: go generate ./assets
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const size = 512

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4 // supersampling per axis
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					px := float64(x) + (float64(sx)+0.5)/ss
					py := float64(y) + (float64(sy)+0.5)/ss
					c := sample(px, py)
					r += c[0] * c[3]
					g += c[1] * c[3]
					b += c[2] * c[3]
					a += c[3]
				}
			}
			n := float64(ss * ss)
			if a > 0 {
				r, g, b = r/a, g/a, b/a
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(r*255 + 0.5), uint8(g*255 + 0.5), uint8(b*255 + 0.5), uint8(a/n*255 + 0.5)})
		}
	}
	f, err := os.Create("icon.png")
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// sample returns the premultiplication-free colour (r, g, b, alpha) at a point.
func sample(x, y float64) [4]float64 {
	// Rounded square with a margin, vertical gradient from blue to deep blue.
	const m, rad = 24.0, 96.0
	if !inRoundRect(x, y, m, m, size-m, size-m, rad) {
		return [4]float64{0, 0, 0, 0}
	}
	t := (y - m) / (size - 2*m)
	bg := [4]float64{mix(0.16, 0.07, t), mix(0.45, 0.25, t), mix(0.85, 0.55, t), 1}
	white := [4]float64{1, 1, 1, 1}
	teal := [4]float64{0.35, 0.88, 0.72, 1}
	// Two interlocking rings.
	const ry, rr, w = 228.0, 112.0, 30.0
	d1 := math.Hypot(x-196, y-ry)
	d2 := math.Hypot(x-316, y-ry)
	on1 := math.Abs(d1-rr) < w/2
	on2 := math.Abs(d2-rr) < w/2
	// Interlock: ring 2 passes over ring 1 in the upper crossing, under it
	// in the lower one.
	switch {
	case on1 && on2:
		if y < ry {
			return teal
		}
		return white
	case on2:
		// gap around ring 1 where ring 1 passes over
		if y >= ry && math.Abs(d1-rr) < w/2+8 {
			return bg
		}
		return teal
	case on1:
		if y < ry && math.Abs(d2-rr) < w/2+8 {
			return bg
		}
		return white
	}
	// A check mark under the rings.
	if distSeg(x, y, 196, 412, 236, 448) < 14 || distSeg(x, y, 236, 448, 320, 372) < 14 {
		return white
	}
	return bg
}

func mix(a, b, t float64) float64 { return a + (b-a)*t }

func inRoundRect(x, y, x0, y0, x1, y1, r float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return math.Hypot(x-cx, y-cy) <= r
}

func distSeg(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := ((px-ax)*dx + (py-ay)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}
