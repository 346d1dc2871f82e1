package render

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"strconv"
	"strings"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labels"
	"kidney3d/render/footer"
)

// Snapshot renders one w×h picture of a case's meshes from a standard view
// framed on the kidneys and tumour (FramedView, labels.Focus), each
// structure at its colour's opacity, with Surgical's cues, with a renderer of its own, and draws into its bottom the case's notice
// for the structures shown (casefile.Case.Notice; footer.Draw), such as
// "NOT FOR CLINICAL USE". It fails when the case has no meshes
// (ErrNoMeshes) or there is no OpenGL.
func Snapshot(caseDir string, view View, w, h int) (*image.RGBA, error) {
	imgs, err := Snapshots(caseDir, []View{view}, w, h)
	if err != nil {
		return nil, err
	}
	return imgs[0], nil
}

// Snapshots are Snapshot's pictures from several views, the meshes read
// and the renderer made once for all.
func Snapshots(caseDir string, views []View, w, h int) ([]*image.RGBA, error) {
	objs, err := LoadMeshes(caseDir)
	if err != nil {
		return nil, err
	}
	c, err := casefile.Open(caseDir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(objs))
	for i, o := range objs {
		names[i] = o.Name
	}
	notice, err := c.Notice(names)
	if err != nil {
		return nil, err
	}
	r, err := NewRenderer()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	s := NewScene(objs)
	r.SetScene(s)
	var out []*image.RGBA
	for _, v := range views {
		img, err := r.RenderSync(Surgical(Request{Width: w, Height: h, Camera: FramedView(v, s, labels.Focus)}))
		if err != nil {
			return nil, err
		}
		if err := footer.Draw(img, notice); err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	return out, nil
}

// Surgical is req with the surgeon's cues: the orientation marker, and
// the lesions (labels.Lesions) shown through what hides them.
func Surgical(req Request) Request {
	req.Marker = true
	req.SeeThrough = map[string]bool{}
	for _, name := range labels.Lesions {
		req.SeeThrough[name] = true
	}
	return req
}

// SnapshotPNG renders Snapshot's picture and writes it to path as PNG,
// atomically.
func SnapshotPNG(caseDir, path string, view View, w, h int) error {
	img, err := Snapshot(caseDir, view, w, h)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(wr io.Writer) error { return png.Encode(wr, img) })
}

// ParseSize reads a picture size such as "1280x800".
func ParseSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, errW := strconv.Atoi(ws)
	h, errH := strconv.Atoi(hs)
	if !ok || errW != nil || errH != nil || w < 1 || h < 1 || w > 16384 || h > 16384 {
		return 0, 0, fmt.Errorf("render: bad size %q (want WxH, e.g. 1280x800)", s)
	}
	return w, h, nil
}
