package dicomimport

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"sync/atomic"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/ctphase"
	"kidney3d/pipeline/dicomscan"
	"kidney3d/pipeline/dicomseries"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/texttable"
)

// Listing is what the sources hold: every series with its phase guess, and
// what was skipped.
type Listing struct {
	Files       int `json:"files"`
	NotDICOM    int `json:"not_dicom"`
	NotImages   int `json:"not_images"`
	Directories int `json:"dicomdirs"`
	// Series are the image series, importable or not (Problem says why).
	Series  []Row     `json:"series"`
	Dropped []Dropped `json:"dropped,omitempty"`

	series []*dicomseries.Series // Series' series, index for index
}

// Row is one series of the table. The JSON keys are a contract.
type Row struct {
	ID             string        `json:"id"` // what --phase takes
	StudyUID       string        `json:"study_uid"`
	SeriesUID      string        `json:"series_uid"`
	Number         int           `json:"number"`
	Description    string        `json:"description"`
	Modality       string        `json:"modality"`
	ImageType      []string      `json:"image_type"`
	Split          string        `json:"split,omitempty"`
	Slices         int           `json:"slices"`
	Dims           [3]int        `json:"dims"`
	Spacing        [3]float64    `json:"spacing"` // mm, voxel axes; slice spacing third
	Thickness      float64       `json:"thickness"`
	Date           string        `json:"date"` // YYYYMMDD
	Time           string        `json:"time"` // HHMMSS of the acquisition
	TransferSyntax string        `json:"transfer_syntax"`
	Guess          ctphase.Guess `json:"guess"`
	Problem        string        `json:"problem,omitempty"` // why it cannot be imported
	// Resampled says how an import brings the series onto an equidistant
	// grid (dicomseries.Geometry.Resampled); "" when it is one already.
	Resampled string `json:"resampled,omitempty"`
}

// Dropped is a set of images that form no series: scouts, single images.
type Dropped struct {
	SeriesUID   string `json:"series_uid"`
	Description string `json:"description"`
	Files       int    `json:"files"`
	Reason      string `json:"reason"`
}

// List scans the sources and lists their series. Sources that hold no
// image series at all are an error naming them.
func List(ctx context.Context, sources []string) (*Listing, error) {
	return ListWith(ctx, sources, dicomseries.Options{})
}

// ListWith is List making series into volumes as opts say (a series with
// missing slices is importable with opts.FillGaps).
func ListWith(ctx context.Context, sources []string, opts dicomseries.Options) (*Listing, error) {
	l, err := listSeries(ctx, sources, opts)
	if err != nil {
		return nil, err
	}
	l.guessPhases()
	return l, nil
}

// listSeries is ListWith without the phase guesses (every Row.Guess
// empty until guessPhases).
func listSeries(ctx context.Context, sources []string, opts dicomseries.Options) (*Listing, error) {
	res, err := dicomscan.Scan(ctx, sources)
	if err != nil {
		return nil, err
	}
	series, dropped := dicomseries.Group(res.Instances, opts)
	l := &Listing{Files: res.Files, NotDICOM: res.NotDICOM, NotImages: res.NotImages, Directories: res.Directories, series: series}
	for _, d := range dropped {
		l.Dropped = append(l.Dropped, Dropped(d))
	}
	if len(series) == 0 {
		return nil, &NoSeriesError{Sources: sources, Listing: l}
	}
	for _, s := range series {
		in := s.First()
		row := Row{
			ID: s.ID, StudyUID: s.StudyUID, SeriesUID: s.SeriesUID, Number: in.SeriesNumber,
			Description: in.SeriesDescription, Modality: in.Modality, ImageType: in.ImageType, Split: s.Split, Slices: len(s.Instances),
			Dims: [3]int{in.Format.Columns, in.Format.Rows, len(s.Instances)}, Thickness: in.SliceThickness,
			Date: firstOf(in.SeriesDate, in.StudyDate), Time: firstOf(in.AcquisitionTime, in.SeriesTime, in.ContentTime),
			TransferSyntax: in.Syntax.UID,
		}
		if s.Err != nil {
			row.Problem = s.Err.Error()
		} else {
			row.Spacing, row.Resampled = s.Geometry.Grid.Spacing(), s.Geometry.Resampled
			row.Dims = s.Geometry.Grid.Dims
		}
		l.Series = append(l.Series, row)
	}
	return l, nil
}

// guessPhases guesses the phase of every series (Row.Guess).
func (l *Listing) guessPhases() {
	for i, g := range guess(l.series) {
		l.Series[i].Guess = g
	}
}

// phased reports whether a series of the modality has a contrast phase:
// CT, or a series that does not say.
func phased(modality string) bool { return modality == "CT" || modality == "" }

// guess guesses the phase of every series, study by study.
func guess(series []*dicomseries.Series) []ctphase.Guess {
	out := make([]ctphase.Guess, len(series))
	byStudy := map[string][]int{}
	var studies []string
	for i, s := range series {
		if _, ok := byStudy[s.StudyUID]; !ok {
			studies = append(studies, s.StudyUID)
		}
		byStudy[s.StudyUID] = append(byStudy[s.StudyUID], i)
	}
	// Each CT series' aorta, read from its images on every core.
	aortas := make([]*ctphase.AortaReading, len(series))
	excretions := make([]*ctphase.ExcretionReading, len(series))
	parallel.For(len(series), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if phased(series[i].First().Modality) {
				aortas[i], excretions[i] = readImage(series[i])
			}
		}
	})
	for _, st := range studies {
		var in []ctphase.Series
		var ct []int // the study's CT series: only they have a phase
		for _, i := range byStudy[st] {
			f := series[i].First()
			if !phased(f.Modality) {
				out[i] = ctphase.Guess{Reasons: []string{fmt.Sprintf("modality %s: only CT series have a contrast phase", f.Modality)}}
				continue
			}
			ct = append(ct, i)
			in = append(in, ctphase.Series{
				Description: f.SeriesDescription, Protocol: f.Protocol, ContrastAgent: f.ContrastAgent,
				ContrastStartTime: f.ContrastStartTime, AcquisitionTime: firstOf(f.AcquisitionTime, f.SeriesTime, f.ContentTime),
				Aorta: aortas[i], Excretion: excretions[i],
			})
		}
		for n, g := range ctphase.Guesses(in) {
			out[ct[n]] = g
		}
	}
	return out
}

// aortaSlices is how many axial slices, spread over the middle 80% of a
// series, the phase guess reads for the aorta.
const aortaSlices = 16

// axialWithin is the largest angle between an axial series' slice normal
// and the patient's long axis.
const axialWithin = 30 * math.Pi / 180

// readImage reads the aorta's HU and the excreted contrast in a series'
// axial slices (ctphase.ReadAorta, ctphase.ReadExcretion); nil when the
// series is not axial or a slice cannot be read.
func readImage(s *dicomseries.Series) (*ctphase.AortaReading, *ctphase.ExcretionReading) {
	o := s.First().Orientation
	if normalZ := o[0]*o[4] - o[1]*o[3]; math.Abs(normalZ) < math.Cos(axialWithin) {
		return nil, nil
	}
	posterior := 0.0 // the column direction's posterior (LPS y) component says which way the rows run
	if math.Abs(o[4]) > 0.5 {
		posterior = math.Copysign(1, o[4])
	}
	n := len(s.Instances)
	axial := make([]ctphase.Slice, min(aortaSlices, n))
	var failed atomic.Bool
	parallel.For(len(axial), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			k := ctphase.Spread(i, len(axial), n)
			hu, w, h, err := s.ReadSlice(k)
			if err != nil {
				failed.Store(true)
				return
			}
			sp := s.Instances[k].PixelSpacing
			axial[i] = ctphase.Slice{HU: hu, Width: w, Height: h, ColumnMM: sp[1], RowMM: sp[0], Posterior: posterior}
		}
	})
	if failed.Load() {
		return nil, nil
	}
	a, e := ctphase.ReadAorta(axial), ctphase.ReadExcretion(axial)
	return &a, &e
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// NoSeriesError is sources with no image series.
type NoSeriesError struct {
	Sources []string
	Listing *Listing
}

func (e *NoSeriesError) Error() string {
	l := e.Listing
	var dropped []string
	for _, d := range l.Dropped {
		dropped = append(dropped, fmt.Sprintf("%d file(s) of %q: %s", d.Files, d.Description, d.Reason))
	}
	msg := fmt.Sprintf("%s: no image series (%d files: %d not DICOM, %d DICOM without pixel data, %d DICOMDIR",
		strings.Join(e.Sources, ", "), l.Files, l.NotDICOM, l.NotImages, l.Directories)
	if len(dropped) > 0 {
		msg += "; left out: " + strings.Join(dropped, "; ")
	}
	return msg + ")"
}

// WriteJSON writes the listing as one JSON object.
func (l *Listing) WriteJSON(w io.Writer) error {
	return atomicfile.EncodeJSON(w, l)
}

// WriteText writes the series table for a person to read.
func (l *Listing) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "%d files: %d images in %d series", l.Files, l.Files-l.NotDICOM-l.NotImages-l.Directories, len(l.Series))
	if l.NotDICOM+l.NotImages+l.Directories > 0 {
		fmt.Fprintf(w, "; skipped %d not DICOM, %d without pixel data, %d DICOMDIR", l.NotDICOM, l.NotImages, l.Directories)
	}
	fmt.Fprintln(w)
	err := texttable.Write(w, l.Series, "", "ID\tNO\tDESCRIPTION\tSLICES\tDIMS\tSPACING mm\tTHICK\tTIME\tPHASE\tWHY", func(tw io.Writer, r Row) {
		spacing, why := "-", strings.Join(r.Guess.Reasons, "; ")
		if r.Problem == "" {
			spacing = fmt.Sprintf("%.3g×%.3g×%.3g", r.Spacing[0], r.Spacing[1], r.Spacing[2])
			if r.Resampled != "" {
				why += "; " + r.Resampled
			}
		} else {
			why = "NOT IMPORTABLE: " + r.Problem
		}
		phase := "?"
		if r.Guess.Phase != "" {
			phase = fmt.Sprintf("%s %.0f%%", r.Guess.Phase, 100*r.Guess.Confidence)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d×%d×%d\t%s\t%.3g\t%s\t%s\t%s\n", r.ID, r.Number, r.Description, r.Slices,
			r.Dims[0], r.Dims[1], r.Dims[2], spacing, r.Thickness, fmtTime(r.Time), phase, why)
	})
	if err != nil {
		return err
	}
	for _, d := range l.Dropped {
		fmt.Fprintf(w, "left out: %d file(s) of series %s %q: %s\n", d.Files, d.SeriesUID, d.Description, d.Reason)
	}
	return nil
}

// fmtTime writes a DICOM TM as HH:MM:SS.
func fmtTime(tm string) string {
	tm = strings.ReplaceAll(tm, ":", "")
	if len(tm) < 6 {
		return tm
	}
	return tm[0:2] + ":" + tm[2:4] + ":" + tm[4:6]
}
