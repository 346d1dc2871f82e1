// Package stages holds the pipeline's stage adapters, one file per stage.
// Each adapter wires an algorithm into the orchestrator: it embeds a
// stage.Base holding its name, parameters and the run's label table,
// declares its inputs and outputs through its kind (stage.Segmenter,
// stage.LabelFilter, stage.Mesher, stage.Measurer), adds Run and its
// manifest records, and registers itself by name with stage.Register in
// an init function; import this package for that side effect, as Caddy's
// modules/standard does:
//
//	import _ "kidney3d/pipeline/stages"
//
// The stages, by registered name (config.yaml's `stage:`), in the order of
// the default pipeline:
//
//   - "load" (Load, load.go): validates the case's phases and given masks
//     and writes inputs.json (stage.InputsSummary).
//   - "register" (Register, register.go): registers a phase onto the
//     reference phase (pipeline/register).
//   - "organs", "vessels", "ureter" and "tumour" (Segment, segment.go and
//     split.go): the AI segmentation stages (pipeline/infer).
//   - "template" (Template, template.go): the quick, approximate model
//     (pipeline/post/template).
//   - "perirenal_fat" (Fat, fat.go): the perirenal fat (pipeline/post/fat).
//   - "reconnect" (Reconnect, reconnect.go): joins the fragments of a
//     vessel or ureter (pipeline/post/reconnect).
//   - "cleanup" (Cleanup, cleanup.go): removes islands and fills holes
//     (pipeline/labelops).
//   - "merge" (Merge, merge.go): merges the masks into the label map.
//   - "mesh" (Mesh, mesh.go): the surface meshes (pipeline/mesh).
//   - "territories" (Territories, territories.go): the arterial
//     territories (pipeline/territory).
//   - "measure" (Measure, measure.go and provenance.go): the report
//     (pipeline/measure).
//
// masks.go reads the masks several stages read alike.
//
// The algorithms live in pipeline/<concept> (pipeline/register,
// pipeline/infer, pipeline/post/…, pipeline/labelops, pipeline/mesh,
// pipeline/measure), which know nothing of stages; the stage vocabulary
// (Stage, Env, artefact names) is package pipeline/stage. Package
// stages/stagetest helps the stages' tests.
package stages
