package ctphase

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Series is what Guess looks at in one series.
type Series struct {
	Description       string // Series Description
	Protocol          string // Protocol Name
	ContrastAgent     string // Contrast/Bolus Agent; "" when absent
	ContrastStartTime string // Contrast/Bolus Start Time, DICOM TM
	AcquisitionTime   string // Acquisition Time (or Series Time), DICOM TM
	// Aorta is what the series' axial images say (ReadAorta); nil when
	// they were not read (a series that is not axial, say).
	Aorta *AortaReading
	// Excretion is what they say of excreted contrast (ReadExcretion); nil
	// when they were not read.
	Excretion *ExcretionReading
}

// Guess is one series' phase guess.
type Guess struct {
	Phase      string   `json:"phase"`      // N, A, P, D, or "" when nothing points anywhere
	Confidence float64  `json:"confidence"` // 0 … 1
	Reasons    []string `json:"reasons"`
}

// Confidences of each kind of evidence.
const (
	DescriptionConfidence  = 0.9
	ProtocolConfidence     = 0.7
	DelayConfidence        = 0.6
	NoAgentConfidence      = 0.5 // Contrast/Bolus Agent says none
	MissingAgentConfidence = 0.3 // no Contrast/Bolus Agent at all
	OrderConfidence        = 0.4
	SingleConfidence       = 0.3
)

// Delays from the start of contrast injection, in seconds, that separate
// the phases: arterial before ArterialBefore, portal venous before
// DelayedFrom, delayed from then on.
const (
	ArterialBefore = 50
	DelayedFrom    = 150
)

// keywords are the words of descriptions that name a phase, as whole
// words (lower case; "non contrast" matches across a space, dash or
// underscore).
var keywords = map[string][]string{
	"N": {"plain", "nc", "non contrast", "noncontrast", "non con", "pre", "precontrast", "pre contrast", "native", "nativ", "unenhanced", "without contrast", "wo", "nonenhanced", "non enhanced"},
	"A": {"arterial", "art", "arterielle", "ap", "cta", "angio", "angiography", "early arterial", "late arterial", "corticomedullary"},
	"P": {"portal", "venous", "pv", "pvp", "portovenous", "portal venous", "nephrographic", "nephro", "ven", "venoes", "venös"},
	"D": {"delayed", "delay", "excretory", "urographic", "urogram", "uro", "late", "pyelographic", "spät", "spaet"},
}

// agentAbsent are Contrast/Bolus Agent values that say no agent was given.
var agentAbsent = []string{"", "none", "no", "nil", "n/a", "-"}

// Guesses guesses the phase of every series of one study.
func Guesses(series []Series) []Guess {
	out := make([]Guess, len(series))
	image := imageEvidence(series)
	var undecided []int // enhanced series with no phase yet
	for i, s := range series {
		g := &out[i]
		if p, word := phaseWord(s.Description); p != "" {
			*g = Guess{p, DescriptionConfidence, []string{fmt.Sprintf("description %q says %q", s.Description, word)}}
		} else if p, word := phaseWord(s.Protocol); p != "" {
			*g = Guess{p, ProtocolConfidence, []string{fmt.Sprintf("protocol name %q says %q", s.Protocol, word)}}
		}
		agent := strings.TrimSpace(s.ContrastAgent)
		given := !slices.Contains(agentAbsent, strings.ToLower(agent))
		delay, hasDelay := delaySeconds(s.ContrastStartTime, s.AcquisitionTime)
		switch {
		case given && hasDelay:
			p := phaseOfDelay(delay)
			reason := fmt.Sprintf("acquired %.0f s after the contrast injection started", delay)
			agree(g, p, DelayConfidence, reason)
		case given:
			if g.Phase == "N" {
				g.Reasons = append(g.Reasons, fmt.Sprintf("but Contrast/Bolus Agent is %q", agent))
				g.Confidence = 0.5
			} else if g.Phase != "" {
				g.Reasons = append(g.Reasons, fmt.Sprintf("Contrast/Bolus Agent %q", agent))
			}
		case agent != "":
			agree(g, "N", NoAgentConfidence, noAgentReason(agent))
		case s.ContrastStartTime == "":
			agree(g, "N", MissingAgentConfidence, noAgentReason(agent))
		}
		if e := image[i]; e.phase != "" {
			agree(g, e.phase, e.confidence, e.reason)
		}
		if g.Phase == "" && given {
			undecided = append(undecided, i)
		}
	}
	byOrder(series, out, undecided)
	return out
}

// evidence is one series' image evidence.
type evidence struct {
	phase      string
	confidence float64
	reason     string
}

// imageEvidence is each series' image evidence (AortaReading.Evidence;
// where the aorta says nothing, excreted contrast says D),
// with each enhanced phase kept for the one series of the study that
// reads it in the most slices (then the clearest): one study holds one
// arterial and one portal venous series, and the others that read so (a
// structure taken for the aorta in fewer slices, a late arterial next to
// an early one) say nothing.
func imageEvidence(series []Series) []evidence {
	out := make([]evidence, len(series))
	clearest := map[string]int{}
	for i, s := range series {
		if s.Aorta == nil {
			continue
		}
		p, c, why := FromImage(*s.Aorta, s.Excretion)
		out[i] = evidence{p, c, why}
		if p == "A" || p == "P" {
			if j, ok := clearest[p]; !ok || clearer(*s.Aorta, *series[j].Aorta) {
				clearest[p] = i
			}
		}
	}
	for i, e := range out {
		if j, ok := clearest[e.phase]; ok && j != i {
			out[i] = evidence{}
		}
	}
	return out
}

// ExcretionConfidence is the confidence of excreted contrast as evidence
// of D: below MissingAgentConfidence, so that it never outweighs the tags
// of an unenhanced series. Dense bone can pass for it: on
// TotalSegmentator's unenhanced example CT (3 mm voxels) rib and
// vertebral bone 65–110 mm beside the spine read as excretion in 6 of 32
// slices.
const ExcretionConfidence = 0.25

// FromImage is the phase one series' images point to: the aorta's
// (AortaReading.Evidence), else D, at ExcretionConfidence, where the aorta
// says nothing and excreted contrast shows (excretion may be nil: not
// read); no phase ("") when neither says anything.
func FromImage(aorta AortaReading, excretion *ExcretionReading) (phase string, confidence float64, reason string) {
	phase, confidence, reason = aorta.Evidence()
	if phase == "" && excretion != nil && excretion.Shows() {
		return "D", ExcretionConfidence, "image: " + excretion.String() + ", " + aorta.dim()
	}
	return phase, confidence, reason
}

// NoPhaseReason says why the aorta points to no phase, as a reason.
func (r AortaReading) NoPhaseReason() string { return "image: " + r.dim() }

// clearer says whether reading a found the aorta in more slices than b,
// or as many and brighter.
func clearer(a, b AortaReading) bool {
	return a.Found > b.Found || a.Found == b.Found && a.HU > b.HU
}

// noAgentReason says why a series looks unenhanced.
func noAgentReason(agent string) string {
	if agent == "" {
		return "no Contrast/Bolus Agent"
	}
	return fmt.Sprintf("Contrast/Bolus Agent is %q", agent)
}

// agree adds evidence for phase p to g: the first evidence sets the
// phase, agreeing evidence raises the confidence, contrary evidence is
// recorded and lowers it (and decides when stronger).
func agree(g *Guess, p string, confidence float64, reason string) {
	switch {
	case g.Phase == "":
		*g = Guess{p, confidence, []string{reason}}
	case g.Phase == p:
		g.Confidence = min(1, g.Confidence+(1-g.Confidence)*confidence)
		g.Reasons = append(g.Reasons, reason)
	case confidence > g.Confidence:
		*g = Guess{p, confidence - g.Confidence/2, append([]string{reason}, "overrides: "+strings.Join(g.Reasons, "; "))}
	default:
		g.Confidence -= confidence / 2
		g.Reasons = append(g.Reasons, "against it: "+reason)
	}
}

// byOrder guesses the undecided enhanced series from their acquisition
// order: the enhanced phases no other series of the study shows (first
// arterial, then portal venous, then delayed), in that order, the later
// series delayed when they run out. A lone undecided series in a study
// where no series shows an enhanced phase is portal venous.
func byOrder(series []Series, out []Guess, undecided []int) {
	if len(undecided) == 0 {
		return
	}
	taken := map[string]bool{}
	for i, g := range out {
		if g.Phase != "" && g.Phase != "N" && !slices.Contains(undecided, i) {
			taken[g.Phase] = true
		}
	}
	if len(undecided) == 1 && len(taken) == 0 {
		i := undecided[0]
		out[i] = Guess{"P", SingleConfidence, []string{"the only contrast-enhanced series without other evidence; most abdominal CTs are portal venous"}}
		return
	}
	var free []string
	for _, p := range []string{"A", "P", "D"} {
		if !taken[p] {
			free = append(free, p)
		}
	}
	slices.SortStableFunc(undecided, func(a, b int) int {
		ta, _ := seconds(series[a].AcquisitionTime)
		tb, _ := seconds(series[b].AcquisitionTime)
		return int(ta - tb)
	})
	after := ""
	if len(taken) > 0 {
		after = ", after the phases the study's other series show"
	}
	for n, i := range undecided {
		p := "D"
		if len(free) > 0 {
			p = free[min(n, len(free)-1)]
		}
		out[i] = Guess{p, OrderConfidence, []string{fmt.Sprintf("enhanced series number %d of %d in acquisition time%s", n+1, len(undecided), after)}}
	}
}

// phaseOfDelay is the phase of a delay after the injection started.
func phaseOfDelay(d float64) string {
	switch {
	case d < ArterialBefore:
		return "A"
	case d < DelayedFrom:
		return "P"
	}
	return "D"
}

// phaseWord finds a phase keyword in text; the longest match wins.
func phaseWord(text string) (phase, word string) {
	norm := " " + strings.Join(strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '/'
	}), " ") + " "
	norm = strings.ReplaceAll(norm, " w/o ", " wo ")
	for _, p := range []string{"N", "A", "P", "D"} {
		for _, k := range keywords[p] {
			if strings.Contains(norm, " "+k+" ") && len(k) > len(word) {
				phase, word = p, k
			}
		}
	}
	return phase, word
}

// delaySeconds is the time from start to acq, both DICOM TM, when both
// are there and the delay is plausible (0 to 1 hour, across midnight).
func delaySeconds(start, acq string) (float64, bool) {
	a, ok1 := seconds(acq)
	s, ok2 := seconds(start)
	if !ok1 || !ok2 {
		return 0, false
	}
	d := a - s
	if d < 0 {
		d += 24 * 3600
	}
	return d, d <= 3600
}

// seconds parses a DICOM TM (HHMMSS.FFFFFF, or the old HH:MM:SS) into
// seconds after midnight.
func seconds(tm string) (float64, bool) {
	tm = strings.ReplaceAll(strings.TrimSpace(tm), ":", "")
	if len(tm) < 2 {
		return 0, false
	}
	whole, frac, _ := strings.Cut(tm, ".")
	for len(whole) < 6 {
		whole += "00"
	}
	h, e1 := strconv.Atoi(whole[0:2])
	m, e2 := strconv.Atoi(whole[2:4])
	s, e3 := strconv.Atoi(whole[4:6])
	if e1 != nil || e2 != nil || e3 != nil || len(whole) != 6 || h > 23 || m > 59 || s > 60 {
		return 0, false
	}
	f := 0.0
	if frac != "" {
		v, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return 0, false
		}
		f = v
	}
	return float64(h*3600+m*60+s) + f, true
}
