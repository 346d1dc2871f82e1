// Package standard registers the built-in stages; import it for its side
// effect, as Caddy's modules/standard does.
package standard

import (
	// The stages of the default pipeline.
	_ "kidney3d/pipeline/stages/cleanup"
	_ "kidney3d/pipeline/stages/fat"
	_ "kidney3d/pipeline/stages/load"
	_ "kidney3d/pipeline/stages/measure"
	_ "kidney3d/pipeline/stages/merge"
	_ "kidney3d/pipeline/stages/mesh"
	_ "kidney3d/pipeline/stages/reconnect"
	_ "kidney3d/pipeline/stages/register"
	_ "kidney3d/pipeline/stages/segment"
	_ "kidney3d/pipeline/stages/template"
)
