package labels

import "fmt"

// MeshSettings are a label's surface settings.
type MeshSettings struct {
	// Profile names a preset of the mesher: "organ" or "vessel".
	Profile string `yaml:"profile"`
}

func (m MeshSettings) validate() error {
	switch m.Profile {
	case "", "organ", "vessel":
		return nil
	}
	return fmt.Errorf("unknown profile %q (want organ or vessel)", m.Profile)
}
