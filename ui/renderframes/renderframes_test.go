package renderframes

import (
	"image"
	"sync"
	"testing"

	"kidney3d/pipeline/mesh"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/ui"
)

// tetra is a small closed mesh.
func tetra() *mesh.Mesh {
	return &mesh.Mesh{
		Positions: [][3]float32{{0, 0, 0}, {20, 0, 0}, {0, 20, 0}, {0, 0, 20}},
		Triangles: [][3]uint32{{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}},
	}
}

// TestSupersededAreDropped checks that requests replaced before they were
// drawn never reach done: the 3D view would show their error.
func TestSupersededAreDropped(t *testing.T) {
	src, err := New()
	if err != nil {
		t.Skipf("no OpenGL here: %v", err)
	}
	defer src.Close()
	src.SetScene([]meshio.Object{{Name: "t", Color: [4]uint8{200, 0, 0, 255}, Mesh: tetra()}})
	cam := src.StandardView("anterior")
	var mu sync.Mutex
	var errs []error
	calls := 0
	var last sync.WaitGroup
	last.Add(1)
	const n = 50
	for i := range n {
		cam.Yaw = float64(i)
		src.Render(ui.FrameRequest{Width: 64, Height: 48, Camera: cam, Draft: i < n-1}, func(img *image.RGBA, err error) {
			mu.Lock()
			calls++
			if err != nil {
				errs = append(errs, err)
			}
			mu.Unlock()
			if i == n-1 {
				last.Done()
			}
		})
	}
	last.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Errorf("%d of %d done calls got errors, first %v", len(errs), calls, errs[0])
	}
	if calls == n {
		t.Logf("no request was superseded on this machine")
	}
}
