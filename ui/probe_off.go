//go:build !probe

package ui

import (
	"fmt"
	"os"
)

// startProbeFromEnv says that this build cannot do the measuring run that
// ProbeEnv asks for: the probe is built only with `-tags probe`.
func startProbeFromEnv(*CaseWindow) {
	if os.Getenv(ProbeEnv) != "" {
		fmt.Fprintf(os.Stderr, "kidney3d: %s is ignored: this binary was built without the probe (go build -tags probe)\n", ProbeEnv)
	}
}
