package measure

// Territories are the kidneys' arterial territories (package territory):
// the renal arteries traced from the aorta and, for each of their terminal
// branches, the parenchyma it perfuses, which is at risk when it is clamped.
type Territories struct {
	// Map is the case-relative path of the territory map: a uint8 volume,
	// 0 outside the kidneys and tumours, Branch.Index inside.
	Map      string        `json:"map"`
	Arteries []RenalArtery `json:"renal_arteries"`
	Branches []Branch      `json:"branches"`
}

// RenalArtery is one artery of the label map that reaches a kidney.
type RenalArtery struct {
	Kidney string `json:"kidney"`
	// Index numbers a kidney's arteries 1, 2, … from the largest.
	Index int `json:"index"`
	// FromAorta: the artery touches the aorta label, where its length is
	// measured from; else from its end farthest from the kidney.
	FromAorta bool `json:"from_aorta"`
	// FirstBranchMM is the length of its centreline from that start to its
	// first branching; nil when it does not branch.
	FirstBranchMM *float64 `json:"first_branch_mm,omitempty"`
	// Branches counts its terminal branches (territories).
	Branches int `json:"terminal_branches"`
}

// Branch is one terminal branch of a renal artery and its territory.
type Branch struct {
	// Index is the branch's value in the territory map, 1, 2, …: the left
	// kidney's first, each kidney's from its most superior end down.
	Index  int    `json:"index"`
	Kidney string `json:"kidney"`
	// Artery is the RenalArtery.Index of the artery it comes from.
	Artery int `json:"artery"`
	// EndMM is its distal end (world mm); LengthMM its length from where it
	// leaves its parent branch, along its centreline.
	EndMM    [3]float64 `json:"end_mm"`
	LengthMM float64    `json:"length_mm"`
	// ParenchymaML is the kidney parenchyma of its territory, at risk when
	// it is clamped; TumorML the tumour in it; Tumors the indexes of the
	// tumours it feeds (Tumor.Index).
	ParenchymaML float64 `json:"parenchyma_at_risk_ml"`
	TumorML      float64 `json:"tumor_ml"`
	Tumors       []int   `json:"feeds_tumors,omitempty"`
}
