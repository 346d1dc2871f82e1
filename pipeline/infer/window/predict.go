package window

import (
	"context"
	"fmt"

	"kidney3d/pipeline/parallel"
)

// Net runs a network on a batch of patches [N, C, Z, Y, X] and returns its
// logits [N, K, Z, Y, X].
type Net interface {
	Run(ctx context.Context, input []float32, shape []int64) ([]float32, []int64, error)
}

// Image is the network's input: Channels volumes of Size voxels each, one
// channel after the other.
type Image struct {
	Data     []float32
	Channels int
	Size     [3]int
}

// RowSink receives each row z of the image once no tile can change it:
// scores are the K classes' weighted mean logits (K × Y × X) and labels
// their argmax (Y × X). The slices are reused after the call returns.
type RowSink func(z int, scores []float32, labels []uint8) error

// Options configure one prediction.
type Options struct {
	// Patch is the network's input size.
	Patch [3]int
	// Step is the tile step as a fraction of the patch (nnU-Net: 0.5).
	Step float64
	// Mirror are the axes flipped for test-time augmentation; nil for none.
	Mirror []int
	// Batch is the number of patches per network run (at least 1).
	Batch int
	// Classes is the number of output channels K.
	Classes int
	// Progress, if set, receives the runs done and the runs in all.
	Progress func(done, total int)
}

// Predict runs net over img tile by tile and hands each finished row to
// sink, in order. It returns ctx.Err() once ctx is cancelled.
func Predict(ctx context.Context, net Net, img Image, opt Options, sink RowSink) error {
	if err := opt.validate(img); err != nil {
		return err
	}
	p := newPredictor(img, opt)
	return p.run(ctx, net, sink)
}

func (o *Options) validate(img Image) error {
	if img.Channels < 1 || len(img.Data) != img.Channels*img.Size[0]*img.Size[1]*img.Size[2] {
		return fmt.Errorf("window: image of %d values is not %d channels of %v", len(img.Data), img.Channels, img.Size)
	}
	for a := range 3 {
		if o.Patch[a] < 1 || img.Size[a] < 1 {
			return fmt.Errorf("window: patch %v or image %v is empty", o.Patch, img.Size)
		}
	}
	if o.Classes < 1 || o.Classes > 255 {
		return fmt.Errorf("window: %d classes, want 1 to 255", o.Classes)
	}
	if !(o.Step > 0 && o.Step <= 1) {
		return fmt.Errorf("window: step %v, want (0, 1]", o.Step)
	}
	if o.Batch < 1 {
		o.Batch = 1
	}
	return nil
}

// predictor holds the accumulation ring: one patch's depth of rows of
// weighted logits and weights over the padded plane.
type predictor struct {
	img     Image
	opt     Options
	padded  [3]int
	offset  [3]int
	steps   [3][]int
	gauss   []float32
	mirrors [][]int

	plane   int       // padded Y × X
	acc     []float32 // K × ring rows × plane
	weight  []float32 // ring rows × plane
	ring    int       // rows in the ring (the patch depth)
	scores  []float32 // one finished row, K × Y × X (unpadded)
	labels  []uint8   // its argmax, Y × X
	done    int
	total   int
	batchIn []float32
	sum     []float32
}

func newPredictor(img Image, opt Options) *predictor {
	p := &predictor{img: img, opt: opt, mirrors: mirrorSets(opt.Mirror)}
	p.padded, p.offset = padding(img.Size, opt.Patch)
	p.steps = Steps(p.padded, opt.Patch, opt.Step)
	p.gauss = Gaussian(opt.Patch, 1.0/8)
	p.plane = p.padded[1] * p.padded[2]
	p.ring = opt.Patch[0]
	p.acc = make([]float32, opt.Classes*p.ring*p.plane)
	p.weight = make([]float32, p.ring*p.plane)
	p.scores = make([]float32, opt.Classes*img.Size[1]*img.Size[2])
	p.labels = make([]uint8, img.Size[1]*img.Size[2])
	perRow := len(p.steps[1]) * len(p.steps[2])
	p.total = len(p.steps[0]) * ((perRow + opt.Batch - 1) / opt.Batch) * len(p.mirrors)
	return p
}

type tile struct{ z, y, x int }

func (p *predictor) run(ctx context.Context, net Net, sink RowSink) error {
	finished := 0 // padded rows below this are handed on
	for t, z := range p.steps[0] {
		var tiles []tile
		for _, y := range p.steps[1] {
			for _, x := range p.steps[2] {
				tiles = append(tiles, tile{z, y, x})
			}
		}
		for len(tiles) > 0 {
			n := min(len(tiles), p.opt.Batch)
			if err := p.runBatch(ctx, net, tiles[:n]); err != nil {
				return err
			}
			tiles = tiles[n:]
		}
		end := p.padded[0]
		if t+1 < len(p.steps[0]) {
			end = p.steps[0][t+1]
		}
		for ; finished < end; finished++ {
			if err := p.finishRow(finished, sink); err != nil {
				return err
			}
		}
	}
	return nil
}

// runBatch runs the network on the tiles (and their mirrors) and adds the
// Gaussian-weighted logits into the ring.
func (p *predictor) runBatch(ctx context.Context, net Net, tiles []tile) error {
	pz, py, px := p.opt.Patch[0], p.opt.Patch[1], p.opt.Patch[2]
	vox := pz * py * px
	c, k := p.img.Channels, p.opt.Classes
	if len(p.batchIn) < len(tiles)*c*vox {
		p.batchIn = make([]float32, p.opt.Batch*c*vox)
		p.sum = make([]float32, p.opt.Batch*k*vox)
	}
	in := p.batchIn[:len(tiles)*c*vox]
	sum := p.sum[:len(tiles)*k*vox]
	clear(sum)
	p.gather(tiles, in)
	shape := []int64{int64(len(tiles)), int64(c), int64(pz), int64(py), int64(px)}
	for _, axes := range p.mirrors {
		if err := ctx.Err(); err != nil {
			return err
		}
		flip(in, len(tiles)*c, p.opt.Patch, axes)
		out, outShape, err := net.Run(ctx, in, shape)
		flip(in, len(tiles)*c, p.opt.Patch, axes)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("window: network run: %w", err)
		}
		want := []int64{int64(len(tiles)), int64(k), int64(pz), int64(py), int64(px)}
		if !sameShape(outShape, want) || len(out) != len(sum) {
			return fmt.Errorf("window: network output shape %v, want %v", outShape, want)
		}
		flip(out, len(tiles)*k, p.opt.Patch, axes)
		addInto(sum, out)
		p.done++
		if p.opt.Progress != nil {
			p.opt.Progress(p.done, p.total)
		}
	}
	if len(p.mirrors) > 1 {
		scale := 1 / float32(len(p.mirrors))
		parallel.For(len(sum), 1<<16, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				sum[i] *= scale
			}
		})
	}
	for b, t := range tiles {
		p.accumulate(t, sum[b*k*vox:(b+1)*k*vox])
	}
	return nil
}

func sameShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func addInto(dst, src []float32) {
	parallel.For(len(dst), 1<<16, func(lo, hi int) {
		d, s := dst[lo:hi], src[lo:hi]
		for i := range d {
			d[i] += s[i]
		}
	})
}

// gather copies the tiles' patches out of the padded image (zero outside
// the image) into in, [N, C, Z, Y, X].
func (p *predictor) gather(tiles []tile, in []float32) {
	pz, py, px := p.opt.Patch[0], p.opt.Patch[1], p.opt.Patch[2]
	size := p.img.Size
	rows := len(tiles) * p.img.Channels * pz
	parallel.For(rows, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			z := r % pz
			bc := r / pz
			ch := bc % p.img.Channels
			t := tiles[bc/p.img.Channels]
			dst := in[r*py*px : (r+1)*py*px]
			iz := t.z + z - p.offset[0]
			if iz < 0 || iz >= size[0] {
				clear(dst)
				continue
			}
			src := p.img.Data[(ch*size[0]+iz)*size[1]*size[2]:]
			for y := range py {
				row := dst[y*px : (y+1)*px]
				iy := t.y + y - p.offset[1]
				if iy < 0 || iy >= size[1] {
					clear(row)
					continue
				}
				// The patch's x range that lies in the image, copied
				// at once; zeros on either side.
				ix0 := t.x - p.offset[2]
				a := max(0, -ix0)
				b := max(a, min(px, size[2]-ix0))
				clear(row[:a])
				copy(row[a:b], src[iy*size[2]+ix0+a:iy*size[2]+ix0+b])
				clear(row[b:])
			}
		}
	})
}

// flip reverses each of n volumes of the patch's size along the axes.
func flip(data []float32, n int, patch [3]int, axes []int) {
	if len(axes) == 0 {
		return
	}
	pz, py, px := patch[0], patch[1], patch[2]
	vox := pz * py * px
	for _, a := range axes {
		parallel.For(n, 1, func(lo, hi int) {
			for v := lo; v < hi; v++ {
				flipAxis(data[v*vox:(v+1)*vox], pz, py, px, a)
			}
		})
	}
}

func flipAxis(d []float32, pz, py, px, axis int) {
	switch axis {
	case 0:
		plane := py * px
		for z := range pz / 2 {
			a, b := d[z*plane:(z+1)*plane], d[(pz-1-z)*plane:(pz-z)*plane]
			for i := range a {
				a[i], b[i] = b[i], a[i]
			}
		}
	case 1:
		for z := range pz {
			for y := range py / 2 {
				a := d[(z*py+y)*px : (z*py+y+1)*px]
				b := d[(z*py+py-1-y)*px : (z*py+py-y)*px]
				for i := range a {
					a[i], b[i] = b[i], a[i]
				}
			}
		}
	case 2:
		for r := range pz * py {
			row := d[r*px : (r+1)*px]
			for i, j := 0, px-1; i < j; i, j = i+1, j-1 {
				row[i], row[j] = row[j], row[i]
			}
		}
	}
}

// accumulate adds one tile's logits, times the Gaussian, into the ring,
// and the Gaussian into the weights.
func (p *predictor) accumulate(t tile, logits []float32) {
	pz, py, px := p.opt.Patch[0], p.opt.Patch[1], p.opt.Patch[2]
	k := p.opt.Classes
	vox := pz * py * px
	ringLen := p.ring * p.plane
	parallel.For(pz, 1, func(lo, hi int) {
		for z := lo; z < hi; z++ {
			r := (t.z + z) % p.ring
			for y := range py {
				g := p.gauss[(z*py+y)*px : (z*py+y+1)*px]
				base := r*p.plane + (t.y+y)*p.padded[2] + t.x
				w := p.weight[base : base+px]
				for x := range px {
					w[x] += g[x]
				}
				for c := range k {
					src := logits[c*vox+(z*py+y)*px : c*vox+(z*py+y+1)*px]
					dst := p.acc[c*ringLen+base : c*ringLen+base+px]
					for x := range dst {
						dst[x] += src[x] * g[x]
					}
				}
			}
		}
	})
}

// finishRow normalises padded row z, hands its unpadded part to sink, and
// clears it for reuse by a later row.
func (p *predictor) finishRow(z int, sink RowSink) error {
	r := z % p.ring
	k := p.opt.Classes
	ringLen := p.ring * p.plane
	iz := z - p.offset[0]
	if iz >= 0 && iz < p.img.Size[0] {
		ny, nx := p.img.Size[1], p.img.Size[2]
		plane := ny * nx
		parallel.For(ny, 4, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				base := r*p.plane + (y+p.offset[1])*p.padded[2] + p.offset[2]
				w := p.weight[base : base+nx]
				lab := p.labels[y*nx : (y+1)*nx]
				clear(lab)
				for c := range k {
					src := p.acc[c*ringLen+base : c*ringLen+base+nx]
					dst := p.scores[c*plane+y*nx : c*plane+(y+1)*nx]
					for x := range nx {
						dst[x] = src[x] / w[x]
					}
				}
				for x := range nx {
					best := p.scores[y*nx+x]
					for c := 1; c < k; c++ {
						if v := p.scores[c*plane+y*nx+x]; v > best {
							best = v
							lab[x] = uint8(c)
						}
					}
				}
			}
		})
		if err := sink(iz, p.scores, p.labels); err != nil {
			return err
		}
	}
	clear(p.weight[r*p.plane : (r+1)*p.plane])
	for c := range k {
		clear(p.acc[c*ringLen+r*p.plane : c*ringLen+(r+1)*p.plane])
	}
	return nil
}
