package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"
)

// iconSizes are the hicolor sizes made from the source icon.
var iconSizes = []int{16, 24, 32, 48, 64, 128, 256}

func runIcons(args []string) error {
	fs := flag.NewFlagSet("icons", flag.ContinueOnError)
	src := fs.String("src", "", "source PNG (square, at least 256 px)")
	name := fs.String("name", "", "icon name (the app ID)")
	out := fs.String("out", "", "hicolor folder to fill (SIZExSIZE/apps/NAME.png)")
	ico := fs.String("ico", "", "also write a Windows .ico (48 and 256 px) here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	img, err := readPNG(*src)
	if err != nil {
		return err
	}
	pngs := map[int][]byte{}
	for _, n := range iconSizes {
		b, err := encodePNG(scale(img, n))
		if err != nil {
			return err
		}
		pngs[n] = b
		if *out != "" {
			if err := writeFile(filepath.Join(*out, fmt.Sprintf("%dx%d", n, n), "apps", *name+".png"), b); err != nil {
				return err
			}
		}
	}
	if *ico != "" {
		return writeFile(*ico, icoOf([]int{16, 32, 48, 256}, pngs))
	}
	return nil
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if b := img.Bounds(); b.Dx() != b.Dy() || b.Dx() < 256 {
		return nil, fmt.Errorf("%s: %dx%d, want a square of at least 256 px", path, b.Dx(), b.Dy())
	}
	return img, nil
}

// scale resamples img to n×n pixels (Catmull-Rom).
func scale(img image.Image, n int) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, n, n))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	err := enc.Encode(&b, img)
	return b.Bytes(), err
}

// icoOf packs PNG images into an .ico file (Windows Vista and later read
// PNG entries): a 6-byte header, a 16-byte entry per image, the images.
func icoOf(sizes []int, pngs map[int][]byte) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write(le.AppendUint16(nil, 0))
	b.Write(le.AppendUint16(nil, 1)) // icon
	b.Write(le.AppendUint16(nil, uint16(len(sizes))))
	offset := 6 + 16*len(sizes)
	for _, n := range sizes {
		side := byte(n)
		if n >= 256 {
			side = 0 // 0 means 256
		}
		b.Write([]byte{side, side, 0, 0})
		b.Write(le.AppendUint16(nil, 1))  // colour planes
		b.Write(le.AppendUint16(nil, 32)) // bits per pixel
		b.Write(le.AppendUint32(nil, uint32(len(pngs[n]))))
		b.Write(le.AppendUint32(nil, uint32(offset)))
		offset += len(pngs[n])
	}
	for _, n := range sizes {
		b.Write(pngs[n])
	}
	return b.Bytes()
}

// writeFile writes data to path, making its folder, mode 0644.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
