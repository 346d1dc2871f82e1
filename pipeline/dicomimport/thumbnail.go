package dicomimport

import (
	"fmt"
	"image"
	"math"
)

// Thumbnail is the middle slice of series i of the listing, in the soft
// tissue window (level 40 HU, width 400 HU), scaled down by averaging to
// fit size × size pixels with its aspect kept, as the file stores it (row 0
// at the top). It decodes that one slice only.
func (l *Listing) Thumbnail(i, size int) (*image.Gray, error) {
	if i < 0 || i >= len(l.series) || size < 1 {
		return nil, fmt.Errorf("no series %d in the listing", i)
	}
	s := l.series[i]
	hu, w, h, err := s.ReadSlice(len(s.Instances) / 2)
	if err != nil {
		return nil, err
	}
	scale := float64(max(w, h)) / float64(size)
	tw, th := max(1, int(math.Round(float64(w)/scale))), max(1, int(math.Round(float64(h)/scale)))
	out := image.NewGray(image.Rect(0, 0, tw, th))
	const level, width = 40, 400
	for y := range th {
		y0, y1 := y*h/th, max((y+1)*h/th, y*h/th+1)
		for x := range tw {
			x0, x1 := x*w/tw, max((x+1)*w/tw, x*w/tw+1)
			var sum float64
			for r := y0; r < y1; r++ {
				for _, v := range hu[r*w+x0 : r*w+x1] {
					sum += float64(v)
				}
			}
			mean := sum / float64((y1-y0)*(x1-x0))
			g := (mean - (level - width/2)) / width * 255
			out.Pix[y*out.Stride+x] = uint8(min(255, max(0, math.Round(g))))
		}
	}
	return out, nil
}
