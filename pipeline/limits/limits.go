// Package limits holds the resource limits kidney3d checks before any work
// (README "Reliability"): how large an image may be, in voxels and bytes,
// and how large a configuration, label table or model manifest may be; and
// OpenRegular, the only way an input file is opened, which refuses what is
// not a regular file (a FIFO, a device, a socket) before reading a byte.
// Every reader asks this package; no other package holds a limit's number.
//
// # Image size
//
// An image may have at most MaxVoxels voxels and MaxImageBytes bytes of
// voxels, checked from its header before anything is inflated or
// allocated (CheckImage). The default is sized for a 1024×1024×2048 int16
// CT (2³¹ voxels, 4 GiB), and bounded by what the pipeline can hold in
// this machine's memory: MemTotal of /proc/meminfo divided by
// PeakBytesPerVoxel, the pipeline's peak memory per voxel of the arterial
// phase. Measured with `/usr/bin/time -v kidney3d run` on `kidney3d demo
// --size full --seed 21` (512×512×300 = 78.6 M voxels a phase, three
// phases, every stage run from scratch, 2 min 11 s): maximum RSS 2 850 MB,
// 36.2 bytes per voxel; the limit takes 40 for a margin. On the 24.7 GB
// development machine that bounds the default to 632 M voxels (about
// 1024×1024×600); a machine of 86 GB or more accepts 1024×1024×2048.
// $KIDNEY3D_MAX_VOXELS lowers or raises the voxel limit, never above the
// memory bound; the byte limit follows it at 2 bytes per voxel, so a
// float32 or float64 image may have half or a quarter as many voxels.
package limits

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// MaxVoxelsEnv names the environment variable that changes MaxVoxels.
const MaxVoxelsEnv = "KIDNEY3D_MAX_VOXELS"

// DefaultMaxVoxels is the largest image accepted unless MaxVoxelsEnv says
// otherwise or memory is smaller: 1024×1024×2048 voxels.
const DefaultMaxVoxels int64 = 1024 * 1024 * 2048

// BytesPerVoxel is the voxel size the byte limit is sized for: int16, the
// type of a CT.
const BytesPerVoxel = 2

// PeakBytesPerVoxel is the pipeline's peak memory per voxel of the
// arterial phase (measured 36.2; see the package comment), with a margin.
const PeakBytesPerVoxel = 40

// MaxVoxels is the largest number of voxels an input image may have:
// $KIDNEY3D_MAX_VOXELS when it holds a positive whole number, else
// DefaultMaxVoxels, and never more than MemoryVoxels.
func MaxVoxels() int64 {
	n := DefaultMaxVoxels
	if s := os.Getenv(MaxVoxelsEnv); s != "" {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil && v > 0 {
			n = v
		}
	}
	if m := MemoryVoxels(); m > 0 {
		n = min(n, m)
	}
	return n
}

// MaxImageBytes is the largest size in bytes of an input image's voxels:
// MaxVoxels at BytesPerVoxel.
func MaxImageBytes() int64 { return MaxVoxels() * BytesPerVoxel }

// MemoryVoxels is the largest image the pipeline can hold in this
// machine's memory (MemTotal ÷ PeakBytesPerVoxel), or 0 when the total
// memory is unknown (no /proc/meminfo).
func MemoryVoxels() int64 { return memoryVoxels() }

var memoryVoxels = sync.OnceValue(func() int64 {
	total, ok := memTotal("/proc/meminfo")
	if !ok {
		return 0
	}
	return total / PeakBytesPerVoxel
})

// memTotal reads MemTotal, in bytes, from a meminfo file.
func memTotal(path string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		return kb * 1024, err == nil && kb > 0
	}
	return 0, false
}

// CheckVoxels returns an error naming what when an image of n voxels is
// over MaxVoxels.
func CheckVoxels(what string, n int64) error {
	if max := MaxVoxels(); n > max {
		return fmt.Errorf("%s: %d voxels is over the limit of %d (%s)", what, n, max, MaxVoxelsEnv)
	}
	return nil
}

// CheckImage returns an error when an image of voxels voxels of
// voxelBytes bytes each is over MaxVoxels or MaxImageBytes; it is meant
// for a header's numbers, before any voxel is read.
func CheckImage(voxels int64, voxelBytes int) error {
	maxVox := MaxVoxels()
	if voxels > maxVox {
		return fmt.Errorf("%d voxels is over the limit of %d (%s; this machine's memory holds %d)", voxels, maxVox, MaxVoxelsEnv, MemoryVoxels())
	}
	if maxBytes := maxVox * BytesPerVoxel; voxels > maxBytes/int64(max(voxelBytes, 1)) {
		return fmt.Errorf("%d voxels of %d bytes is over the limit of %d bytes (%s × %d)", voxels, voxelBytes, maxBytes, MaxVoxelsEnv, BytesPerVoxel)
	}
	return nil
}
