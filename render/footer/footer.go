// Package footer draws a notice into the bottom of a picture, such as
// "NOT FOR CLINICAL USE" on a render or a screenshot of a case whose labels
// come from models not stated fit for clinical use. It draws with the Go
// font on the CPU and imports no OpenGL, so that the UI can use it too.
package footer

import (
	"image"
	"image/color"
	"image/draw"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Footer colours: white text on a dark red strip.
var (
	footerBackground = color.RGBA{R: 0x8b, G: 0x10, B: 0x10, A: 0xff}
	footerText       = color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

// footerFace is the Go font at 13 px, parsed once.
var footerFace = sync.OnceValues(func() (font.Face, error) {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: 13, DPI: 72, Hinting: font.HintingFull})
})

// Draw writes text into the bottom of img, over a strip of its own,
// wrapped at word boundaries to the picture's width: the picture keeps its
// size. At most half the picture is given to the strip; lines beyond it
// are cut. An empty text draws nothing.
func Draw(img draw.Image, text string) error {
	if text == "" {
		return nil
	}
	face, err := footerFace()
	if err != nil {
		return err
	}
	b := img.Bounds()
	const pad = 4
	m := face.Metrics()
	lineH := m.Height.Ceil()
	lines := wrap(face, text, b.Dx()-2*pad)
	maxLines := max(1, (b.Dy()/2-2*pad)/lineH)
	lines = lines[:min(len(lines), maxLines)]
	top := b.Max.Y - len(lines)*lineH - 2*pad
	strip := image.Rect(b.Min.X, max(top, b.Min.Y), b.Max.X, b.Max.Y)
	draw.Draw(img, strip, image.NewUniform(footerBackground), image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(footerText), Face: face}
	for i, l := range lines {
		d.Dot = fixed.P(b.Min.X+pad, top+pad+i*lineH+m.Ascent.Ceil())
		d.DrawString(l)
	}
	return nil
}

// wrap splits text into lines no wider than width pixels, at spaces; a
// word wider than a line gets a line of its own (and is cut by the
// picture's edge).
func wrap(face font.Face, text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		next := w
		if line != "" {
			next = line + " " + w
		}
		if line != "" && font.MeasureString(face, next).Ceil() > width {
			lines = append(lines, line)
			next = w
		}
		line = next
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
