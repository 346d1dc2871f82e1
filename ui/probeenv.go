package ui

// ProbeEnv is the environment variable that turns `kidney3d view CASE` into
// a measuring run for BENCHMARKS.md, in a binary built with `-tags probe`
// (probe.go; other builds say they ignore it). Its value lists actions,
// separated by commas, done in order once the case is shown:
//
//   - open: nothing more (the opening is measured anyway);
//   - orbit: full-quality frames one after another for 3 s (each asked for
//     once the one before is painted), then a simulated left-drag orbit at
//     125 mouse events per second for 4 s, then the drag's end;
//   - repaint: the 3D view's last frame painted again and again for 3 s,
//     with no new rendering: how fast the window itself is painted;
//   - pipeline: the Run button, then the reload of the case it triggers.
//
// The window then prints one JSON object (probeReport) on stdout and
// closes. All along, a ticker asks the UI goroutine for a callback every
// 10 ms through fyne.Do and records the gaps between the callbacks that
// ran: the event loop's stalls; a stall over 80 ms writes the UI
// goroutine's stack to stderr.
const ProbeEnv = "KIDNEY3D_PROBE"

// ProbeModelEnv, set to a size such as "1280x800", makes a measuring run
// move the split bars so that the 3D view is about that many pixels
// before it orbits (the window must be large enough).
const ProbeModelEnv = "KIDNEY3D_PROBE_3D"
