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

// FileInfo is one DICOM image's header, as `kidney3d info` prints it. The
// JSON keys are a contract.
type FileInfo struct {
	File string `json:"file"`
	// StudyUID, SeriesUID, Description and Modality are (0020,000D),
	// (0020,000E), SeriesDescription (0008,103E) and (0008,0060).
	StudyUID    string `json:"study_uid"`
	SeriesUID   string `json:"series_uid"`
	Description string `json:"description"`
	Modality    string `json:"modality"`
	// TransferSyntax is the transfer syntax UID (0002,0010), SyntaxName
	// its name.
	TransferSyntax string `json:"transfer_syntax"`
	SyntaxName     string `json:"transfer_syntax_name"`
	Dims           [2]int `json:"dims"` // columns, rows
	// PixelSpacing (0028,0030) is the spacing between rows, then between
	// columns, and Thickness SliceThickness (0018,0050), in mm.
	PixelSpacing [2]float64 `json:"pixel_spacing"`
	Thickness    float64    `json:"thickness"`
	// Position is ImagePositionPatient (0020,0032), the first voxel's
	// centre in mm, and Orientation ImageOrientationPatient (0020,0037),
	// the row and column directions, both in the patient's LPS frame.
	Position    [3]float64 `json:"position_lps"`
	Orientation [6]float64 `json:"orientation_lps"`
	// BitsAllocated (0028,0100), BitsStored (0028,0101) and Signed
	// (PixelRepresentation (0028,0103) is 1) describe the stored values;
	// a voxel's value is stored × Slope + Intercept (RescaleSlope
	// (0028,1053), RescaleIntercept (0028,1052)).
	BitsAllocated int     `json:"bits_allocated"`
	BitsStored    int     `json:"bits_stored"`
	Signed        bool    `json:"signed"`
	Slope         float64 `json:"rescale_slope"`
	Intercept     float64 `json:"rescale_intercept"`
	// ImageType is (0008,0008), ContrastAgent ContrastBolusAgent
	// (0018,0010).
	ImageType     []string `json:"image_type"`
	ContrastAgent string   `json:"contrast_agent"`
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
