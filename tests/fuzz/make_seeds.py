#!/usr/bin/python3
"""Writes the fuzzers' seed corpus: small valid (and a few deliberately refusable) layer files
in every format LayerLens reads, one folder per fuzz target:

    tests/fuzz/corpus/hdf5/         LayerLens' HDF5 layout (DESIGN.md "Input format (HDF5)")
    tests/fuzz/corpus/safetensors/  written by hand (8-byte header length, JSON header, buffer)
    tests/fuzz/corpus/npy/          numpy.lib.format.write_array, versions 1.0, 2.0 and 3.0
    tests/fuzz/corpus/llama2c/      llama2.c legacy checkpoints (7 int32 fields, float32 weights)

Deterministic (fixed random seed, HDF5 objects without timestamps) except for the root group
of hdf5/libver_latest.h5, whose creation time HDF5 1.10 records whatever we ask. Each file is
under 8 KB. Rerun it only when the seeds should change; the fuzzers' growing corpus lives in
build/fuzz/corpus (scripts/fuzz.sh), not here.
Run with /usr/bin/python3 (numpy, h5py):  /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import json
import os
import shutil
import struct
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
MAX_SEED_BYTES = 8 * 1024
rng = np.random.default_rng(20240611)


def normal(*shape, dtype=np.float32):
    return (rng.standard_normal(shape) * 0.5).astype(dtype)


def folder(name):
    path = os.path.join(CORPUS, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


# ---------------------------------------------------------------- HDF5

def _libhdf5():
    """The libhdf5 h5py runs on, for the three file properties h5py 3.7 does not expose."""
    import ctypes
    for name in ("libhdf5_serial.so.103", "libhdf5.so.103", "libhdf5.so"):
        try:
            return ctypes.CDLL(name)
        except OSError:
            pass
    return None


LIBHDF5 = _libhdf5()


def h5file(path, libver="earliest", userblock_size=0, track_order=False):
    """A new file with small metadata and raw-data blocks and B-tree nodes of 2 entries (HDF5's
    defaults, 2 KB blocks and 32-entry nodes, would make every seed over 8 KB; small nodes also
    make a few groups split them, which the fuzzer should see)."""
    import ctypes
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    if libver == "latest":
        fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    if userblock_size:
        fcpl.set_userblock(userblock_size)
    if track_order:
        fcpl.set_link_creation_order(h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED)
    if LIBHDF5 is not None:
        LIBHDF5.H5Pset_meta_block_size(ctypes.c_int64(fapl.id), ctypes.c_uint64(128))
        LIBHDF5.H5Pset_small_data_block_size(ctypes.c_int64(fapl.id), ctypes.c_uint64(128))
        LIBHDF5.H5Pset_sym_k(ctypes.c_int64(fcpl.id), ctypes.c_uint(1), ctypes.c_uint(1))
        LIBHDF5.H5Pset_istore_k(ctypes.c_int64(fcpl.id), ctypes.c_uint(1))
    else:
        print("make_seeds.py: libhdf5 not found by ctypes; HDF5 seeds use HDF5's default block sizes", file=sys.stderr)
    return h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl))


def group(parent, name, track_order=False):
    """parent.create_group(name) without timestamps (libver "latest" object headers keep them)."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    if track_order:
        gcpl.set_link_creation_order(h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED)
    lcpl = h5py.h5p.create(h5py.h5p.LINK_CREATE)
    lcpl.set_create_intermediate_group(True)
    h5py.h5g.create(parent.id, name.encode(), lcpl=lcpl, gcpl=gcpl)
    return parent[name]


def dataset(group, name, data, **kwargs):
    return group.create_dataset(name, data=data, track_times=False, **kwargs)


def write_hdf5(out):
    # A layer with everything: float32 weight, 2-D inputs, bias, string attributes.
    with h5file(os.path.join(out, "f32_inputs2d_bias.h5")) as f:
        g = group(f, "layers.0.attention.wq")
        dataset(g, "weight", normal(4, 8))
        dataset(g, "inputs", normal(6, 8))
        dataset(g, "bias", normal(4))
        g.attrs["model"] = "tiny"
        g.attrs["layer"] = "layers.0.attention.wq"

    # float16 weight, 3-D [batch, seq, d_in] inputs, fixed-length string attribute.
    with h5file(os.path.join(out, "f16_inputs3d.h5")) as f:
        g = group(f, "blk/mlp/up")
        dataset(g, "weight", normal(3, 5, dtype=np.float16))
        dataset(g, "inputs", normal(2, 3, 5, dtype=np.float16))
        g.attrs.create("model", np.bytes_("fixed"), dtype=h5py.string_dtype("ascii", 5))

    # float64 weight in the root group and in a nested one, no inputs; one float32 inputs-only group.
    with h5file(os.path.join(out, "f64_root_and_nested.h5")) as f:
        dataset(f, "weight", normal(2, 3, dtype=np.float64))
        dataset(group(f, "a/b"), "weight", normal(3, 2, dtype=np.float64))
        dataset(group(f, "c"), "inputs", normal(4, 3))

    # Chunked + deflate + shuffle storage, inputs partly written (unwritten chunks read as fill).
    with h5file(os.path.join(out, "chunked_deflate_fill.h5")) as f:
        g = group(f, "q")
        dataset(g, "weight", normal(8, 8), chunks=(4, 4), compression="gzip", compression_opts=4, shuffle=True)
        x = g.create_dataset("inputs", shape=(16, 8), dtype="<f4", chunks=(4, 8), fillvalue=0.25,
                             compression="gzip", track_times=False)
        x[0:4] = normal(4, 8)
        dataset(g, "bias", normal(8), chunks=(8,), fletcher32=True)

    # Newest file format: superblock v3, compact/dense link storage, creation-order tracking.
    with h5file(os.path.join(out, "libver_latest.h5"), libver="latest", track_order=True) as f:
        for k in range(3):
            g = group(f, f"layers.{k}.w", track_order=True)
            dataset(g, "weight", normal(2, 4))
            if k == 1:
                dataset(g, "inputs", normal(3, 4), maxshape=(None, 4), chunks=(2, 4))
            g.attrs["layer"] = f"layers.{k}"

    # A 512-byte user block before the superblock.
    with h5file(os.path.join(out, "userblock512.h5"), userblock_size=512) as f:
        dataset(group(f, "u"), "weight", normal(2, 2))

    # Entries every reader must refuse with a message, not a crash (two files: size).
    with h5file(os.path.join(out, "refusals_shape_type.h5")) as f:
        dataset(group(f, "one_d"), "weight", normal(5))
        dataset(group(f, "integer"), "weight", np.arange(6, dtype=np.int32).reshape(2, 3))
        group(f, "group_named/weight")
        dataset(group(f, "zero"), "weight", np.zeros((0, 3), np.float32))
        f["soft/weight"] = h5py.SoftLink("/integer/weight")
    with h5file(os.path.join(out, "refusals_values.h5")) as f:
        g = group(f, "width_mismatch")
        dataset(g, "weight", normal(2, 3))
        dataset(g, "inputs", normal(4, 5))
        g = group(f, "bad_bias")
        dataset(g, "weight", normal(2, 3))
        dataset(g, "bias", normal(3))
        g = group(f, "non_finite")
        w = normal(2, 2)
        w[1, 0] = np.nan
        dataset(g, "weight", w)
        g = group(f, "string_inputs")
        dataset(g, "weight", normal(1, 2))
        dataset(g, "inputs", np.array([b"ab", b"cd"]))


# ---------------------------------------------------------------- safetensors

def bf16_bytes(a):
    bits = np.asarray(a, dtype=np.float32).view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2").tobytes()   # round to nearest even


def tensor_bytes(dtype, a):
    if dtype == "F32":
        return np.asarray(a, "<f4").tobytes()
    if dtype == "F16":
        return np.asarray(a, "<f2").tobytes()
    if dtype == "BF16":
        return bf16_bytes(a)
    if dtype == "F64":
        return np.asarray(a, "<f8").tobytes()
    if dtype == "I32":
        return np.asarray(a, "<i4").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, metadata=None, pad_to=8):
    """tensors: list of (name, dtype, array); written in that order into one buffer."""
    header, buffer = {}, b""
    for name, dtype, a in tensors:
        data = tensor_bytes(dtype, a)
        header[name] = {"dtype": dtype, "shape": list(np.shape(a)), "data_offsets": [len(buffer), len(buffer) + len(data)]}
        buffer += data
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % pad_to)   # the reference writer pads the header with spaces to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + buffer)


def write_safetensors_seeds(out):
    write_safetensors(os.path.join(out, "f32_single.safetensors"),
                      [("layers.0.attention.wq.weight", "F32", normal(4, 8))], {"format": "pt"})
    write_safetensors(os.path.join(out, "f16_bf16_bias_norm.safetensors"), [
        ("model.layers.0.mlp.up_proj.weight", "F16", normal(6, 4)),
        ("model.layers.0.mlp.up_proj.bias", "F16", normal(6)),
        ("model.layers.0.mlp.down_proj.weight", "BF16", normal(4, 6)),
        ("model.layers.0.input_layernorm.weight", "BF16", normal(4)),
    ], {"format": "pt", "source": "make_seeds.py"})
    # Tensors stored out of name order, a 3-D tensor, inputs beside a weight, no metadata.
    write_safetensors(os.path.join(out, "unordered_3d_inputs.safetensors"), [
        ("z.weight", "F32", normal(3, 5)),
        ("z.inputs", "F32", normal(2, 4, 5)),
        ("a.weight", "F16", normal(2, 2)),
        ("emb", "F32", normal(2, 3, 4)),
    ])
    # Refusable: an integer tensor, a scalar, an empty tensor, non-finite values.
    w = normal(2, 3)
    w[0, 1] = np.inf
    write_safetensors(os.path.join(out, "refusals.safetensors"), [
        ("ints.weight", "I32", np.arange(6).reshape(2, 3)),
        ("scalar", "F32", np.float32(1.5)),
        ("empty.weight", "F32", np.zeros((0, 4), np.float32)),
        ("inf.weight", "F32", w),
        ("f64.weight", "F64", normal(2, 2, dtype=np.float64)),
    ], {"note": "entries a reader must refuse"})
    # Header without padding (length not a multiple of 8).
    write_safetensors(os.path.join(out, "unpadded.safetensors"), [("w", "F32", normal(3, 3))], pad_to=1)


# ---------------------------------------------------------------- NumPy

def write_npy(path, a, version):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=version, allow_pickle=False)


def write_npy_seeds(out):
    cases = [
        ("v1_c_f4_2d", (1, 0), normal(4, 8).astype("<f4"), False),
        ("v1_fortran_f4_2d", (1, 0), normal(3, 5).astype("<f4"), True),
        ("v1_c_f2_2d", (1, 0), normal(5, 3).astype("<f2"), False),
        ("v1_c_be_f8_2d", (1, 0), normal(2, 6).astype(">f8"), False),
        ("v2_c_f4_3d", (2, 0), normal(2, 3, 4).astype("<f4"), False),
        ("v2_fortran_be_f8_3d", (2, 0), normal(2, 2, 3).astype(">f8"), True),
        ("v3_c_f2_2d", (3, 0), normal(4, 4).astype("<f2"), False),
        ("v3_fortran_f4_3d", (3, 0), normal(3, 2, 2).astype("<f4"), True),
        ("v1_c_f4_1d", (1, 0), normal(7).astype("<f4"), False),
        ("v1_c_i4_2d", (1, 0), np.arange(6, dtype="<i4").reshape(2, 3), False),
        ("v1_c_f4_empty", (1, 0), np.zeros((0, 3), "<f4"), False),
    ]
    for name, version, a, fortran in cases:
        write_npy(os.path.join(out, name + ".npy"), np.asfortranarray(a) if fortran else np.ascontiguousarray(a), version)


# ---------------------------------------------------------------- llama2.c

def write_llama2c(path, dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len, shared=True):
    """llama2.c's legacy export (export.py legacy_export / run.c read_checkpoint)."""
    head_size = dim // n_heads
    kv_dim = dim * n_kv_heads // n_heads
    header = struct.pack("<7i", dim, hidden, n_layers, n_heads, n_kv_heads, vocab if shared else -vocab, seq_len)
    parts = [
        normal(vocab, dim),                 # token_embedding_table
        1 + normal(n_layers, dim) * 0.1,    # rms_att_weight
        normal(n_layers, dim, dim),         # wq
        normal(n_layers, kv_dim, dim),      # wk
        normal(n_layers, kv_dim, dim),      # wv
        normal(n_layers, dim, dim),         # wo
        1 + normal(n_layers, dim) * 0.1,    # rms_ffn_weight
        normal(n_layers, hidden, dim),      # w1
        normal(n_layers, dim, hidden),      # w2
        normal(n_layers, hidden, dim),      # w3
        1 + normal(dim) * 0.1,              # rms_final_weight
    ]
    freqs = 1.0 / (10000.0 ** (np.arange(0, head_size, 2, dtype=np.float64) / head_size))
    angles = np.outer(np.arange(seq_len), freqs)
    parts += [np.cos(angles), np.sin(angles)]   # freq_cis_real, freq_cis_imag [seq_len, head_size/2]
    if not shared:
        parts.append(normal(vocab, dim))        # wcls
    with open(path, "wb") as f:
        f.write(header + b"".join(np.asarray(p, "<f4").tobytes() for p in parts))


def write_llama2c_seeds(out):
    write_llama2c(os.path.join(out, "shared_1layer.bin"), 8, 16, 1, 2, 1, 16, 4, shared=True)
    write_llama2c(os.path.join(out, "unshared_2layers.bin"), 8, 16, 2, 2, 1, 16, 4, shared=False)
    write_llama2c(os.path.join(out, "mha_2layers.bin"), 8, 12, 2, 2, 2, 8, 2, shared=True)


def main():
    writers = {"hdf5": write_hdf5, "safetensors": write_safetensors_seeds, "npy": write_npy_seeds,
               "llama2c": write_llama2c_seeds}
    too_big = []
    for name, write in writers.items():
        out = folder(name)
        write(out)
        for entry in sorted(os.listdir(out)):
            size = os.path.getsize(os.path.join(out, entry))
            print(f"{name}/{entry}: {size} bytes")
            if size > MAX_SEED_BYTES:
                too_big.append(f"{name}/{entry}")
    if too_big:
        sys.exit("seeds over 8 KB: " + ", ".join(too_big))


if __name__ == "__main__":
    main()
