package stage

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Params are a stage's parameters as config.yaml gives them.
type Params map[string]any

// Decode fills into (a pointer to a struct with yaml tags, holding the
// defaults) from p, rejecting keys the struct does not have.
func (p Params) Decode(into any) error {
	if len(p) == 0 {
		return nil
	}
	b, err := yaml.Marshal(map[string]any(p))
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("parameters: %v", err)
	}
	return nil
}
