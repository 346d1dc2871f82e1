package dicomimport

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/dicomscan"
	"kidney3d/pipeline/limits"
)

// IsDICOMFile reports whether path is a regular file whose content is
// DICOM (dicomscan.Sniff).
func IsDICOMFile(path string) bool {
	f, err := limits.OpenRegular(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, dicomscan.SniffLen)
	n, _ := io.ReadFull(f, head)
	return dicomscan.Sniff(head[:n])
}

// NotACaseError is a DICOM folder given where a case folder is wanted.
type NotACaseError struct{ Dir string }

func (e *NotACaseError) Error() string {
	return fmt.Sprintf("%s: a DICOM folder, not a case folder: import it first (kidney3d import %s --out CASE)", e.Dir, e.Dir)
}

// CheckCaseNotDICOM returns a *NotACaseError when dir is a folder with no
// input/ folder (so no case) whose first files (up to 64, depth first)
// include DICOM; nil otherwise.
func CheckCaseNotDICOM(dir string) error {
	if st, err := os.Stat(filepath.Join(dir, "input")); err == nil && st.IsDir() {
		return nil
	}
	seen, found := 0, false
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || found || seen >= 64 {
			return filepath.SkipAll
		}
		if d.Type().IsRegular() {
			seen++
			found = IsDICOMFile(path)
		}
		return nil
	})
	if found {
		return &NotACaseError{Dir: dir}
	}
	return nil
}

// FileInfo is one DICOM image's header, as `kidney3d info` prints it, each
// field with the element it comes from; Position and Orientation are in the
// patient's LPS frame. The JSON keys are a contract.
type FileInfo struct {
	File           string     `json:"file"`
	StudyUID       string     `json:"study_uid"`            // (0020,000D)
	SeriesUID      string     `json:"series_uid"`           // (0020,000E)
	Description    string     `json:"description"`          // SeriesDescription (0008,103E)
	Modality       string     `json:"modality"`             // (0008,0060)
	TransferSyntax string     `json:"transfer_syntax"`      // its UID (0002,0010)
	SyntaxName     string     `json:"transfer_syntax_name"` // and its name
	Dims           [2]int     `json:"dims"`                 // columns (0028,0011), rows (0028,0010)
	PixelSpacing   [2]float64 `json:"pixel_spacing"`        // (0028,0030): between rows, then columns, mm
	Thickness      float64    `json:"thickness"`            // SliceThickness (0018,0050), mm
	Position       [3]float64 `json:"position_lps"`         // ImagePositionPatient (0020,0032): the first voxel's centre, mm
	Orientation    [6]float64 `json:"orientation_lps"`      // ImageOrientationPatient (0020,0037): row, then column direction
	BitsAllocated  int        `json:"bits_allocated"`       // (0028,0100)
	BitsStored     int        `json:"bits_stored"`          // (0028,0101)
	Signed         bool       `json:"signed"`               // PixelRepresentation (0028,0103) is 1
	Slope          float64    `json:"rescale_slope"`        // RescaleSlope (0028,1053): a value is stored × Slope + Intercept
	Intercept      float64    `json:"rescale_intercept"`    // RescaleIntercept (0028,1052)
	ImageType      []string   `json:"image_type"`           // (0008,0008)
	ContrastAgent  string     `json:"contrast_agent"`       // ContrastBolusAgent (0018,0010)
}

// DescribeFile reads one DICOM file's header.
func DescribeFile(path string) (*FileInfo, error) {
	in, err := dicomscan.ReadHeader(path)
	if err != nil {
		return nil, err
	}
	return &FileInfo{
		File: path, StudyUID: in.StudyInstanceUID, SeriesUID: in.SeriesInstanceUID, Description: in.SeriesDescription,
		Modality: in.Modality, TransferSyntax: in.Syntax.UID, SyntaxName: in.Syntax.Name,
		Dims: [2]int{in.Format.Columns, in.Format.Rows}, PixelSpacing: in.PixelSpacing, Thickness: in.SliceThickness,
		Position: in.Position, Orientation: in.Orientation, BitsAllocated: in.Format.BitsAllocated,
		BitsStored: in.Format.BitsStored, Signed: in.Format.Signed, Slope: in.RescaleSlope, Intercept: in.RescaleIntercept,
		ImageType: in.ImageType, ContrastAgent: in.ContrastAgent,
	}, nil
}

// WriteJSON writes the header as one JSON object.
func (f *FileInfo) WriteJSON(w io.Writer) error {
	return atomicfile.EncodeJSON(w, f)
}

// WriteText writes the header for a person to read.
func (f *FileInfo) WriteText(w io.Writer) error {
	sign := "unsigned"
	if f.Signed {
		sign = "signed"
	}
	_, err := fmt.Fprintf(w, "DICOM        %s %q, series %s\n"+
		"syntax       %s (%s)\n"+
		"dims         %d × %d, %d of %d bits %s\n"+
		"spacing      %.4g × %.4g mm (rows, columns), %.4g mm thick\n"+
		"position     %.4f (LPS)\n"+
		"orientation  %.4f (LPS)\n"+
		"rescale      × %g + %g\n",
		f.Modality, f.Description, f.SeriesUID, f.TransferSyntax, f.SyntaxName,
		f.Dims[0], f.Dims[1], f.BitsStored, f.BitsAllocated, sign,
		f.PixelSpacing[0], f.PixelSpacing[1], f.Thickness, f.Position, f.Orientation, f.Slope, f.Intercept)
	return err
}
