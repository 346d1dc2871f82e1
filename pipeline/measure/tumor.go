package measure

// Tumor is one connected tumour component of the label map (26-connected)
// with what a surgeon plans a partial nephrectomy from: its size, how it
// sits in its kidney, its distances to the structures at risk and its
// nephrometry scores (package nephrometry computes them; Methods says how).
type Tumor struct {
	// Index numbers the components 1, 2, … from the largest.
	Index int `json:"index"`
	// Kidney is the label of the kidney the tumour belongs to (the one it
	// touches most), "" when it touches none.
	Kidney     string     `json:"kidney,omitempty"`
	Voxels     int        `json:"voxels"`
	VolumeML   float64    `json:"volume_ml"`
	CentroidMM [3]float64 `json:"centroid_mm"`
	// MaxDiameterMM is the largest distance between surface points
	// (SurfaceMethod); FeretCentresMM the one between voxel centres, as 3D
	// Slicer's Feret diameter.
	MaxDiameterMM  float64 `json:"max_diameter_mm"`
	FeretCentresMM float64 `json:"feret_diameter_centres_mm"`
	// DiametersMM are three orthogonal diameters, largest first
	// (AxesMethod).
	DiametersMM [3]float64 `json:"orthogonal_diameters_mm"`
	// ContactMM2 is the area of the faces its voxels share with the
	// kidney's.
	ContactMM2 float64 `json:"kidney_contact_mm2"`
	// ExophyticFraction is the share of its voxels outside the kidney's
	// axial convex hull (R.E.N.A.L.'s E).
	ExophyticFraction float64   `json:"exophytic_fraction"`
	DistancesMM       Distances `json:"distances_mm"`
	// CutByFieldOfView: the scan's edge cuts the tumour; sizes and scores
	// are then lower bounds or unsure.
	CutByFieldOfView bool    `json:"cut_by_field_of_view,omitempty"`
	Renal            *Renal  `json:"renal,omitempty"`
	Padua            *Padua  `json:"padua,omitempty"`
	CIndex           *CIndex `json:"c_index_from,omitempty"`
	// CIndexScore is Simmons' C-index: CIndex.CentreDistanceMM over the
	// tumour's radius.
	CIndexScore *float64 `json:"c_index,omitempty"`
	// Territories are the arterial territories the tumour lies in (package
	// territory), by branch number.
	Territories []int `json:"feeding_branches,omitempty"`
}

// Distances are a tumour's minimal distances in mm, between voxel centres
// (0 for touching voxels is never reached: touching voxels are a voxel
// apart); nil where the label map lacks the structure near its kidney.
type Distances struct {
	CollectingSystem *float64 `json:"collecting_system,omitempty"`
	RenalSinus       *float64 `json:"renal_sinus,omitempty"`
	RenalArtery      *float64 `json:"renal_artery,omitempty"`
	RenalVein        *float64 `json:"renal_vein,omitempty"`
}

// Renal is the R.E.N.A.L. nephrometry score (Kutikov & Uzzo 2009), each
// component with the measured value it came from.
type Renal struct {
	R int `json:"R"`
	E int `json:"E"`
	N int `json:"N"`
	// A is "a" (anterior), "p" (posterior) or "x" (neither).
	A string `json:"A"`
	L int    `json:"L"`
	// H: the tumour touches the renal artery or vein at the hilum.
	H bool `json:"h"`
	// Score is R+E+N+L, 4 to 12; Text adds the suffixes, e.g. "8ah".
	Score int    `json:"score"`
	Text  string `json:"text"`
	// The values the components came from.
	RDiameterMM        float64 `json:"R_diameter_mm"`
	EExophyticFraction float64 `json:"E_exophytic_fraction"`
	NDistanceMM        float64 `json:"N_distance_mm"`
	AAnteriorMM        float64 `json:"A_anterior_mm"`
	LBetweenPolarLines float64 `json:"L_fraction_between_polar_lines"`
	LCrossesMidline    bool    `json:"L_crosses_axial_midline"`
	HVesselDistanceMM  float64 `json:"h_vessel_distance_mm"`
	NFromSinus         bool    `json:"N_from_sinus,omitempty"`
	// NNothingNear: the labels hold no collecting system or renal sinus
	// (N is 1 by default, N_distance_mm means nothing); HNoVessel: no
	// renal artery or vein (h is false by default).
	NNothingNear         bool `json:"N_nothing_near,omitempty"`
	HNoVessel            bool `json:"h_no_vessel,omitempty"`
	PolarLinesUnresolved bool `json:"L_polar_lines_unresolved,omitempty"`
}

// Padua is the PADUA score (Ficarra 2009), each component with the
// measured value it came from.
type Padua struct {
	// Longitudinal: 1 polar, 2 between the sinus lines.
	Longitudinal int `json:"longitudinal"`
	// Exophytic: 1 ≥ 50 % exophytic, 2 < 50 %, 3 endophytic.
	Exophytic int `json:"exophytic"`
	// Rim: 1 lateral, 2 medial.
	Rim int `json:"rim"`
	// Sinus, CollectingSystem: 1 not involved, 2 involved (touching).
	Sinus            int `json:"sinus"`
	CollectingSystem int `json:"collecting_system"`
	// Size: 1 ≤ 40 mm, 2 41–70 mm, 3 > 70 mm.
	Size int `json:"size"`
	// Suffix is "a" or "p" (anterior or posterior; "x" neither).
	Suffix string `json:"suffix"`
	// Score is the sum, 6 to 14.
	Score int    `json:"score"`
	Text  string `json:"text"`
	// The values the components came from.
	BetweenSinusLines  float64 `json:"longitudinal_fraction_between_sinus_lines"`
	MedialMM           float64 `json:"rim_medial_mm"`
	SinusDistanceMM    float64 `json:"sinus_distance_mm"`
	CollectingSystemMM float64 `json:"collecting_system_distance_mm"`
}

// CIndex is what Simmons' C-index came from.
type CIndex struct {
	// CentreDistanceMM is the distance from the tumour's centroid to the
	// kidney's centre (its mid-slice's centroid).
	CentreDistanceMM float64 `json:"centre_distance_mm"`
	RadiusMM         float64 `json:"radius_mm"`
}

// Kidney is one kidney's volumes, the parenchyma a resection leaves, and
// its vessels.
type Kidney struct {
	Name     string  `json:"name"`
	VolumeML float64 `json:"volume_ml"`
	// RemainingML is the parenchyma left when every tumour of the kidney is
	// removed with ResectionMarginMM of parenchyma around it.
	ResectionMarginMM float64 `json:"resection_margin_mm"`
	RemainingML       float64 `json:"remaining_after_resection_ml"`
	// Arteries and Veins count the separate artery (vein) components of the
	// label map that enter the kidney's hilum.
	Arteries int `json:"renal_arteries"`
	Veins    int `json:"renal_veins"`
	// AortaToFirstBranchMM is the distance along the renal artery from the
	// aorta to its first branching; nil when it cannot be found.
	AortaToFirstBranchMM *float64 `json:"aorta_to_first_branch_mm,omitempty"`
}
