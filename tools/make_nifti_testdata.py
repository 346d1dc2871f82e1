#!/usr/bin/python3
"""NIfTI conformance files for package nifti, and nibabel's view of them.

Writes small .nii/.nii.gz files into testdata/nifti/ (every datatype, both byte
orders, NIfTI-1 and -2, every transform case, scaling, 2D/4D, unsupported
inputs) and testdata/nifti/expected.json with what nibabel makes of each: shape,
dtype, best affine, zooms, scaling, min/max/mean and all values of get_fdata(),
and a SHA-256 of the stored values. It also records the same numbers (without
the values) for the TotalSegmentator example files in shared/data.

Entries with "error" are files the Go package must reject, naming that header
field; "nibabel" says whether nibabel loads them.

    /usr/bin/python3 tools/make_nifti_testdata.py            # regenerate
    /usr/bin/python3 tools/make_nifti_testdata.py --describe FILE...

--describe prints nibabel's view of the given files as a JSON list, in the same
form; the Go test TestNibabelReadsEncoded uses it to check that nibabel reads
what nifti.Encode writes (it skips when nibabel is missing).

Needs Debian's python3-nibabel and python3-numpy. The output is deterministic
(gzip mtime 0), so a rerun changes no file unless nibabel's view changes.
"""

import argparse
import gzip
import hashlib
import io
import json
import math
import os
import sys

import nibabel as nib
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPE = (5, 4, 3)
DTYPES = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64']
# Paths relative to the repository root, as expected.json records them.
EXTERNAL = [
    '../shared/data/totalseg_example/example_ct.nii.gz',
    '../shared/data/totalseg_example/example_ct_sm.nii.gz',
    '../shared/data/totalseg_example/example_seg.nii.gz',
    '../shared/data/totalseg_example/example_seg_dicom.nii.gz',
]


def values(dtype, shape=SHAPE):
    """Deterministic values spanning the range of dtype, x fastest."""
    n = int(np.prod(shape))
    dt = np.dtype(dtype)
    if dt.kind in 'iu':
        info = np.iinfo(dt)
        v = np.linspace(float(info.min), float(info.max), n)
        v = np.clip(np.round(v), info.min, info.max).astype(dt)
    elif dt == np.float32:
        v = (np.linspace(-3.5e4, 3.5e4, n) / 7.0).astype(dt)
        v[1], v[2], v[3] = 1.0e30, -1.0e-30, np.finfo(dt).max
    else:
        v = np.linspace(-1e6, 1e6, n) / 3.0
        v[1], v[2], v[3] = 1.0e300, -1.0e-300, math.pi
    return v.reshape(shape, order='F')


def rot(ax, deg):
    """4x4 rotation about axis ax (0, 1, 2) by deg degrees."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    i, j = [(1, 2), (0, 2), (0, 1)][ax]
    m = np.eye(4)
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
    return m


def affine(zooms=(0.8, 0.9, 2.5), origin=(-10.0, 20.0, 30.5), r=np.eye(4)):
    a = r @ np.diag(list(zooms) + [1.0])
    a[:3, 3] = origin
    return a


DEFAULT_AFFINE = affine()
OBLIQUE = affine((0.7, 0.75, 1.25), (-120.5, 80.25, -40.0), rot(2, 30) @ rot(0, -12) @ rot(1, 7))
SHEARED = OBLIQUE.copy()
SHEARED[0, 1] += 0.05
LAS = affine((0.8, 0.8, 2.0), (100.0, -90.0, 10.0)) @ np.diag([-1.0, 1, 1, 1])
LPS = affine((0.6, 0.6, 1.5), (150.0, 140.0, -300.0), rot(2, 10)) @ np.diag([-1.0, -1, 1, 1])


def make(dtype='int16', shape=SHAPE, aff=DEFAULT_AFFINE, order='<', version=1, data=None,
         sform=1, qform=1, qaff=None, saff=None, slope=None, extension=False):
    """Bytes of a single-file image built by nibabel."""
    cls, hcls = (nib.Nifti1Image, nib.Nifti1Header) if version == 1 else (nib.Nifti2Image, nib.Nifti2Header)
    hdr = hcls(endianness=order)
    hdr.set_data_dtype(np.dtype(dtype))
    if data is None:
        data = values(dtype, shape)
    img = cls(data, None, header=hdr)
    img.header.set_sform(aff if saff is None else saff, code=sform)
    img.header.set_qform(aff if qaff is None else qaff, code=qform)
    if slope is not None:
        img.header.set_slope_inter(*slope)
    if extension:
        img.header.extensions.append(nib.nifti1.Nifti1Extension('comment', b'kidney3d test extension'))
    return img.to_bytes()


def patch(b, version=1, **fields):
    """Sets raw header fields of image bytes b, bypassing nibabel's checks."""
    hcls, size = (nib.Nifti1Header, 348) if version == 1 else (nib.Nifti2Header, 540)
    hdr = hcls(binaryblock=b[:size], check=False)
    for k, v in fields.items():
        name, _, index = k.rpartition('_')
        if name in ('dim', 'pixdim') and index.isdigit():  # dim_4=7 sets dim[4]
            hdr[name][int(index)] = v
        else:
            hdr[k] = v
    return hdr.binaryblock + b[size:]


def cases():
    """(file name, bytes, field the Go package must reject or None)."""
    for dt in DTYPES:
        yield f'{dt}_le.nii', make(dt), None
        yield f'{dt}_be.nii', make(dt, order='>'), None
        yield f'{dt}_le.nii.gz', make(dt), None
    yield 'int16_be.nii.gz', make('int16', order='>'), None
    yield 'float32_be_gz_oblique.nii.gz', make('float32', order='>', aff=OBLIQUE), None

    # Transforms.
    yield 'qform_only.nii', make(aff=OBLIQUE, sform=0, saff=LAS), None
    yield 'sform_only.nii', make(aff=SHEARED, qform=0, qaff=LAS, sform=2), None
    yield 'no_xform.nii', make(aff=affine((0.7, 0.8, 1.5)), sform=0, qform=0), None
    yield 'no_xform_negpixdim_qfac0.nii', patch(make(aff=affine((0.7, 0.8, 1.5)), sform=0, qform=0),
                                                pixdim_0=0.0, pixdim_1=-0.7, pixdim_3=0.0), None
    yield 'qform_qfac0.nii', patch(make(aff=OBLIQUE, sform=0), pixdim_0=0.0), None
    yield 'qform_negdet_las.nii', make(aff=LAS, sform=0), None
    yield 'oblique.nii', make(aff=SHEARED, sform=1, qform=1), None
    yield 'lps_negdet.nii', make(aff=LPS @ np.diag([1.0, 1, -1, 1])), None
    yield 'lps_qform_only.nii.gz', make(aff=LPS @ np.diag([1.0, 1, -1, 1]), sform=0), None
    yield 'bad_xform_codes.nii', patch(make(aff=OBLIQUE, saff=LAS), sform_code=9, qform_code=1), None

    # Scaling.
    yield 'scaled_int16.nii', make('int16', slope=(2.5, -1024.0)), None
    yield 'scaled_uint8.nii.gz', make('uint8', slope=(0.5, 10.0)), None
    yield 'scaled_float32.nii', make('float32', slope=(2.0, 1.0)), None
    yield 'slope_nan.nii', patch(make('int16'), scl_slope=np.nan, scl_inter=5.0), None
    yield 'slope_zero.nii', patch(make('int16'), scl_slope=0.0, scl_inter=3.0), None
    yield 'slope_inf.nii', patch(make('int16'), scl_slope=np.inf, scl_inter=3.0), None
    yield 'inter_nan.nii', patch(make('int16'), scl_slope=2.0, scl_inter=np.nan), 'scl_inter'

    # NIfTI-2.
    yield 'nifti2_le.nii', make('int16', version=2, aff=OBLIQUE), None
    yield 'nifti2_be.nii', make('float64', version=2, order='>', aff=LAS), None
    yield 'nifti2_scaled.nii.gz', make('int16', version=2, slope=(0.25, 100.0), sform=0), None

    # Shapes.
    yield '4d_one_volume.nii', make('int16', shape=SHAPE + (1,)), None
    yield '4d_two_volumes.nii', make('int16', shape=SHAPE + (2,)), 'dim[4]'
    yield '5d_vector.nii', make('float32', shape=SHAPE + (1, 3)), 'dim[5]'
    yield '2d.nii', make('int16', shape=(5, 4)), None
    yield '2d_no_xform.nii', make('uint8', shape=(5, 4), sform=0, qform=0), None
    yield '3d_junk_dim4.nii', patch(make('int16'), dim_4=7, dim_5=-3), None
    yield 'extension.nii', make('int16', extension=True), None

    # Rejected.
    yield 'complex64.nii', make('complex64', data=values('float32').astype(np.complex64)), 'datatype'
    yield 'rgb24.nii', patch(make('uint8', shape=(3, 4, 3)), datatype=128, bitpix=24, dim_1=1), 'datatype'
    yield 'int64.nii', patch(make('float64'), datatype=1024), 'datatype'
    yield 'bitpix_mismatch.nii', patch(make('int16'), bitpix=8), 'bitpix'
    yield 'pair.hdr', pair_header(), 'magic'
    yield 'vox_offset_low.nii', patch(make('uint8'), vox_offset=300), 'vox_offset'


def pair_header():
    img = nib.Nifti1Pair(values('int16'), DEFAULT_AFFINE)
    bio_h, bio_i = io.BytesIO(), io.BytesIO()
    img.to_file_map({'header': nib.FileHolder(fileobj=bio_h), 'image': nib.FileHolder(fileobj=bio_i)})
    return bio_h.getvalue()


def finite(x):
    return None if x is None or not math.isfinite(x) else float(x)


def describe(path, with_values=True):
    """nibabel's view of one file."""
    entry = {}
    try:
        img = nib.load(path)
        data = img.get_fdata()
    except Exception as e:  # noqa: BLE001 - record whatever nibabel says
        folder = os.path.dirname(os.path.abspath(path)) + os.sep
        entry['nibabel'] = f'error: {type(e).__name__}: {e}'.replace(folder, '')
        return entry
    entry['nibabel'] = 'loads'
    # A loaded image's header has its scaling moved to img.dataobj: read the
    # header of the file again for scl_slope and scl_inter as nibabel sees them.
    with nib.openers.ImageOpener(path) as f:
        hdr = img.header_class.from_fileobj(f)
    raw = np.asanyarray(img.dataobj.get_unscaled())
    slope, inter = hdr.get_slope_inter()
    with open(path, 'rb') as f:
        magic = f.read(2)
    entry.update({
        'version': 2 if isinstance(hdr, nib.Nifti2Header) else 1,
        'byte_order': 'big' if hdr.endianness == '>' else 'little',
        'gzip': magic == b'\x1f\x8b',
        'shape': [int(s) for s in img.shape],
        'dtype': str(raw.dtype.newbyteorder('=')),
        'affine': img.affine.tolist(),
        'orientation': ''.join(nib.aff2axcodes(img.affine)),
        'zooms': [float(z) for z in hdr.get_zooms()],
        'slope': finite(slope),
        'inter': finite(inter),
        'min': float(data.min()),
        'max': float(data.max()),
        'mean': float(data.mean()),
        'data_sha256': hashlib.sha256(raw.astype(raw.dtype.newbyteorder('<')).tobytes(order='F')).hexdigest(),
    })
    if with_values:
        entry['values'] = [float(v) for v in data.ravel(order='F')]
    return entry


def generate(out):
    os.makedirs(out, exist_ok=True)
    files = []
    for name, data, field in cases():
        if name.endswith('.gz'):
            data = gzip.compress(data, compresslevel=6, mtime=0)
        if len(data) > 2048:
            sys.exit(f'{name}: {len(data)} bytes, want < 2 KB')
        path = os.path.join(out, name)
        with open(path, 'wb') as f:
            f.write(data)
        entry = {'file': name}
        if field:
            entry['error'] = field
        entry.update(describe(path, with_values=not field))
        files.append(entry)
    external = []
    for rel in EXTERNAL:
        path = os.path.join(REPO, rel)
        if os.path.exists(path):
            external.append({'path': rel, **describe(path, with_values=False)})
        else:
            print(f'skipping {rel}: missing', file=sys.stderr)
    doc = {
        'generator': 'tools/make_nifti_testdata.py',
        'nibabel': nib.__version__,
        'numpy': np.__version__,
        'files': files,
        'external': external,
    }
    with open(os.path.join(out, 'expected.json'), 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    print(f'wrote {len(files)} files and expected.json to {out}')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default=os.path.join(REPO, 'testdata', 'nifti'),
                    help='output folder (default: testdata/nifti of this repository)')
    ap.add_argument('--describe', nargs='+', metavar='FILE', help="print nibabel's view of FILEs as JSON")
    args = ap.parse_args()
    if args.describe:
        json.dump([{'file': p, **describe(p)} for p in args.describe], sys.stdout)
        print()
        return
    generate(args.out)


if __name__ == '__main__':
    main()
