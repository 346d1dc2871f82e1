package footer

import (
	"image"
	"image/color"
	"image/draw"
	"testing"
)

// grey is the picture's own colour in these tests.
var grey = color.RGBA{40, 40, 40, 255}

func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(grey), image.Point{}, draw.Src)
	return img
}

// rowsOf counts the rows from the bottom that are the footer's: its
// background with some text pixels, or the background alone.
func footerRows(img *image.RGBA) (rows, textPixels int) {
	b := img.Bounds()
	for y := b.Max.Y - 1; y >= b.Min.Y; y-- {
		ours := true
		for x := b.Min.X; x < b.Max.X; x++ {
			switch p := img.RGBAAt(x, y); {
			case p == grey:
				ours = false
			case p != footerBackground:
				textPixels++
			}
		}
		if !ours {
			return rows, textPixels
		}
		rows++
	}
	return rows, textPixels
}

func TestDrawWritesTheNoticeIntoTheBottom(t *testing.T) {
	img := picture(400, 120)
	if err := Draw(img, "NOT FOR CLINICAL USE — labels from demo-vessels 1.0.0"); err != nil {
		t.Fatal(err)
	}
	rows, text := footerRows(img)
	if rows < 13 || rows > 30 || text < 100 {
		t.Fatalf("footer of %d rows with %d text pixels, want one line of text (13-30 rows)", rows, text)
	}
	if img.RGBAAt(200, 10) != grey || img.Bounds() != image.Rect(0, 0, 400, 120) {
		t.Error("the footer changed the picture above it or its size")
	}
}

func TestDrawWrapsToTheWidthAndKeepsToHalfThePicture(t *testing.T) {
	long := "NOT FOR CLINICAL USE — labels from demo-organs 1.0.0, demo-tumour 1.0.0, demo-ureter 1.0.0, demo-vessels 1.0.0: demonstration only; trained on synthetic phantoms — not for clinical use"
	one := picture(2000, 200)
	narrow := picture(200, 200)
	for _, img := range []*image.RGBA{one, narrow} {
		if err := Draw(img, long); err != nil {
			t.Fatal(err)
		}
	}
	r1, _ := footerRows(one)
	r2, _ := footerRows(narrow)
	if r2 < 3*r1 || r2 > 100 {
		t.Errorf("footer rows: %d on a wide picture, %d on a narrow one; want several wrapped lines, at most half the picture", r1, r2)
	}
}

func TestDrawWithoutTextDrawsNothing(t *testing.T) {
	img := picture(50, 50)
	if err := Draw(img, ""); err != nil {
		t.Fatal(err)
	}
	if rows, _ := footerRows(img); rows != 0 {
		t.Errorf("%d footer rows for no text", rows)
	}
}
