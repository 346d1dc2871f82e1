#!/usr/bin/python3
"""The least CIE ΔE76 of the territories' palette (ui/territories.go):
between any two of its colours, and between each and the structures shown
with them, for normal vision and simulated protanopia and deuteranopia
(Machado, Oliveira & Fernandes 2009, severity 1; as
pipeline/labels/palette_test.go simulates them). With --search, a greedy
search for five colours of L* 45-85 and chroma >= 20 that keep it largest.
Needs numpy (Debian's python3-numpy)."""
import sys
import numpy as np

CVD = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]),
}
# assets/labels.yaml: tumor, cyst, artery, vein, ureter.
SHOWN = [(0, 190, 120), (150, 210, 240), (220, 40, 40), (40, 90, 210), (255, 210, 0)]
PALETTE = [(255, 102, 0), (102, 136, 204), (17, 119, 119), (170, 221, 204), (102, 238, 119)]
XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
WHITE = np.array([0.9505, 1.0, 1.089])


def lab(c, m):
    x = np.array(c, float) / 255
    rgb = np.clip(m @ np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4), 0, 1)
    t = XYZ @ rgb / WHITE
    f = np.where(t > 216 / 24389, np.cbrt(t), t * 24389 / 27 / 116 + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def least(pal):
    worst = np.inf
    for m in CVD.values():
        p = [lab(c, m) for c in pal]
        s = [lab(c, m) for c in SHOWN]
        for i, a in enumerate(p):
            for b in p[i + 1:] + s:
                worst = min(worst, np.linalg.norm(a - b))
    return worst


if "--search" in sys.argv:
    cands = [(r, g, b) for r in range(0, 256, 17) for g in range(0, 256, 17) for b in range(0, 256, 17)]
    cands = [c for c in cands if 45 <= lab(c, np.eye(3))[0] <= 85 and np.hypot(*lab(c, np.eye(3))[1:]) >= 20]
    pal = []
    for _ in range(5):
        pal.append(max(cands, key=lambda c: least(pal + [c])))
    print(pal)
    PALETTE = pal
print(f"least ΔE76: {least(PALETTE):.1f}")
