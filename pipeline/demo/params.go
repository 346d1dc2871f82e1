package demo

import (
	"math"
	"math/rand/v2"
)

// Params is what the seed chose for a case, and the positions that follow
// from it, all in world RAS millimetres (+x towards the patient's right,
// +y anterior, +z superior). It is written as truth/params.json.
type Params struct {
	Seed int64  `json:"seed"`
	Size string `json:"size"`
	// Kidneys is keyed by "left" and "right".
	Kidneys         map[string]KidneyParams `json:"kidneys"`
	Tumor           TumorParams             `json:"tumor"`
	Cyst            *LesionParams           `json:"cyst,omitempty"`
	AccessoryArtery *AccessoryArteryParams  `json:"accessory_artery,omitempty"`
	// Phases is keyed by "A", "P" and "D".
	Phases map[string]PhaseParams `json:"phases"`
	// SubcutaneousFatMM is the thickness of the fat under the skin.
	SubcutaneousFatMM float64 `json:"subcutaneous_fat_mm"`
	// NoiseSigmaHU is the standard deviation of the white noise added after
	// the blur.
	NoiseSigmaHU float64 `json:"noise_sigma_hu"`
	// BlurSigmaVoxels is the Gaussian point-spread (partial volume) applied
	// along each voxel axis.
	BlurSigmaVoxels float64 `json:"blur_sigma_voxels"`
}

// KidneyParams places one kidney. Its outline is an ellipsoid of the given
// extents about CenterMM (pole to pole, across towards the hilum, front to
// back) whose poles curve a little towards the hilum.
type KidneyParams struct {
	CenterMM    [3]float64 `json:"center_mm"`
	LengthMM    float64    `json:"length_mm"`
	WidthMM     float64    `json:"width_mm"`
	ThicknessMM float64    `json:"thickness_mm"`
	// TiltDeg is how far the upper pole leans medially from the z axis.
	TiltDeg float64 `json:"tilt_deg"`
	// HilumDeg is how far the hilum turns from straight medial towards
	// anterior.
	HilumDeg float64 `json:"hilum_deg"`
}

// LesionParams places a round renal lesion (the tumour or the cyst).
type LesionParams struct {
	Side string `json:"side"` // "left" or "right"
	// Pole is "upper", "interpolar" or "lower".
	Pole string `json:"pole"`
	// Face is the kidney surface it sits on: "anterior", "posterior",
	// "lateral" or "medial".
	Face string `json:"face"`
	// Growth is "exophytic" (centre outside the kidney), "mesophytic"
	// (centre inside, reaching the surface) or "endophytic" (entirely
	// inside the kidney outline).
	Growth string `json:"growth"`
	// DiameterMM is the diameter of the main body; a tumour has lobules on
	// it that may reach a little further.
	DiameterMM float64    `json:"diameter_mm"`
	CenterMM   [3]float64 `json:"center_mm"`
}

// TumorParams places the renal tumour and says what it looks like.
type TumorParams struct {
	LesionParams
	// Subtype sets the enhancement: "clear_cell" (avid arterial
	// enhancement, portal washout), "papillary" (hypoenhancing) or
	// "chromophobe" (moderate).
	Subtype string `json:"subtype"`
	// Necrotic tumours have a non-enhancing core.
	Necrotic bool `json:"necrotic"`
}

// AccessoryArteryParams is an extra renal artery from the aorta straight
// to a pole.
type AccessoryArteryParams struct {
	Side string `json:"side"`
	Pole string `json:"pole"` // "upper" or "lower"
}

// PhaseParams is the geometry and timing of one phase.
type PhaseParams struct {
	// ShiftMM is the breathing displacement: the anatomy at world position
	// x in phase A is at world position x + ShiftMM in this phase. Zero for
	// A. Registering this phase to A must find this translation: sampling
	// this phase at x + ShiftMM gives what A shows at x.
	ShiftMM [3]float64 `json:"shift_mm"`
	// OriginMM is the world position of voxel (0, 0, 0) of this phase's
	// grid; dims, spacing and axes are those of A.
	OriginMM [3]float64 `json:"origin_mm"`
	// DelayS is the scan delay after contrast injection.
	DelayS float64 `json:"delay_s"`
}

// grid is the phase's grid in a case of the given size.
func (ph PhaseParams) grid(size Size) axisGrid {
	g := size.grid()
	g.origin = ph.OriginMM
	return g
}

// phaseNames are the phases a demo case holds, in acquisition order.
var phaseNames = [...]string{"A", "P", "D"}

var sides = [2]string{"left", "right"}

// sideSign is +1 for the patient's right (RAS +x) and -1 for the left.
func sideSign(side string) float64 {
	if side == "right" {
		return 1
	}
	return -1
}

// uniform draws from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// pick draws one of the choices.
func pick(r *rand.Rand, choices ...string) string { return choices[r.IntN(len(choices))] }

// drawParams makes the seed's choices; positions that depend on the
// anatomy (lesion centres) are filled in when the anatomy is built.
func drawParams(r *rand.Rand, seed int64, size Size) Params {
	p := Params{
		Seed:    seed,
		Size:    size.String(),
		Kidneys: map[string]KidneyParams{},
		Phases:  map[string]PhaseParams{},
	}
	for _, s := range sides {
		sx := sideSign(s)
		z := 8.0 // the right kidney sits lower, under the liver
		if s == "right" {
			z = -10
		}
		p.Kidneys[s] = KidneyParams{
			CenterMM:    [3]float64{sx * uniform(r, 74, 82), uniform(r, -42, -36), z + uniform(r, -6, 6)},
			LengthMM:    uniform(r, 102, 120),
			WidthMM:     uniform(r, 54, 64),
			ThicknessMM: uniform(r, 40, 46),
			TiltDeg:     uniform(r, 8, 18),
			HilumDeg:    uniform(r, 25, 45),
		}
	}
	t := &p.Tumor
	t.Side = pick(r, sides[:]...)
	t.Pole = pick(r, "upper", "interpolar", "lower")
	if t.Pole == "interpolar" {
		t.Face = pick(r, "anterior", "posterior", "lateral")
	} else {
		t.Face = pick(r, "anterior", "posterior", "lateral", "medial")
	}
	t.Growth = pick(r, "exophytic", "mesophytic", "endophytic")
	if t.Growth == "endophytic" {
		t.DiameterMM = uniform(r, 15, 32)
	} else {
		t.DiameterMM = uniform(r, 15, 70)
	}
	switch u := r.Float64(); {
	case u < 0.6:
		t.Subtype = "clear_cell"
	case u < 0.85:
		t.Subtype = "papillary"
	default:
		t.Subtype = "chromophobe"
	}
	t.Necrotic = t.Subtype == "clear_cell" && t.DiameterMM > 40

	if r.Float64() < 0.6 {
		c := &LesionParams{Side: pick(r, sides[:]...), Growth: pick(r, "exophytic", "mesophytic")}
		c.Face = pick(r, "anterior", "posterior", "lateral")
		c.Pole = pick(r, "upper", "interpolar", "lower")
		if c.Side == t.Side && (c.Pole == t.Pole || c.Pole == "interpolar" || t.Pole == "interpolar") {
			// Keep the cyst clear of the tumour: the opposite pole.
			c.Pole = map[string]string{"upper": "lower", "lower": "upper", "interpolar": "lower"}[t.Pole]
		}
		c.DiameterMM = uniform(r, 14, 40)
		p.Cyst = c
	}
	if r.Float64() < 0.35 {
		p.AccessoryArtery = &AccessoryArteryParams{Side: pick(r, sides[:]...), Pole: pick(r, "upper", "lower")}
	}
	p.SubcutaneousFatMM = uniform(r, 10, 32)
	p.NoiseSigmaHU = uniform(r, 10, 15)
	p.BlurSigmaVoxels = uniform(r, 0.6, 0.8)
	spacingZ := size.grid().spacing[2]
	for i, name := range phaseNames {
		ph := PhaseParams{DelayS: [...]float64{35, 75, 600}[i], OriginMM: size.grid().origin}
		if name != "A" {
			sign := 1.0
			if r.IntN(2) == 0 {
				sign = -1
			}
			ph.ShiftMM = [3]float64{uniform(r, -1, 1), uniform(r, -1, 1), sign * uniform(r, 2, 5)}
			// A different scan range: up to half a slice, in 1/64 mm steps
			// so that the origin survives NIfTI's float32 exactly.
			ph.OriginMM[2] += math.Round(uniform(r, -0.5, 0.5)*spacingZ*64) / 64
		}
		p.Phases[name] = ph
	}
	return p
}
