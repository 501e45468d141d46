"""Checkpoint formats end to end: files written by the real libraries (numpy, torch, h5py) are
opened by the real CLI, and every method gives the same E from a safetensors file (single and
sharded), an .npy pair and the llama2.c checkpoint as from an HDF5 file holding the same data,
to 1e-6 relative. Broken files give exit 1 and a message naming the file, the tensor and the
fault. Run by CTest with LAYERLENS_CLI set to the built layerlens-cli."""
import json
import os
import struct
import subprocess
import tempfile
import unittest

import h5py
import numpy as np
import torch

CLI = os.environ.get("LAYERLENS_CLI", "")
SHARED = os.environ.get("LAYERLENS_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
METHODS = "rtn,awq,gptq,magnitude,wanda,sparsegpt,awp,asvd"
NAME = "model.layers.0.mlp.down_proj"


def cli(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=600)


def errors_by_method(*args):
    out = cli("compare", *args, "--methods", METHODS, "--json")
    if out.returncode != 0:
        raise AssertionError(f"layerlens-cli compare {' '.join(args)} exited {out.returncode}: {out.stderr}")
    return {r["method"]: r["relative_output_error"] for r in json.loads(out.stdout)}


def safetensors_bytes(tensors, metadata=None):
    """The format by hand (no safetensors package here): 8-byte length, JSON header, data."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, array_bytes, shape) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(array_bytes)]}
        chunks.append(array_bytes)
        offset += len(array_bytes)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def raw_safetensors(header, data):
    """A file with the header exactly as given, however wrong it is."""
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def bf16_bytes(array):
    return torch.from_numpy(np.ascontiguousarray(array)).to(torch.bfloat16).view(torch.int16).numpy().tobytes()


@unittest.skipUnless(CLI and os.path.exists(CLI), "LAYERLENS_CLI is not set to a built layerlens-cli")
class SameErrorFromEveryFormat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        rng = np.random.default_rng(9)
        d_out, d_in, n = 48, 64, 512
        scales = np.exp(rng.normal(0, 0.8, d_in)).astype(np.float32)
        cls.X = (rng.standard_normal((n, d_in)).astype(np.float32) * scales)
        cls.W = rng.standard_t(5, (d_out, d_in)).astype(np.float32) * 0.05
        cls.bias = rng.standard_normal(d_out).astype(np.float32)
        # BF16 weights: the reference HDF5 holds the same rounded values in float32.
        cls.W_bf16 = torch.from_numpy(cls.W).to(torch.bfloat16).to(torch.float32).numpy()
        cls.reference = os.path.join(cls.dir, "reference.h5")
        with h5py.File(cls.reference, "w") as f:
            for name, W in ((NAME, cls.W), ("bf16." + NAME, cls.W_bf16), ("half." + NAME, cls.W.astype(np.float16))):
                g = f.create_group(name)
                g["weight"] = W
                g["inputs"] = cls.X
                g["bias"] = cls.bias
        cls.expected = errors_by_method(cls.reference, "--layer", NAME)
        cls.expected_bf16 = errors_by_method(cls.reference, "--layer", "bf16." + NAME)
        cls.expected_half = errors_by_method(cls.reference, "--layer", "half." + NAME)
        cls.inputs = os.path.join(cls.dir, "x.npy")
        np.save(cls.inputs, cls.X)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assertSameErrors(self, got, expected):
        self.assertEqual(set(got), set(expected))
        for method, e in expected.items():
            self.assertLessEqual(abs(got[method] - e), 1e-6 * abs(e) + 1e-15, f"{method}: {got[method]} vs {e}")

    def test_single_safetensors_file_f32_f16_bf16(self):
        path = os.path.join(self.dir, "model.safetensors")
        with open(path, "wb") as f:
            f.write(safetensors_bytes({
                NAME + ".weight": ("F32", self.W.tobytes(), self.W.shape),
                NAME + ".bias": ("F32", self.bias.tobytes(), self.bias.shape),
                "half." + NAME + ".weight": ("F16", self.W.astype(np.float16).tobytes(), self.W.shape),
                "bf16." + NAME + ".weight": ("BF16", bf16_bytes(self.W), self.W.shape),
                "model.norm.weight": ("F32", np.ones(64, np.float32).tobytes(), (64,)),
            }, {"format": "pt"}))
        self.assertSameErrors(errors_by_method(path, "--layer", NAME, "--inputs", self.reference), self.expected)
        # With the ".weight" suffix, and inputs from .npy instead of HDF5.
        self.assertSameErrors(errors_by_method(path, "--layer", NAME + ".weight", "--inputs", self.inputs), self.expected)
        self.assertSameErrors(errors_by_method(path, "--layer", NAME + ".weight", "--inputs", self.reference), self.expected)
        self.assertSameErrors(errors_by_method(path, "--layer", "bf16." + NAME, "--inputs", self.inputs), self.expected_bf16)
        self.assertSameErrors(errors_by_method(path, "--layer", "half." + NAME, "--inputs", self.inputs), self.expected_half)
        info = cli("info", path, "--json")
        self.assertEqual(info.returncode, 0, info.stderr)
        names = [layer["name"] for layer in json.loads(info.stdout)]
        self.assertEqual(names, ["bf16." + NAME, "half." + NAME, NAME])   # the 1-D norm is not a layer

    def test_sharded_safetensors_through_the_index(self):
        shard_dir = os.path.join(self.dir, "sharded")
        os.makedirs(shard_dir, exist_ok=True)
        shards = {
            "model-00001-of-00002.safetensors": {NAME + ".weight": ("F32", self.W.tobytes(), self.W.shape)},
            "model-00002-of-00002.safetensors": {NAME + ".bias": ("F32", self.bias.tobytes(), self.bias.shape),
                                                 "lm_head.weight": ("F32", self.W[:8].tobytes(), (8, 64))},
        }
        weight_map = {}
        for shard, tensors in shards.items():
            with open(os.path.join(shard_dir, shard), "wb") as f:
                f.write(safetensors_bytes(tensors))
            weight_map.update({name: shard for name in tensors})
        index = os.path.join(shard_dir, "model.safetensors.index.json")
        with open(index, "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f)
        self.assertSameErrors(errors_by_method(index, "--layer", NAME, "--inputs", self.reference), self.expected)

    def test_npy_pair_in_every_layout_numpy_writes(self):
        for label, W, X, version in (
            ("c_v1", self.W, self.X, (1, 0)),
            ("fortran_v2", np.asfortranarray(self.W), np.asfortranarray(self.X), (2, 0)),
            ("big_endian_f8_v3", self.W.astype(">f8"), self.X.astype(">f8"), (3, 0)),
            ("three_d_inputs", self.W, self.X.reshape(8, 64, 64), (1, 0)),
            ("three_d_fortran", self.W, np.asfortranarray(self.X.reshape(8, 64, 64)), (1, 0)),
        ):
            with self.subTest(label):
                w_path, x_path = os.path.join(self.dir, f"w_{label}.npy"), os.path.join(self.dir, f"x_{label}.npy")
                for path, array in ((w_path, W), (x_path, X)):
                    with open(path, "wb") as f:
                        np.lib.format.write_array(f, array, version=version)
                got = errors_by_method(w_path, "--inputs", x_path)   # one array, one layer: no --layer
                # The bias lives only in the HDF5 reference; E does not depend on it.
                self.assertSameErrors(got, self.expected)

    def test_hdf5_compressed_by_h5py(self):
        """gzip, shuffle + gzip, fletcher32 and scale-offset-free chunked layouts h5py writes: the same E."""
        for label, options in {"gzip": dict(compression="gzip", compression_opts=9),
                               "shuffle_gzip": dict(compression="gzip", shuffle=True, chunks=(100, 16)),
                               "fletcher32": dict(fletcher32=True, chunks=(64, 64)),
                               "chunked": dict(chunks=(7, 5))}.items():
            with self.subTest(label):
                path = os.path.join(self.dir, label + ".h5")
                with h5py.File(path, "w") as f:
                    g = f.create_group(NAME)
                    g.create_dataset("weight", data=self.W, **{k: v for k, v in options.items() if k != "chunks"})
                    g.create_dataset("inputs", data=self.X, **options)
                    g.create_dataset("bias", data=self.bias)
                self.assertSameErrors(errors_by_method(path, "--layer", NAME), self.expected)

    def test_llama2c_checkpoint_with_captured_inputs(self):
        checkpoint = os.path.join(SHARED, "models", "stories260K", "stories260K.bin")
        captured = os.path.join(SHARED, "data", "stories260K_layers.h5")
        if not (os.path.exists(checkpoint) and os.path.exists(captured)):
            self.skipTest("no ../shared/models or ../shared/data")
        for layer in ("layers.0.attention.wq", "layers.2.attention.wk", "layers.4.feed_forward.w2"):
            with self.subTest(layer):
                self.assertSameErrors(errors_by_method(checkpoint, "--layer", layer, "--inputs", captured),
                                      errors_by_method(captured, "--layer", layer))
        info = cli("info", checkpoint, "--json")
        self.assertEqual(info.returncode, 0, info.stderr)
        shapes = {layer["name"]: (layer["d_out"], layer["d_in"]) for layer in json.loads(info.stdout)}
        self.assertEqual(len(shapes), 36)
        self.assertEqual(shapes["layers.3.attention.wk"], (32, 64))
        self.assertEqual(shapes["layers.3.feed_forward.w2"], (64, 172))
        self.assertEqual(shapes["output"], (512, 64))


@unittest.skipUnless(CLI and os.path.exists(CLI), "LAYERLENS_CLI is not set to a built layerlens-cli")
class BadFilesExitOneNamingFileTensorAndFault(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.W = np.arange(12, dtype=np.float32).reshape(3, 4)
        self.inputs = os.path.join(self.dir, "x.npy")
        np.save(self.inputs, np.ones((16, 4), np.float32))

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def expect_exit_1(self, args, *fragments):
        out = cli(*args)
        self.assertEqual(out.returncode, 1, f"{args}: {out.stdout} {out.stderr}")
        for fragment in fragments:
            self.assertIn(fragment, out.stderr)
        self.assertNotIn("Traceback", out.stderr)

    def test_hostile_safetensors(self):
        good = safetensors_bytes({"w.weight": ("F32", self.W.tobytes(), (3, 4)), "n.weight": ("F32", b"\0" * 16, (4,))})
        cases = {
            "truncated": (good[:-5], ["tensor '", "past the end", "truncated"]),
            "long_header": (struct.pack("<Q", 10**6) + good[8:], ["longer than"]),
            "past_end": (safetensors_bytes({"w.weight": ("F32", self.W.tobytes(), (3, 4))}).replace(b"[0, 48]", b"[0, 96]"),
                         ["'w.weight'"]),
            "overlap": (safetensors_bytes({"w.weight": ("F32", self.W.tobytes(), (3, 4)),
                                           "v.weight": ("F32", self.W.tobytes(), (3, 4))}).replace(b"[48, 96]", b"[40, 88]"),
                        ["'w.weight'", "'v.weight'", "overlap"]),
            "mismatch": (safetensors_bytes({"w.weight": ("F32", self.W.tobytes(), (3, 4))}).replace(b"[3, 4]", b"[4, 4]"),
                         ["'w.weight'", "[4, 4]", "span"]),
            "dtype": (safetensors_bytes({"w.weight": ("I32", self.W.tobytes(), (3, 4))}), ["'w.weight'", "dtype I32"]),
            "duplicate_key": (struct.pack("<Q", 128) + (b'{"w.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]},'
                                                         b'"w.weight":{"dtype":"F32","shape":[4,3],"data_offsets":[0,48]}}').ljust(128)
                              + self.W.tobytes(), ["key 'w.weight' twice"]),
            "huge": (raw_safetensors({"w.weight": {"dtype": "F32", "shape": [9999999, 9999999],
                                                   "data_offsets": [0, 399999920000004]}}, b"\0" * 4),
                     ["'w.weight'", "past the end"]),
        }
        for label, (data, fragments) in cases.items():
            with self.subTest(label):
                path = self.write(label + ".safetensors", data)
                self.expect_exit_1(["run", path, "--layer", "w", "--inputs", self.inputs, "--method", "rtn"], path, *fragments)
        one_d = self.write("one_d.safetensors", good)
        self.expect_exit_1(["run", one_d, "--layer", "n", "--inputs", self.inputs, "--method", "rtn"], one_d, "'n.weight'", "1-D")

    def test_hdf5_unavailable_filter_and_unwritten_chunks(self):
        # h5py's own lzf filter lives in h5py's process only: named, with the way out.
        lzf = os.path.join(self.dir, "lzf.h5")
        with h5py.File(lzf, "w") as f:
            f.create_dataset("w/weight", data=self.W, compression="lzf")
        self.expect_exit_1(["run", lzf, "--method", "rtn", "--inputs", self.inputs], lzf, "w", "filter 'lzf'", "gzip")
        # Inputs of 64 rows in chunks of 16 with only the first chunk written: the rest would be fill values.
        partial = os.path.join(self.dir, "partial.h5")
        with h5py.File(partial, "w") as f:
            f["w/weight"] = self.W
            d = f.create_dataset("w/inputs", shape=(64, 4), dtype="f4", chunks=(16, 4), compression="gzip")
            d[:16] = 1.0
        self.expect_exit_1(["run", partial, "--method", "rtn"], partial, "inputs", "only 1 of its 4 chunks written")
        # An extendible 3 x 4 weight in one 16 MiB chunk: libhdf5 would hold the chunk to read 48 bytes.
        big_chunk = os.path.join(self.dir, "big_chunk.h5")
        with h5py.File(big_chunk, "w") as f:
            f.create_dataset("w/weight", data=self.W, maxshape=(None, None), chunks=(2048, 2048), compression="gzip")
        self.expect_exit_1(["run", big_chunk, "--method", "rtn", "--inputs", self.inputs], big_chunk, "weight of w",
                           "chunks of 16 MiB", "larger than the whole dataset (0.0469 KiB)")

    def test_names_no_layer_can_have_and_metadata_keys_hdf5_cannot_take(self):
        for label, name, fragment in (("empty", "", "tensor '' has an empty name"),
                                      ("dot", ".", "tensor '.' is named '.'"),
                                      ("nul", "x\u0000y", "tensor 'x\\x00y' has a control character")):
            with self.subTest(label):
                path = self.write(label + ".safetensors", safetensors_bytes({name: ("F32", self.W.tobytes(), (3, 4))}))
                self.expect_exit_1(["run", path, "--inputs", self.inputs, "--method", "rtn"], path, fragment)
        # Metadata keys "" and "a\0b" are legal JSON: the export writes them readably.
        meta = self.write("meta_keys.safetensors", safetensors_bytes({"w.weight": ("F32", self.W.tobytes(), (3, 4))},
                                                                      {"": "empty", "a\u0000b": "nul"}))
        out = os.path.join(self.dir, "meta_keys_out.h5")
        done = cli("run", meta, "--layer", "w", "--inputs", self.inputs, "--method", "rtn", "--quiet", "--export", out)
        self.assertEqual(done.returncode, 0, done.stderr)
        with h5py.File(out) as f:
            self.assertEqual(f["w"].attrs["(empty key)"], "empty")
            self.assertEqual(f["w"].attrs["(a\\x00b)"], "nul")
        # A group name with a newline and a terminal escape: listed with why, printed escaped.
        odd = os.path.join(self.dir, "odd.h5")
        with h5py.File(odd, "w") as f:
            f["a\nb\x1b[31m/weight"] = self.W
        listed = cli("info", odd)
        self.assertEqual(listed.returncode, 1)
        self.assertIn("a\\x0ab\\x1b[31m", listed.stdout)
        self.assertNotIn("\x1b", listed.stdout + listed.stderr)

    def test_many_attributes_are_read_in_one_pass_and_capped(self):
        # 20,000 attributes took libhdf5's by-index lookups over 30 s; 250,000 metadata entries a minute.
        many = os.path.join(self.dir, "many.h5")
        with h5py.File(many, "w", libver="latest") as f:
            g = f.create_group("w")
            g["weight"] = self.W
            for i in range(1500):
                g.attrs[f"k{i:04d}"] = "v"
        out = os.path.join(self.dir, "many_out.h5")
        done = cli("run", many, "--method", "rtn", "--inputs", self.inputs, "--quiet", "--export", out)
        self.assertEqual(done.returncode, 0, done.stderr)
        with h5py.File(out) as f:
            self.assertEqual(f["w"].attrs["attributes not shown"], "500 more beyond the first 1000")
            self.assertIn("k0999", f["w"].attrs)
            self.assertNotIn("k1000", f["w"].attrs)
        meta = self.write("meta.safetensors", safetensors_bytes({"w.weight": ("F32", self.W.tobytes(), (3, 4))},
                                                                 {f"k{i}": "v" for i in range(5000)}))
        done = cli("run", meta, "--layer", "w", "--method", "rtn", "--inputs", self.inputs, "--quiet", "--export", out, "--force")
        self.assertEqual(done.returncode, 0, done.stderr)
        with h5py.File(out) as f:
            self.assertEqual(f["w"].attrs["metadata not shown"], "4001 more entries (a layer keeps at most 1000 attributes)")

    def test_hdf5_external_links_are_named_by_info_and_run(self):
        other = os.path.join(self.dir, "other.h5")
        with h5py.File(other, "w") as f:
            f["w"] = self.W
            f["x"] = np.ones((16, 4), np.float32)
        linked = os.path.join(self.dir, "linked.h5")
        with h5py.File(linked, "w") as f:
            f["a/weight"] = h5py.ExternalLink(other, "/w")
            f["b/weight"] = self.W
            f["b/inputs"] = h5py.ExternalLink(other, "/x")
            f["data/w"] = self.W
            f["data/x"] = np.ones((16, 4), np.float32)
            f["s/weight"] = h5py.SoftLink("/data/w")   # inside the file: read as any dataset
            f["s/inputs"] = h5py.SoftLink("/data/x")
        listed = cli("info", linked, "--json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        problems = {layer["name"]: layer.get("note", "") for layer in json.loads(listed.stdout)}
        self.assertIn("weight of a lies behind an external link (/a/weight", problems["a"])
        self.assertIn("inputs of b lies behind an external link (/b/inputs", problems["b"])
        self.assertEqual(problems["s"], "")
        for layer, what in (("a", "weight of a"), ("b", "inputs of b")):
            self.expect_exit_1(["run", linked, "--layer", layer, "--method", "rtn"], linked, what, "external link", "h5copy")
        self.assertEqual(cli("run", linked, "--layer", "s", "--method", "rtn").returncode, 0)

    def test_shard_escaping_its_folder(self):
        index = self.write("model.safetensors.index.json",
                           json.dumps({"weight_map": {"w.weight": "../outside.safetensors"}}).encode())
        self.expect_exit_1(["info", index], index, "'w.weight'", "plain file names")
        itself = self.write("self.safetensors.index.json",
                            json.dumps({"weight_map": {"w.weight": "self.safetensors.index.json"}}).encode())
        self.expect_exit_1(["info", itself], itself, "'w.weight'", "in the index itself")
        nested = self.write("nested.safetensors.index.json",
                            json.dumps({"weight_map": {"w.weight": "self.safetensors.index.json"}}).encode())
        self.expect_exit_1(["info", nested], nested, "'w.weight'", "a JSON index, not a .safetensors shard")
        os.mkfifo(os.path.join(self.dir, "pipe.safetensors"))
        piped = self.write("piped.safetensors.index.json", json.dumps({"weight_map": {"w.weight": "pipe.safetensors"}}).encode())
        self.expect_exit_1(["info", piped], piped, "'pipe.safetensors'", "not a regular file")

    def test_pickled_and_broken_npy(self):
        pickled = os.path.join(self.dir, "objects.npy")
        np.save(pickled, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
        self.expect_exit_1(["run", pickled, "--method", "rtn", "--inputs", self.inputs], pickled, "never unpickles")
        good = os.path.join(self.dir, "w.npy")
        np.save(good, self.W)
        with open(good, "rb") as f:
            data = f.read()
        truncated = self.write("truncated.npy", data[:-7])
        self.expect_exit_1(["run", truncated, "--method", "rtn", "--inputs", self.inputs], truncated, "truncated")
        # numpy writes '|f4' for a byte order that does not apply and reads it as float32: so does LayerLens.
        pipe_f4 = self.write("pipe_f4.npy", open(good, "rb").read().replace(b"'<f4'", b"'|f4'"))
        self.assertEqual(np.load(pipe_f4).dtype, np.float32)
        self.assertEqual(cli("run", pipe_f4, "--method", "rtn", "--inputs", self.inputs, "--quiet").returncode, 0)
        narrow = os.path.join(self.dir, "narrow.npy")
        np.save(narrow, np.ones((16, 3), np.float32))
        self.expect_exit_1(["run", good, "--method", "rtn", "--inputs", narrow], narrow, "width 3", "d_in = 4")

    def test_truncated_llama2c(self):
        checkpoint = os.path.join(SHARED, "models", "stories260K", "stories260K.bin")
        if not os.path.exists(checkpoint):
            self.skipTest("no ../shared/models")
        with open(checkpoint, "rb") as f:
            data = f.read()
        cut = self.write("cut.bin", data[: len(data) // 2])
        self.expect_exit_1(["info", cut], cut, "dim 64, hidden_dim 172, 5 layers", "truncated")


@unittest.skipUnless(CLI and os.path.exists(CLI), "LAYERLENS_CLI is not set to a built layerlens-cli")
class Float64OutsideFloat32sRange(unittest.TestCase):
    """float64 files are rounded to float32 on reading. A value beyond float32's range, or a tensor
    lying wholly below its normal numbers, is refused naming the file, the tensor, the value and the
    position; inside the range a float64 layer scaled by 1e±30 gives the E of the unscaled one."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        rng = np.random.default_rng(4)
        self.W = rng.standard_normal((6, 16))
        self.X = rng.standard_normal((40, 16))

    def tearDown(self):
        self.tmp.cleanup()

    def h5(self, name, W, X):
        path = os.path.join(self.dir, name)
        with h5py.File(path, "w") as f:
            f["l/weight"] = W
            f["l/inputs"] = X
        return path

    def npy(self, name, array):
        path = os.path.join(self.dir, name)
        np.save(path, array)
        return path

    def expect_refused(self, args, *fragments):
        out = cli("run", *args, "--method", "rtn")
        self.assertEqual(out.returncode, 1, f"{args}: {out.stdout} {out.stderr}")
        self.assertEqual(out.stdout, "", "no E is printed")
        for fragment in fragments:
            self.assertIn(fragment, out.stderr)

    def test_beyond_and_below_float32_are_refused_with_where_and_what(self):
        big_x, tiny_w = self.X.copy(), self.W * 1e-50
        big_x[7, 3] = -2e39
        w_npy, x_npy = self.npy("w.npy", self.W), self.npy("x.npy", self.X)
        below = "below float32's smallest normal"
        tiny_npy = self.npy("tiny.npy", tiny_w)
        bx_npy = self.npy("bx.npy", np.asfortranarray(big_x.astype(">f8")))
        bx3_npy = self.npy("bx3.npy", big_x.reshape(4, 10, 16))
        h5s = {k: self.h5(k + ".h5", W, X) for k, W, X in
               (("a", self.W * 1e150, self.X), ("b", tiny_w, self.X), ("c", self.W, big_x), ("d", self.W, self.X * 1e-45))}
        # label: (arguments, the file and tensor named, what the message must say)
        cases = {
            "hdf5 weight beyond": ([h5s["a"]], h5s["a"], "weight of l", "row 0, column 0", "beyond the range of float32"),
            "hdf5 weight below": ([h5s["b"]], h5s["b"], "weight of l", below),
            "hdf5 inputs beyond": ([h5s["c"]], h5s["c"], "l/inputs", "-2e+39", "token 7, channel 3"),
            "hdf5 inputs below": ([h5s["d"]], h5s["d"], "l/inputs", below),
            "npy weight below": ([tiny_npy, "--inputs", x_npy], tiny_npy, "'tiny'", below),
            "npy big-endian Fortran inputs beyond": ([w_npy, "--inputs", bx_npy], bx_npy, "'bx'", "-2e+39", "token 7, channel 3"),
            "npy 3-D inputs beyond": ([w_npy, "--inputs", bx3_npy], bx3_npy, "'bx3'", "token 7, channel 3"),
        }
        for label, (args, *fragments) in cases.items():
            with self.subTest(label):
                self.expect_refused(args, *fragments, "rescale")

    def test_float64_inside_float32s_range_gives_the_unscaled_error(self):
        def E(W, X):
            out = cli("run", self.h5(f"s{len(os.listdir(self.dir))}.h5", W, X), "--method", "gptq", "--json", "--quiet")
            self.assertEqual(out.returncode, 0, out.stderr)
            return json.loads(out.stdout)["relative_output_error"]
        plain = E(self.W, self.X)
        for w_scale, x_scale in ((1e30, 1.0), (1e-30, 1.0), (1.0, 1e30), (1.0, 1e-30), (1e-30, 1e30)):
            with self.subTest(w=w_scale, x=x_scale):
                self.assertAlmostEqual(E(self.W * w_scale, self.X * x_scale) / plain, 1.0, delta=1e-5)


if __name__ == "__main__":
    unittest.main()
