package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Banner tints: red for what makes the results unfit to use (out of date,
// not for clinical use), amber for what the user must know of what is
// shown (the truth of a demo case).
var (
	staleColor = color.NRGBA{R: 0xd3, G: 0x2f, B: 0x2f, A: 0x48}
	noteColor  = color.NRGBA{R: 0xf5, G: 0xa6, B: 0x23, A: 0x48}
)

// Banner is a strip above the views that stays while its text is set: the
// one mechanism of the window's persistent messages (StaleBanner, the
// not-for-clinical-use notice). It is hidden while its text is "".
type Banner struct {
	label   *widget.Label
	tint    *canvas.Rectangle
	content *fyne.Container
}

// NewBanner makes a hidden banner.
func NewBanner() *Banner {
	b := &Banner{label: widget.NewLabel(""), tint: canvas.NewRectangle(staleColor)}
	b.label.TextStyle = fyne.TextStyle{Bold: true}
	b.label.Wrapping = fyne.TextWrapWord
	b.content = container.NewStack(b.tint, b.label)
	b.content.Hide()
	return b
}

// SetText shows the banner with text, red and in the danger colour when
// danger is set, else amber, or hides it for "".
func (b *Banner) SetText(text string, danger bool) {
	if text == "" {
		b.content.Hide()
		return
	}
	b.label.Importance, b.tint.FillColor = widget.WarningImportance, noteColor
	if danger {
		b.label.Importance, b.tint.FillColor = widget.DangerImportance, staleColor
	}
	b.tint.Refresh()
	b.label.SetText(text)
	b.content.Show()
}

// Text is the banner's text, or "" while it is hidden.
func (b *Banner) Text() string {
	if !b.content.Visible() {
		return ""
	}
	return b.label.Text
}

// Content is the banner's canvas object.
func (b *Banner) Content() fyne.CanvasObject { return b.content }

// StaleBanner is the banner that says the case's results are out of date
// ("Out of date: rerun the pipeline", and why); it is hidden while they
// are current.
type StaleBanner struct{ *Banner }

// NewStaleBanner makes a hidden banner.
func NewStaleBanner() *StaleBanner { return &StaleBanner{NewBanner()} }

// SetReason shows the banner with why the results are out of date, or
// hides it for "".
func (b *StaleBanner) SetReason(reason string) {
	if reason == "" {
		b.SetText("", true)
		return
	}
	b.SetText("Out of date: rerun the pipeline ("+reason+"). Labels, model and volumes are hidden.", true)
}

// Reason is the banner's text, or "" while it is hidden.
func (b *StaleBanner) Reason() string { return b.Text() }
