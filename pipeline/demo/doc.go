// Package demo generates synthetic, anatomically plausible three-phase
// abdominal CT cases with their ground truth, for demonstrations, tests and
// benchmarks of the kidney pipeline.
//
// A case is drawn from a seed: the anatomy (body wall, spine, ribs, pelvis,
// bowel, liver, spleen, pancreas, aorta and vena cava with their branches,
// both kidneys with cortex, medullary pyramids, sinus fat and collecting
// system, ureters down to the bladder) is described as solids in world RAS
// millimetres, each with a tissue and a truth label, and rasterised in
// precedence order over each solid's bounding box. The seed chooses the
// kidneys' pose and size, a renal tumour (side, pole, face, exophytic to
// endophytic growth, size, subtype), maybe a simple cyst and an accessory
// renal artery, and the breathing shift of the portal-venous (P) and
// delayed (D) phases relative to the arterial (A) one. Each phase maps
// tissues to its HU, adds texture, a Gaussian partial-volume blur and white
// noise. The same seed gives byte-identical volumes whatever the number of
// cores.
package demo
