// Package modelpkg reads segmentation model packages (DESIGN.md "Model
// package"): a folder holding model.onnx and model.json. The fields of
// model.json follow nnU-Net v2's plans.json and dataset.json, so that an
// exported nnU-Net model maps onto them one to one; spacing and patch size
// are in nnU-Net's array order (z, y, x) with x the NIfTI's first voxel axis.
package modelpkg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"kidney3d/pipeline/limits"
)

// Format is the value of model.json's "format" this program reads.
const Format = "kidney3d-model/1"

// Normalisation schemes, named as nnU-Net names them.
const (
	// CTNormalization clips to the training foreground's 0.5 and 99.5
	// percentiles, then subtracts its mean and divides by its std.
	CTNormalization = "CTNormalization"
	// ZScoreNormalization subtracts the image's own mean and divides by its
	// own std.
	ZScoreNormalization = "ZScoreNormalization"
	// NoNormalization passes intensities through.
	NoNormalization = "NoNormalization"
)

// Intensity are a channel's training foreground statistics
// (plans.json "foreground_intensity_properties_per_channel").
type Intensity struct {
	Mean   float64 `json:"mean"`
	Std    float64 `json:"std"`
	P00_5  float64 `json:"percentile_00_5"`
	P99_5  float64 `json:"percentile_99_5"`
	Median float64 `json:"median,omitempty"`
	Min    float64 `json:"min,omitempty"`
	Max    float64 `json:"max,omitempty"`
}

// Manifest is model.json.
type Manifest struct {
	Format      string `json:"format"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
	Licence     string `json:"licence"`
	// InputPhases are the CT phases fed as channels, in channel order, all
	// on the case's reference grid. A channel may name alternatives,
	// "A|P|D": the first of them the case has is fed (Channels).
	InputPhases []string `json:"input_phases"`
	// ChannelNames are dataset.json's channel names by channel index.
	ChannelNames map[string]string `json:"channel_names"`
	// Labels are dataset.json's labels: name → output channel.
	Labels map[string]int `json:"labels"`
	// Spacing is the model's voxel size in mm, (z, y, x).
	Spacing [3]float64 `json:"spacing"`
	// Orientation is the storage the network was trained on, as axis
	// codes of the voxel axes x, y, z ("RAS", "LPS"…; see orientation.go);
	// empty is DefaultOrientation.
	Orientation string `json:"orientation,omitempty"`
	// PatchSize is the network's input size in voxels, (z, y, x).
	PatchSize            [3]int               `json:"patch_size"`
	NormalizationSchemes []string             `json:"normalization_schemes"`
	Intensities          map[string]Intensity `json:"foreground_intensity_properties_per_channel"`
	TransposeForward     [3]int               `json:"transpose_forward"`
	// MirrorAxes are the spatial tensor axes (0 z, 1 y, 2 x) flipped for
	// test-time augmentation.
	MirrorAxes   []int   `json:"mirror_axes"`
	TileStepSize float64 `json:"tile_step_size"`
	ONNXInput    string  `json:"onnx_input"`
	ONNXOutput   string  `json:"onnx_output"`
	// Training is free-form provenance (data, epochs, validation scores).
	Training json.RawMessage `json:"training,omitempty"`
	// IntendedUse says in words what the model is for.
	IntendedUse string `json:"intended_use,omitempty"`
	// TrainingData says in words what the model was trained on.
	TrainingData string `json:"training_data,omitempty"`
	// ClinicalUse is true only for a model whose maker states it fit for
	// clinical use; a model that does not say so is not, and every output
	// made from it carries a "not for clinical use" notice.
	ClinicalUse bool `json:"clinical_use,omitempty"`
}

// Identity is a model as a run records it (the segmentation stages'
// "model_ids" parameter and "model_id" record) and report.json repeats it per label: the network
// by hash, and what its model.json says about its use.
type Identity struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	ONNXSHA256   string `json:"onnx_sha256"`
	IntendedUse  string `json:"intended_use,omitempty"`
	TrainingData string `json:"training_data,omitempty"`
	ClinicalUse  bool   `json:"clinical_use"`
}

// Channels are the phases each input channel accepts, in order of
// preference: one each, or the alternatives of an "A|P|D" channel.
func (m *Manifest) Channels() [][]string {
	out := make([][]string, len(m.InputPhases))
	for c, p := range m.InputPhases {
		out[c] = strings.Split(p, "|")
	}
	return out
}

// ValidationDice is the Dice score the model's training record gives for
// each of its labels on its validation cases when fed phases: the scores
// of that phase when the record has them by phase and one phase was fed,
// else its overall scores; nil when the record has none. The record is
// free-form (Training); the keys read are "validation_dice" and
// "validation_dice_by_phase", as tools/models/train_demo_models.py writes
// them.
func (m *Manifest) ValidationDice(phases []string) map[string]float64 {
	var t struct {
		Dice        map[string]float64            `json:"validation_dice"`
		DiceByPhase map[string]map[string]float64 `json:"validation_dice_by_phase"`
	}
	if len(m.Training) == 0 || json.Unmarshal(m.Training, &t) != nil {
		return nil
	}
	if len(phases) == 1 {
		if d, ok := t.DiceByPhase[phases[0]]; ok {
			return d
		}
	}
	return t.Dice
}

// Identity is the model's identity given its network's sha256.
func (m *Manifest) Identity(onnxSHA256 string) Identity {
	return Identity{Name: m.Name, Version: m.Version, ONNXSHA256: onnxSHA256,
		IntendedUse: m.IntendedUse, TrainingData: m.TrainingData, ClinicalUse: m.ClinicalUse}
}

// Error is a problem with a model package, naming the package (when
// known) and the file.
type Error struct {
	// Package is the package's name, or its folder's name when its
	// manifest cannot be read; "" for a manifest read on its own.
	Package string
	File    string
	Err     error
}

func (e *Error) Error() string {
	if e.Package == "" {
		return "model package " + e.File + ": " + e.Err.Error()
	}
	return "model package " + limits.Quote(e.Package) + ": " + e.File + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ParseManifest decodes and validates model.json; source names it in
// errors. Unknown keys are rejected, so that a misspelt field is not
// silently ignored, and so is a manifest over limits.MaxManifestBytes.
func ParseManifest(data []byte, source string) (*Manifest, error) {
	if len(data) > limits.MaxManifestBytes {
		return nil, &Error{File: source, Err: fmt.Errorf("%w: %d bytes, over the limit of %d bytes", limits.ErrTooLarge, len(data), limits.MaxManifestBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, &Error{File: source, Err: decodeError(data, err)}
	}
	if dec.More() {
		return nil, &Error{File: source, Err: errors.New("trailing data after the JSON object")}
	}
	if err := m.Validate(); err != nil {
		return nil, &Error{File: source, Err: err}
	}
	return &m, nil
}

// decodeError adds the line of a syntax or type error, and bounds the
// user text the decoder's message repeats.
func decodeError(data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if len(err.Error()) > 2*limits.MaxQuoted {
		err = errors.New(limits.Quote(err.Error())) // e.g. an unknown field's long name
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	return fmt.Errorf("line %d: %v", bytes.Count(data[:off], []byte("\n"))+1, err)
}

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// Validate checks every field and reports all problems at once.
func (m *Manifest) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if m.Format != Format {
		bad("format %s: want %q", limits.Quote(m.Format), Format)
	}
	if !namePattern.MatchString(m.Name) {
		bad("name %s: want lower-case letters, digits, '.', '_' or '-'", limits.Quote(m.Name))
	}
	if m.Version == "" {
		bad("version is missing")
	}
	if m.Licence == "" {
		bad("licence is missing")
	}
	if m.ClinicalUse && (m.IntendedUse == "" || m.TrainingData == "") {
		bad("clinical_use is true: intended_use and training_data must say what for and on what data")
	}
	m.validatePhases(bad)
	m.validateLabels(bad)
	for a := range 3 {
		if !(m.Spacing[a] > 0) || math.IsInf(m.Spacing[a], 0) {
			bad("spacing %v: want three positive sizes in mm", m.Spacing)
			break
		}
	}
	for a := range 3 {
		if m.PatchSize[a] < 1 || m.PatchSize[a] > 1024 {
			bad("patch_size %v: want three sizes from 1 to 1024 voxels", m.PatchSize)
			break
		}
	}
	m.validateNormalisation(bad)
	m.validateOrientation(bad)
	if m.TransposeForward != [3]int{0, 1, 2} {
		bad("transpose_forward %v: only [0, 1, 2] is supported", m.TransposeForward)
	}
	seen := map[int]bool{}
	for _, a := range m.MirrorAxes {
		if a < 0 || a > 2 || seen[a] || len(m.MirrorAxes) > 3 {
			bad("mirror_axes %v: want distinct axes among 0, 1, 2", m.MirrorAxes[:min(len(m.MirrorAxes), 4)])
			break
		}
		seen[a] = true
	}
	if !(m.TileStepSize > 0 && m.TileStepSize <= 1) {
		bad("tile_step_size %v: want a fraction in (0, 1]", m.TileStepSize)
	}
	if m.ONNXInput == "" || m.ONNXOutput == "" {
		bad("onnx_input and onnx_output must name the network's input and output")
	}
	return errors.Join(errs...)
}

func (m *Manifest) validatePhases(bad func(string, ...any)) {
	if len(m.InputPhases) == 0 {
		bad("input_phases is empty")
	}
	seen := map[string]bool{}
	for _, ch := range m.Channels() {
		for _, p := range ch {
			switch {
			case p != "A" && p != "P" && p != "D" && p != "N":
				bad("input_phases: %s is not a phase (A, P, D or N; alternatives as A|P)", limits.Quote(p))
			case seen[p]:
				bad("input_phases: %q is listed twice", p)
			}
			seen[p] = true
		}
	}
	if len(m.ChannelNames) != len(m.InputPhases) {
		bad("channel_names has %d entries for %d input phases", len(m.ChannelNames), len(m.InputPhases))
	}
	for c := range m.InputPhases {
		if _, ok := m.ChannelNames[strconv.Itoa(c)]; !ok {
			bad("channel_names has no channel %d", c)
		}
	}
}

func (m *Manifest) validateLabels(bad func(string, ...any)) {
	if v, ok := m.Labels["background"]; !ok || v != 0 {
		bad("labels: background must be 0")
	}
	if len(m.Labels) < 2 {
		bad("labels: want background and at least one structure")
	}
	byIndex := map[int]string{}
	for name, v := range m.Labels {
		if strings.TrimSpace(name) == "" {
			bad("labels: a label has no name (value %d)", v)
		}
		if other, dup := byIndex[v]; dup {
			bad("labels: %s and %s are both %d (region-based labels are not supported)", limits.Quote(other), limits.Quote(name), v)
		}
		byIndex[v] = name
	}
	for v := range len(m.Labels) {
		if _, ok := byIndex[v]; !ok {
			bad("labels: the values must be 0 to %d without gaps; %d is missing", len(m.Labels)-1, v)
			break
		}
	}
}

func (m *Manifest) validateNormalisation(bad func(string, ...any)) {
	if len(m.NormalizationSchemes) != len(m.InputPhases) {
		bad("normalization_schemes has %d entries for %d channels", len(m.NormalizationSchemes), len(m.InputPhases))
		return
	}
	for c, s := range m.NormalizationSchemes {
		switch s {
		case CTNormalization:
			in, ok := m.Intensities[strconv.Itoa(c)]
			if !ok {
				bad("channel %d uses %s but foreground_intensity_properties_per_channel has no %q", c, s, strconv.Itoa(c))
				continue
			}
			vals := []float64{in.Mean, in.Std, in.P00_5, in.P99_5}
			finite := true
			for _, v := range vals {
				finite = finite && !math.IsNaN(v) && !math.IsInf(v, 0)
			}
			if !finite || in.P00_5 > in.P99_5 || in.Std < 0 {
				bad("channel %d intensity properties %+v: want finite values, std ≥ 0 and percentile_00_5 ≤ percentile_99_5", c, in)
			}
		case ZScoreNormalization, NoNormalization:
		default:
			bad("channel %d: normalisation %s is not supported (want %s, %s or %s)", c, limits.Quote(s), CTNormalization, ZScoreNormalization, NoNormalization)
		}
	}
}

// Classes lists the label names by output channel.
func (m *Manifest) Classes() []string {
	out := make([]string, len(m.Labels))
	for name, v := range m.Labels {
		if v >= 0 && v < len(out) {
			out[v] = name
		}
	}
	return out
}

// Structures lists the label names but background, sorted.
func (m *Manifest) Structures() []string {
	var out []string
	for name := range m.Labels {
		if name != "background" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
