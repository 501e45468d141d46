"""Tests of scripts/capture.py: the llama2.c module against the published model, the HDF5 file it writes
(recomputed independently), the Python API on a hand-made module, the real layerlens-cli on the result,
and bad input.

Run from the repository root:  /usr/bin/python3 -m unittest discover -s tests/python -v
Environment: LAYERLENS_CLI (path of layerlens-cli; the CLI test is skipped without it),
LAYERLENS_SHARED (the shared folder; default ../shared beside the repository).
"""

import contextlib
import io
import json
import math
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import types
import unittest

sys.dont_write_bytecode = True
# One thread everywhere, set before torch loads OpenBLAS: this process and the capture.py it starts then
# compute bit-identical forward passes, so the comparisons below measure the capture, not BLAS threading.
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "scripts", "capture.py")
sys.path.insert(0, os.path.join(REPO, "scripts"))

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import capture  # noqa: E402

torch.set_num_threads(1)

SHARED_GIVEN = "LAYERLENS_SHARED" in os.environ
SHARED = os.path.abspath(os.environ.get("LAYERLENS_SHARED", os.path.join(REPO, "..", "shared")))
MODEL_DIR = os.path.join(SHARED, "models", "stories260K")
CHECKPOINT = os.path.join(MODEL_DIR, "stories260K.bin")
TOKENIZER = os.path.join(MODEL_DIR, "tok512.bin")
REFERENCE_H5 = os.path.join(SHARED, "data", "stories260K_layers.h5")
HAVE_MODEL = os.path.isfile(CHECKPOINT) and os.path.isfile(TOKENIZER)
if SHARED_GIVEN and not HAVE_MODEL:
    raise RuntimeError(f"LAYERLENS_SHARED={SHARED} is set but {CHECKPOINT} or {TOKENIZER} is missing")
needs_model = unittest.skipUnless(HAVE_MODEL, f"stories260K not found in {MODEL_DIR} (set LAYERLENS_SHARED)")

# llama2.c doc/stories260K.md: `./run stories260K/stories260K.bin -z stories260K/tok512.bin -t 0.0` (256 steps).
PUBLISHED_GREEDY = (
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she "
    "saw a big, red ball. She wanted to play with it, but it was too high.\n"
    "Lily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know what to do. She said, \"I want "
    "to play with your ball, but I can't find it.\"\n"
    "Lily was sad and didn't know what to do. She said, \"I'm sorry, Lily. I didn't know what to do.\"\n"
    "Lily didn't want to help her mom, so she said, \"I'm sorry, mom. I didn't know what to do.\" Her mom said, "
    "\"Don't worry, Lily. We can help you.")
FIRST_SENTENCES = ("Once upon a time, there was a little girl named Lily. She loved to play outside in the park.")

EXPECTED_SHAPES = {"attention.wq": (64, 64), "attention.wk": (32, 64), "attention.wv": (32, 64),
                   "attention.wo": (64, 64), "feed_forward.w1": (172, 64), "feed_forward.w2": (64, 172),
                   "feed_forward.w3": (172, 64)}
STORIES_LAYERS = {f"layers.{i}.{k}": s for i in range(5) for k, s in EXPECTED_SHAPES.items()}
STORIES_LAYERS["output"] = (512, 64)


def run_capture(*args, timeout=300):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=timeout, env=env)


def run_main(*args):
    """capture.py's main() in this process (faster than a new interpreter): its exit code and stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = capture.main(list(args))
        except SystemExit as e:     # argparse
            code = e.code
    return types.SimpleNamespace(returncode=code, stderr=err.getvalue())


def record_linear_io(module):
    """The test's own forward hooks: {name: (inputs [n, d_in], outputs [n, d_out])} of every nn.Linear and
    every module with class name Conv1D, appended per call."""
    seen, handles = {}, []
    for name, m in module.named_modules():
        if isinstance(m, nn.Linear) or type(m).__name__ == "Conv1D":
            def hook(mod, inputs, output, name=name):
                x = inputs[0].detach()
                seen.setdefault(name, []).append((x.reshape(-1, x.shape[-1]).double().clone(),
                                                  output.detach().reshape(-1, output.shape[-1]).double().clone()))
            handles.append(m.register_forward_hook(hook))
    return seen, handles


def stack_calls(seen):
    return {n: (torch.cat([x for x, _ in calls]).numpy(), torch.cat([y for _, y in calls]).numpy())
            for n, calls in seen.items()}


def max_row_relative_error(y, ref):
    """max over rows of ||y - ref|| / ||ref||."""
    num = np.linalg.norm(y - ref, axis=1)
    den = np.maximum(np.linalg.norm(ref, axis=1), 1e-30)
    return float((num / den).max())


_tmp = tempfile.mkdtemp(prefix="layerlens-capture-test-")
unittest.addModuleCleanup(shutil.rmtree, _tmp, ignore_errors=True)
_captured = {}


def stories_capture():
    """stories260K captured once through the command line: 4 sampled sequences of 64 tokens, 100 rows,
    batches of 3 (so the last batch is smaller)."""
    if "path" not in _captured:
        folder = tempfile.mkdtemp(dir=_tmp)
        path = os.path.join(folder, "stories.h5")
        r = run_capture("--llama2c", CHECKPOINT, "--sample", "4", "--seq-len", "64", "--seed", "7",
                        "--rows", "100", "--batch-size", "3", "--out", path)
        _captured.update(path=path, folder=folder, result=r)
    r = _captured["result"]
    if r.returncode != 0:
        raise AssertionError(f"capture.py failed (exit {r.returncode}):\n{r.stderr}")
    return _captured["path"]


@needs_model
class Llama2cModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = capture.load_llama2c(CHECKPOINT)
        cls.tok = capture.Llama2cTokenizer(TOKENIZER, cls.model.config.vocab_size)

    def test_checkpoint_header_and_layout(self):
        c = self.model.config
        self.assertEqual((c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len),
                         (64, 172, 5, 8, 4, 512, 512))
        self.assertTrue(c.shared_classifier)
        self.assertEqual(c.kv_dim, 32)
        self.assertEqual(c.n_params(), 260032)
        self.assertIs(self.model.output.weight, self.model.tok_embeddings.weight)
        # The skipped freq_cis arrays sit where the layout says: they are RoPE's cos/sin tables.
        real, imag = self.model.checkpoint_freq_cis
        cos, sin = capture.rope_tables(c.head_size, c.seq_len)
        np.testing.assert_allclose(real, cos.numpy(), atol=1e-5)
        np.testing.assert_allclose(imag, sin.numpy(), atol=1e-5)

    def test_greedy_decoding_reproduces_published_text(self):
        tokens = self.model.generate_greedy(256)
        text = self.tok.decode(tokens)
        self.assertTrue(text.startswith(FIRST_SENTENCES), text[:120])
        self.assertEqual(text, PUBLISHED_GREEDY)
        # Teacher-forced full pass (no KV cache) predicts the same tokens: causal mask and cache agree.
        with torch.no_grad():
            logits = self.model(torch.tensor([tokens]))
        self.assertEqual(logits.argmax(-1)[0, :-1].tolist(), tokens[1:])

    def test_encode_round_trip(self):
        tokens = self.tok.encode(FIRST_SENTENCES)
        self.assertEqual(tokens[0], capture.BOS)
        self.assertEqual(self.tok.decode(tokens), FIRST_SENTENCES)
        # The model's own greedy tokens for this text are the encoder's segmentation.
        self.assertEqual(self.model.generate_greedy(len(tokens) - 1), tokens)
        odd = "Tom said: \"naïve café\"\n\tend 😀 ~|"
        self.assertEqual(self.tok.decode(self.tok.encode(odd)), odd)
        self.assertEqual(self.tok.encode(""), [capture.BOS])

    @unittest.skipUnless(os.path.isfile(REFERENCE_H5), f"{REFERENCE_H5} not found")
    def test_matches_shared_reference_capture(self):
        """The first story of ../shared/data/stories260K_layers.h5 (rows 0..255): its token ids are recovered
        from layers.0's inputs (rmsnorm of the embedding); this module's inputs of all 35 layers match."""
        with h5py.File(REFERENCE_H5, "r") as f:
            x0 = f["layers.0.attention.wq/inputs"][:256]
            with torch.no_grad():
                candidates = self.model.layers[0].attention_norm(self.model.tok_embeddings.weight).numpy()
            d = ((x0[:, None, :] - candidates[None]) ** 2).sum(-1)
            ids = d.argmin(1)
            self.assertLess(float(d.min(1).max()), 1e-10)
            self.assertEqual(ids[0], capture.BOS)
            seen, handles = record_linear_io(self.model)
            try:
                with torch.no_grad():
                    self.model(torch.from_numpy(ids)[None])
            finally:
                for h in handles:
                    h.remove()
            mine = stack_calls(seen)
            for name in f:
                ref = f[name + "/inputs"][:256]
                np.testing.assert_array_equal(f[name + "/weight"][:], dict(self.model.named_modules())[name]
                                              .weight.detach().numpy())
                err = np.abs(mine[name][0] - ref).max() / np.abs(ref).max()
                self.assertLess(err, 5e-5, name)


@needs_model
class CliCaptureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.path = stories_capture()

    def test_every_layer_with_true_shapes_and_attributes(self):
        with h5py.File(self.path, "r") as f:
            groups = sorted(k for k in f if isinstance(f[k], h5py.Group))
            self.assertEqual(groups, sorted(STORIES_LAYERS))
            self.assertIn("stories260K", f.attrs["model"])
            self.assertIn("sampled", f.attrs["source"])
            for name, (d_out, d_in) in STORIES_LAYERS.items():
                g = f[name]
                self.assertEqual(g["weight"].shape, (d_out, d_in), name)
                self.assertEqual(g["weight"].dtype, np.float32)
                self.assertEqual(g["inputs"].shape, (100, d_in), name)
                self.assertEqual(g["inputs"].dtype, np.float32)
                self.assertEqual(g["token_index"].shape, (100,))
                self.assertEqual(g["token_index"].dtype, np.int64)
                self.assertNotIn("bias", g)
                self.assertEqual(g.attrs["layer"], name)
                for a in ("model", "source"):
                    self.assertIsInstance(g.attrs[a], str)

    def test_rows_spread_evenly(self):
        with h5py.File(self.path, "r") as f:
            idx = f["layers.0.attention.wq/token_index"][:]
            self.assertTrue((np.diff(idx) > 0).all())
            self.assertEqual((idx[0], idx[-1]), (0, 4 * 64 - 1))
            gaps = set(np.diff(idx).tolist())
            self.assertLessEqual(gaps, {math.floor(255 / 99), math.ceil(255 / 99)})
            for name in STORIES_LAYERS:
                np.testing.assert_array_equal(f[name + "/token_index"][:], idx)

    def test_recomputed_outputs_match_the_module(self):
        model = capture.load_llama2c(CHECKPOINT)
        with h5py.File(self.path, "r") as f:
            tokens = f["calibration_tokens"][:].reshape(4, 64)
            self.assertTrue((tokens[:, 0] == capture.BOS).all())
            seen, handles = record_linear_io(model)
            try:
                with torch.no_grad():
                    model(torch.from_numpy(tokens))      # all four at once; the tool ran batches of 3 and 1
            finally:
                for h in handles:
                    h.remove()
            io = stack_calls(seen)
            for name in STORIES_LAYERS:
                g = f[name]
                idx = g["token_index"][:]
                X = g["inputs"][:].astype(np.float64)
                W = g["weight"][:].astype(np.float64)
                x_true, y_true = io[name]
                self.assertLess(max_row_relative_error(X @ W.T, y_true[idx]), 1e-5, name)
                self.assertLess(max_row_relative_error(X, x_true[idx]), 1e-5, name)

    def test_sampled_tokens_do_not_depend_on_batch_size(self):
        model = capture.load_llama2c(CHECKPOINT)
        again = capture.sample_sequences(model.step_function(), 4, 64, seed=7, batch_size=4)
        with h5py.File(self.path, "r") as f:
            np.testing.assert_array_equal(f["calibration_tokens"][:].reshape(4, 64), again.numpy())
        other = capture.sample_sequences(model.step_function(), 4, 64, seed=8, batch_size=4)
        self.assertFalse(torch.equal(again, other))

    def test_no_temporary_file_left(self):
        self.assertEqual(os.listdir(os.path.dirname(self.path)), ["stories.h5"])


@needs_model
class CliCalibrationInputsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=_tmp)

    def test_text_with_tokenizer_and_layer_filter(self):
        text_path = os.path.join(self.dir, "story.txt")
        text = PUBLISHED_GREEDY + "\n"
        with open(text_path, "w", encoding="utf-8") as f:
            f.write(text)
        out = os.path.join(self.dir, "text.h5")
        r = run_capture("--llama2c", CHECKPOINT, "--tokenizer", TOKENIZER, "--text", text_path, "--seq-len", "100",
                        "--rows", "40", "--layers", r"feed_forward\.w2|output", "--out", out, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        tok = capture.Llama2cTokenizer(TOKENIZER, 512)
        expected = tok.encode(PUBLISHED_GREEDY)
        with h5py.File(out, "r") as f:
            self.assertEqual(sorted(k for k in f if isinstance(f[k], h5py.Group)),
                             sorted([f"layers.{i}.feed_forward.w2" for i in range(5)] + ["output"]))
            self.assertEqual(f["calibration_tokens"][:].tolist(), expected)
            self.assertEqual(f["output/inputs"].shape, (40, 64))
            self.assertEqual(f["output/token_index"][-1], len(expected) - 1)

    def test_one_dimensional_tokens_split_into_sequences(self):
        ids = np.array(capture.Llama2cTokenizer(TOKENIZER, 512).encode(FIRST_SENTENCES * 2), dtype=np.int32)
        npy = os.path.join(self.dir, "ids.npy")
        np.save(npy, ids)
        out = os.path.join(self.dir, "ids.h5")
        r = run_capture("--llama2c", CHECKPOINT, "--tokens", npy, "--seq-len", "16", "--layers", "layers.4",
                        "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out, "r") as f:
            self.assertEqual(len([k for k in f if isinstance(f[k], h5py.Group)]), 7)
            self.assertEqual(f.attrs["n_tokens"], len(ids))
            np.testing.assert_array_equal(f["layers.4.feed_forward.w1/token_index"][:], np.arange(len(ids)))
            np.testing.assert_array_equal(f["calibration_tokens"][:], ids)


    def test_saved_tokens_are_the_whole_calibration_sequences_and_evaluate(self):
        ids = np.array(capture.Llama2cTokenizer(TOKENIZER, 512).encode(FIRST_SENTENCES * 3), dtype=np.int32)
        text_path = os.path.join(self.dir, "story.txt")
        with open(text_path, "w", encoding="utf-8") as f:
            f.write(FIRST_SENTENCES * 3)
        saved = os.path.join(self.dir, "tokens.npy")
        r = run_capture("--llama2c", CHECKPOINT, "--tokenizer", TOKENIZER, "--text", text_path, "--seq-len", "16",
                        "--layers", "layers.4", "--save-tokens", saved, "--out", os.path.join(self.dir, "t.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        tokens = np.load(saved)
        whole = len(ids) // 16
        self.assertEqual(tokens.dtype, np.int32)
        self.assertEqual(tokens.shape, (whole, 16))
        np.testing.assert_array_equal(tokens.reshape(-1), ids[:whole * 16])
        self.assertFalse([n for n in os.listdir(self.dir) if ".tmp-" in n])
        cli = os.environ.get("LAYERLENS_CLI")
        if cli:   # the saved ids are what eval-model reads
            e = subprocess.run([cli, "eval-model", CHECKPOINT, "--eval-tokens", saved, "--json"], capture_output=True,
                               text=True, timeout=120)
            self.assertEqual(e.returncode, 0, e.stderr)
            self.assertEqual(json.loads(e.stdout)[0]["evaluation_tokens"], whole * 15)


class Conv1D(nn.Module):
    """GPT-2's Conv1D as transformers defines it: weight [d_in, d_out], forward x @ weight + bias."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.randn(nx, nf) * 0.3)
        self.bias = nn.Parameter(torch.randn(nf))

    def forward(self, x):
        shape = x.shape[:-1] + (self.nf,)
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(shape)


class Inner(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = Conv1D(12, 8)
        self.fc = nn.Linear(12, 8, bias=False)

    def forward(self, x):
        return self.fc(torch.tanh(self.proj(x)))


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(6, 8)
        self.inner = Inner()
        self.head = nn.Linear(8, 3)
        self.unused = nn.Linear(8, 8)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        return self.head(self.dropout(self.inner(torch.relu(self.inp(x)))))


class PythonApiTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.dir = tempfile.mkdtemp(dir=_tmp)
        self.net = SmallNet().train()
        # 10 + 12 + 7 = 29 tokens, batches of different shapes
        self.batches = [torch.randn(2, 5, 6), torch.randn(3, 4, 6), torch.randn(7, 6)]

    def test_weights_bias_and_outputs(self):
        out = os.path.join(self.dir, "small.h5")
        result = capture.capture(self.net, self.batches, out, max_rows=10, model_name="small net", progress=False)
        self.assertEqual(result["skipped"], {"unused": "not called in batch 1"})
        self.assertTrue(self.net.training, "the module's mode is restored")
        self.assertFalse(any(m._forward_hooks for m in self.net.modules()), "hooks are removed")
        self.net.eval()
        seen, handles = record_linear_io(self.net)
        with torch.no_grad():
            for b in self.batches:
                self.net(b)
        for h in handles:
            h.remove()
        io = stack_calls(seen)
        expected_idx = np.array([(i * 28) // 9 for i in range(10)])
        with h5py.File(out, "r") as f:
            self.assertEqual(sorted(f), sorted(["inner.fc", "inner.proj", "inp", "head"]))
            self.assertEqual(f.attrs["model"], "small net")
            self.assertEqual(f["inner.proj/weight"].shape, (12, 8))
            np.testing.assert_array_equal(f["inner.proj/weight"][:], self.net.inner.proj.weight.detach().numpy().T)
            np.testing.assert_array_equal(f["inp/weight"][:], self.net.inp.weight.detach().numpy())
            np.testing.assert_array_equal(f["inner.proj/bias"][:], self.net.inner.proj.bias.detach().numpy())
            np.testing.assert_array_equal(f["head/bias"][:], self.net.head.bias.detach().numpy())
            self.assertNotIn("bias", f["inner.fc"])
            for name in ("inp", "inner.proj", "inner.fc", "head"):
                g = f[name]
                np.testing.assert_array_equal(g["token_index"][:], expected_idx)
                self.assertEqual(g.attrs["layer"], name)
                X = g["inputs"][:].astype(np.float64)
                y = X @ g["weight"][:].astype(np.float64).T
                if "bias" in g:
                    y = y + g["bias"][:]
                x_true, y_true = io[name]
                self.assertEqual(x_true.shape[0], 29)
                self.assertLess(max_row_relative_error(y, y_true[expected_idx]), 1e-5, name)
                np.testing.assert_allclose(X, x_true[expected_idx], rtol=1e-6, atol=1e-7)
            self.assertNotIn("calibration_tokens", f)    # float inputs are not token ids

    def test_layer_filter_regex_and_callable(self):
        out = os.path.join(self.dir, "f.h5")
        r = capture.capture(self.net, self.batches, out, layer_filter=r"^inner\.", progress=False)
        self.assertEqual(r["layers"], ["inner.proj", "inner.fc"])
        r = capture.capture(self.net, iter(self.batches), out, layer_filter=lambda n, m: isinstance(m, Conv1D),
                            progress=False)
        self.assertEqual(r["layers"], ["inner.proj"])
        self.assertEqual(r["n_rows"], 29)       # fewer tokens than max_rows: every token
        with h5py.File(out, "r") as f:
            np.testing.assert_array_equal(f["inner.proj/token_index"][:], np.arange(29))
        with self.assertRaises(capture.UsageError):
            capture.capture(self.net, self.batches, out, layer_filter="nomatch", progress=False)

    def test_custom_forward_and_token_batches(self):
        emb = nn.Sequential(nn.Embedding(20, 6), nn.Linear(6, 4))
        batches = [torch.randint(0, 20, (2, 3)), torch.randint(0, 20, (5,))]
        out = os.path.join(self.dir, "tok.h5")
        calls = []
        r = capture.capture(emb, batches, out, forward=lambda m, b: calls.append(1) or m(b), progress=False)
        self.assertEqual(len(calls), 2)
        self.assertEqual(r["layers"], ["1"])
        with h5py.File(out, "r") as f:
            np.testing.assert_array_equal(f["calibration_tokens"][:],
                                          torch.cat([b.reshape(-1) for b in batches]).numpy())
            np.testing.assert_allclose(f["1/inputs"][:], emb[0](torch.cat([batches[0].reshape(-1), batches[1]]))
                                       .detach().numpy(), rtol=1e-6)

    def test_failure_leaves_no_file_under_the_final_name(self):
        out = os.path.join(self.dir, "crash.h5")
        with open(out, "wb") as f:
            f.write(b"previous")

        def forward(m, b):
            if b.shape[0] == 3:
                raise RuntimeError("boom in batch 2")
            return m(b)

        with self.assertRaisesRegex(RuntimeError, "boom"):
            capture.capture(self.net, self.batches, out, forward=forward, progress=False)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"previous")
        self.assertEqual(os.listdir(self.dir), ["crash.h5"])

    def test_a_layer_called_twice_is_left_out(self):
        class Twice(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(4, 4)
                self.b = nn.Linear(4, 2)

            def forward(self, x):
                return self.b(self.a(self.a(x)))

        out = os.path.join(self.dir, "twice.h5")
        r = capture.capture(Twice(), [torch.randn(3, 4)], out, progress=False)
        self.assertEqual(r["layers"], ["b"])
        self.assertIn("more than once", r["skipped"]["a"])
        with h5py.File(out, "r") as f:
            self.assertEqual(list(f), ["b"])

    def test_even_indices(self):
        self.assertEqual(capture.even_indices(10, 4).tolist(), [0, 3, 6, 9])
        self.assertEqual(capture.even_indices(5, 9).tolist(), [0, 1, 2, 3, 4])
        self.assertEqual(capture.even_indices(7, 1).tolist(), [0])
        idx = capture.even_indices(10**9 + 7, 4096)
        self.assertTrue((np.diff(idx) > 0).all())
        self.assertEqual((idx[0], idx[-1]), (0, 10**9 + 6))


STUB_TRANSFORMERS = '''"""A stand-in for the transformers package: just what capture.py's --model path calls."""
import torch
import torch.nn as nn

__version__ = "0-stub"


class Conv1D(nn.Module):
    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.randn(nx, nf) * 0.3)
        self.bias = nn.Parameter(torch.randn(nf) * 0.1)

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(x.shape[:-1] + (self.nf,))


class Output:
    def __init__(self, logits, past_key_values):
        self.logits, self.past_key_values = logits, past_key_values


class Config:
    vocab_size = 40
    max_position_embeddings = 32


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = Conv1D(16, 8)
        self.c_proj = Conv1D(8, 16)

    def forward(self, x):
        return x + self.c_proj(torch.tanh(self.c_fc(x)))


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.config = Config()
        self.wte = nn.Embedding(40, 8)
        self.h = nn.ModuleList([Block()])
        self.lm_head = nn.Linear(8, 40, bias=False)

    def forward(self, input_ids, past_key_values=None, use_cache=False):
        seen = (past_key_values or 0) + input_ids.shape[1]
        if seen > self.config.max_position_embeddings:
            raise ValueError("too long")
        x = self.wte(input_ids)
        for block in self.h:
            x = block(x)
        return Output(self.lm_head(x), seen if use_cache else None)


class AutoModelForCausalLM:
    @staticmethod
    def from_pretrained(name, **kwargs):
        if name != "tiny":
            raise OSError(f"{name} is not a local folder and is not a valid model identifier")
        return TinyLM()


class Tokenizer:
    bos_token_id = 0
    eos_token_id = 0

    def __len__(self):
        return 40

    def __call__(self, text):
        return {"input_ids": [0] + [1 + ord(c) % 39 for c in text]}


class AutoTokenizer:
    @staticmethod
    def from_pretrained(name, **kwargs):
        return Tokenizer()
'''


class TransformersPathTest(unittest.TestCase):
    """--model with a stand-in transformers package on PYTHONPATH (the real one is not installed here)."""

    @classmethod
    def setUpClass(cls):
        cls.stub = tempfile.mkdtemp(dir=_tmp)
        os.makedirs(os.path.join(cls.stub, "transformers"))
        with open(os.path.join(cls.stub, "transformers", "__init__.py"), "w") as f:
            f.write(STUB_TRANSFORMERS)

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=_tmp)

    def run_with_stub(self, *args):
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=self.stub)
        return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=300, env=env)

    def test_sample_and_text_through_the_model_path(self):
        out = os.path.join(self.dir, "tiny.h5")
        r = self.run_with_stub("--model", "tiny", "--sample", "3", "--seq-len", "10", "--batch-size", "2",
                               "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        sys.path.insert(0, self.stub)
        try:
            import transformers as stub
            reference = stub.TinyLM()
        finally:
            sys.path.remove(self.stub)
            sys.modules.pop("transformers", None)
        with h5py.File(out, "r") as f:
            groups = sorted(k for k in f if isinstance(f[k], h5py.Group))
            self.assertEqual(groups, ["h.0.c_fc", "h.0.c_proj", "lm_head"])
            self.assertEqual(f["h.0.c_fc/weight"].shape, (16, 8))      # Conv1D [8, 16] stored as [d_out, d_in]
            self.assertEqual(f["h.0.c_proj/weight"].shape, (8, 16))
            self.assertEqual(f["lm_head/inputs"].shape, (30, 8))
            tokens = f["calibration_tokens"][:].reshape(3, 10)
            self.assertTrue((tokens[:, 0] == 0).all())
            self.assertEqual(f.attrs["model"], "tiny")
            for name, module in (("h.0.c_fc", reference.h[0].c_fc), ("h.0.c_proj", reference.h[0].c_proj)):
                g = f[name]
                np.testing.assert_array_equal(g["weight"][:], module.weight.detach().numpy().T)
                np.testing.assert_array_equal(g["bias"][:], module.bias.detach().numpy())
                x = g["inputs"][:]
                with torch.no_grad():
                    y = module(torch.from_numpy(x)).double().numpy()
                self.assertLess(max_row_relative_error(x.astype(np.float64) @ g["weight"][:].astype(np.float64).T
                                                       + g["bias"][:], y), 1e-6)
        text = os.path.join(self.dir, "t.txt")
        with open(text, "w") as f:
            f.write("hello world, " * 5)
        r = self.run_with_stub("--model", "tiny", "--text", text, "--seq-len", "16", "--out", out, "--quiet")
        self.assertEqual(r.returncode, 2, r.stderr)          # the first run's file is kept ...
        self.assertIn("--force", r.stderr)
        r = self.run_with_stub("--model", "tiny", "--text", text, "--seq-len", "16", "--out", out, "--quiet",
                               "--force")                     # ... unless asked to replace it
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out, "r") as f:
            self.assertEqual(f.attrs["n_tokens"], 1 + len("hello world, " * 5))

    def test_unknown_model(self):
        out = os.path.join(self.dir, "x.h5")
        r = self.run_with_stub("--model", "no-such-model", "--sample", "1", "--out", out)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no-such-model", r.stderr.strip().splitlines()[-1])
        self.assertFalse(os.path.exists(out))


@needs_model
class LayerLensCliTest(unittest.TestCase):
    """The real layerlens-cli opens the captured file."""

    @classmethod
    def setUpClass(cls):
        cls.cli = os.environ.get("LAYERLENS_CLI")
        if not cls.cli:
            raise unittest.SkipTest("LAYERLENS_CLI is not set (ctest sets it to the built layerlens-cli)")
        if not os.access(cls.cli, os.X_OK):
            raise AssertionError(f"LAYERLENS_CLI={cls.cli} is not an executable")
        cls.path = stories_capture()

    def cli_run(self, *args):
        return subprocess.run([self.cli, *args], capture_output=True, text=True, timeout=300)

    def test_info_lists_every_layer(self):
        r = self.cli_run("info", self.path)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [line for line in r.stdout.splitlines() if re.match(r"(layers\.\d+\.|output\s)", line)]
        self.assertEqual(len(rows), len(STORIES_LAYERS), r.stdout)
        for name, (d_out, d_in) in STORIES_LAYERS.items():
            self.assertRegex(r.stdout, rf"(?m)^{re.escape(name)}\s+{d_out}\s+{d_in}\s+float32\s+100\s")

    def test_rtn_on_a_captured_layer(self):
        r = self.cli_run("run", self.path, "--layer", "layers.0.attention.wq", "--method", "rtn", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        result = json.loads(r.stdout)
        e = result["relative_output_error"]
        self.assertTrue(math.isfinite(e))
        self.assertGreater(e, 0.0)
        self.assertLess(e, 0.05)


class BadInputTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=_tmp)
        self.out = os.path.join(self.dir, "out.h5")

    def assert_one_line_error(self, r, code, *fragments):
        self.assertEqual(r.returncode, code, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        self.assertIn("error", last)
        for fragment in fragments:
            self.assertIn(fragment, last)
        self.assertFalse(os.path.exists(self.out))
        self.assertNotIn("Traceback", r.stderr)

    @needs_model
    def test_truncated_checkpoint(self):
        bad = os.path.join(self.dir, "cut.bin")
        with open(CHECKPOINT, "rb") as src, open(bad, "wb") as dst:
            dst.write(src.read(500_000))
        r = run_capture("--llama2c", bad, "--sample", "1", "--seq-len", "8", "--out", self.out)
        self.assert_one_line_error(r, 1, bad, "truncated")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        with open(bad, "wb") as dst:
            dst.write(b"\x01\x02")
        r = run_capture("--llama2c", bad, "--sample", "1", "--out", self.out)
        self.assert_one_line_error(r, 1, bad)

    def test_missing_checkpoint(self):
        missing = os.path.join(self.dir, "nope.bin")
        r = run_capture("--llama2c", missing, "--sample", "1", "--out", self.out)
        self.assert_one_line_error(r, 1, missing)

    @unittest.skipIf(__import__("importlib").util.find_spec("transformers") is not None,
                     "transformers is installed here")
    def test_model_without_transformers(self):
        r = run_capture("--model", "gpt2", "--sample", "1", "--out", self.out)
        self.assert_one_line_error(r, 2, "transformers is not installed", "--llama2c")

    @needs_model
    def test_bad_tokens(self):
        npy = os.path.join(self.dir, "t.npy")
        np.save(npy, np.array([[1, 5, 900]]))
        r = run_main("--llama2c", CHECKPOINT, "--tokens", npy, "--out", self.out)
        self.assert_one_line_error(r, 1, npy, "[0, 512)")
        np.save(npy, np.array([1.0, 2.0]))
        r = run_main("--llama2c", CHECKPOINT, "--tokens", npy, "--out", self.out)
        self.assert_one_line_error(r, 1, npy, "integer")

    @needs_model
    def test_bad_usage(self):
        r = run_capture("--llama2c", CHECKPOINT, "--sample", "1")                           # no --out
        self.assert_one_line_error(r, 2, "--out")
        cases = [
            ["--llama2c", CHECKPOINT, "--sample", "1", "--rows", "0", "--out", self.out],
            ["--llama2c", CHECKPOINT, "--text", CHECKPOINT, "--out", self.out],             # no --tokenizer
            ["--llama2c", CHECKPOINT, "--sample", "1", "--seq-len", "513", "--out", self.out],
            ["--llama2c", CHECKPOINT, "--sample", "1", "--layers", "(", "--out", self.out],
            ["--llama2c", CHECKPOINT, "--sample", "1", "--layers", "nothing", "--out", self.out],
            ["--llama2c", CHECKPOINT, "--out", self.out],                                     # no calibration
            ["--llama2c", CHECKPOINT, "--sample", "1", "--out", os.path.join(self.dir, "no", "x.h5")],
        ]
        for args in cases:
            with self.subTest(args=args[2:]):
                r = run_main(*args)
                self.assert_one_line_error(r, 2)
        self.assertEqual(os.listdir(self.dir), [])


# The command line's contract, on hand-made inputs (no real model needed): exit 0 success, 1 bad input file or
# data, 2 bad usage; one line on stderr naming the file or option; no traceback; nothing hangs; no file replaced
# without --force and never an input; nothing allocated that a header merely claims.

HEADER_FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len")
TINY_HEADER = dict(dim=8, hidden_dim=16, n_layers=1, n_heads=2, n_kv_heads=1, vocab_size=8, seq_len=16)
# 64 heads and a context of 8192: the attention scores [batch, 64, 8192, 8192] of one forward pass over a few
# dozen sequences take terabytes, while the file is 360 kB.
WIDE_HEADER = dict(dim=128, hidden_dim=16, n_layers=1, n_heads=64, n_kv_heads=64, vocab_size=8, seq_len=8192)


def checkpoint_arrays(header, seed=0):
    """The float32 arrays of a legacy llama2.c checkpoint with this header, in file order, following llama2.c's
    export layout (written here, not taken from the tool's reader). RMSNorm weights are near 1, the rest small."""
    L, d, hidden, vocab, T = (header["n_layers"], header["dim"], header["hidden_dim"], abs(header["vocab_size"]),
                              header["seq_len"])
    head = d // header["n_heads"] if header["n_heads"] > 0 else 0
    kv = head * header["n_kv_heads"]
    shapes = [("token_embedding", (vocab, d)), ("rms_att", (L, d)), ("wq", (L, d, d)), ("wk", (L, kv, d)),
              ("wv", (L, kv, d)), ("wo", (L, d, d)), ("rms_ffn", (L, d)), ("w1", (L, hidden, d)),
              ("w2", (L, d, hidden)), ("w3", (L, hidden, d)), ("rms_final", (d,)),
              ("freq_cis_real", (T, head // 2)), ("freq_cis_imag", (T, head // 2))]
    if header["vocab_size"] < 0:
        shapes.append(("wcls", (vocab, d)))
    rng = np.random.default_rng(seed)
    arrays = {}
    for name, shape in shapes:
        shape = tuple(max(n, 0) for n in shape)     # degenerate headers: empty arrays
        noise = rng.standard_normal(shape)
        arrays[name] = (1.0 + 0.1 * noise if name.startswith("rms") else 0.3 * noise).astype(np.float32)
    return arrays


def write_checkpoint(path, header=TINY_HEADER, arrays=None):
    """Writes the 7-int32 header and `arrays` (default: checkpoint_arrays(header)); returns the arrays."""
    arrays = checkpoint_arrays(header) if arrays is None else arrays
    with open(path, "wb") as f:
        f.write(struct.pack("<7i", *(header[k] for k in HEADER_FIELDS)))
        for a in arrays.values():
            f.write(a.astype("<f4").tobytes())
    return arrays


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class CommandLineContractTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model_dir = tempfile.mkdtemp(dir=_tmp)
        cls.model = os.path.join(cls.model_dir, "tiny.bin")
        cls.arrays = write_checkpoint(cls.model)

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=_tmp)
        self.out = os.path.join(self.dir, "out.h5")

    def run_tool(self, *args, timeout=120):
        """capture.py as a user runs it (--quiet: stderr holds only what went wrong). A hang fails the test
        with TimeoutExpired."""
        return run_capture(*args, "--quiet", timeout=timeout)

    def sample_args(self, *extra):
        return ("--llama2c", self.model, "--sample", "2", "--seq-len", "4", *extra)

    def assert_refused(self, r, code, *fragments):
        """Exit `code` and exactly one line on stderr, an error holding every fragment (so no traceback)."""
        self.assertEqual(r.returncode, code, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("capture.py: error: "), lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])

    def char_device(self):
        """A character device to aim --out at. As root, a private copy of /dev/full (major 1, minor 7) made here,
        so a regression replaces that node and not the system's; otherwise /dev/full, which no user can replace."""
        if os.geteuid() == 0:
            path = os.path.join(self.dir, "full")
            os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 7))
            return path
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        return "/dev/full"

    # Finding 1: --out naming a folder, with or without a trailing slash, or empty.
    def test_out_naming_a_folder_is_a_usage_error(self):
        folder = os.path.join(self.dir, "folder")
        os.mkdir(folder)
        for out in (folder, folder + "/", "", os.path.join(self.dir, "new") + "/", "."):
            with self.subTest(out=out):
                self.assert_refused(self.run_tool(*self.sample_args("--out", out)), 2, "--out")
        self.assertEqual(sorted(os.listdir(self.dir)), ["folder"])
        self.assertEqual(os.listdir(folder), [])

    # Finding 2: an existing --out is kept unless --force; the new file is renamed into place.
    def test_existing_output_is_replaced_only_with_force(self):
        saved = os.path.join(self.dir, "ids.npy")
        for option, path, extra in (("--out", self.out, ()), ("--save-tokens", saved, ("--out", self.out))):
            with self.subTest(option=option):
                with open(path, "wb") as f:
                    f.write(b"an earlier result")
                r = self.run_tool(*self.sample_args(*extra, option, path))
                self.assert_refused(r, 2, f"{option} {path}", "already exists", "--force")
                self.assertEqual(file_bytes(path), b"an earlier result")
                os.remove(path)
        for path in (self.out, saved):
            with open(path, "wb") as f:
                f.write(b"an earlier result")
        r = self.run_tool(*self.sample_args("--out", self.out, "--save-tokens", saved, "--force"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(self.out, "r") as f:
            self.assertEqual(f.attrs["n_tokens"], 8)
            np.testing.assert_array_equal(np.load(saved).reshape(-1), f["calibration_tokens"][:])
        self.assertEqual(sorted(os.listdir(self.dir)), ["ids.npy", "out.h5"])     # no temporary left beside them

    # Finding 2: an output that is one of the inputs, however it is spelled, even with --force.
    def test_output_that_is_an_input_is_refused_even_with_force(self):
        model = os.path.join(self.dir, "m.bin")
        shutil.copy(self.model, model)
        hard_link, symlink = os.path.join(self.dir, "hard.bin"), os.path.join(self.dir, "sym.bin")
        os.link(model, hard_link)
        os.symlink(model, symlink)
        tokens, text, tokenizer = (os.path.join(self.dir, n) for n in ("ids.npy", "story.txt", "tok.bin"))
        np.save(tokens, np.array([[1, 2, 3]], dtype=np.int32))
        with open(text, "w") as f:
            f.write("Once upon a time")
        with open(tokenizer, "wb") as f:
            f.write(b"\0" * 16)       # never read: the refusal comes first
        before = {p: file_bytes(p) for p in (model, tokens, text, tokenizer)}
        sample = ["--llama2c", model, "--sample", "1"]
        with_text = ["--llama2c", model, "--tokenizer", tokenizer, "--text", text]
        cases = [
            (sample + ["--out", model], "--llama2c"),
            (sample + ["--out", os.path.join(self.dir, ".", "m.bin")], "--llama2c"),
            (sample + ["--out", hard_link], "--llama2c"),
            (sample + ["--out", symlink], "--llama2c"),
            (["--llama2c", model, "--tokens", tokens, "--out", tokens], "--tokens"),
            (with_text + ["--out", text], "--text"),
            (with_text + ["--out", tokenizer], "--tokenizer"),
            (sample + ["--save-tokens", model, "--out", self.out], "--llama2c"),
            (sample + ["--save-tokens", self.out, "--out", self.out], "--out"),
        ]
        runs = [(args, ["--force"]) for args, _ in cases] + [(cases[0][0], [])]
        for (args, force), option in zip(runs, [o for _, o in cases] + [cases[0][1]]):
            with self.subTest(args=args[2:], force=force):
                self.assert_refused(self.run_tool(*args, *force), 2, "same file as", option)
        for path, content in before.items():
            self.assertEqual(file_bytes(path), content, path)
        self.assertFalse(os.path.exists(self.out))

    # Finding 2: a device node or FIFO is never written to, not even with --force.
    def test_output_that_is_a_device_or_fifo_is_refused(self):
        fifo = os.path.join(self.dir, "pipe")
        os.mkfifo(fifo)
        for target, kind in ((fifo, "FIFO"), (self.char_device(), "device")):
            for option in ("--out", "--save-tokens"):
                args = ("--out", target) if option == "--out" else ("--save-tokens", target, "--out", self.out)
                with self.subTest(target=target, option=option):
                    r = self.run_tool(*self.sample_args("--force", *args), timeout=60)
                    self.assert_refused(r, 2, f"{option} {target}", kind)
            self.assertFalse(stat.S_ISREG(os.stat(target).st_mode), target)
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
        self.assertFalse(os.path.exists(self.out))

    # Finding 3: sizes whose memory the machine cannot have are refused with the estimate, before allocating.
    def test_sizes_beyond_memory_are_refused_before_allocating(self):
        wide = os.path.join(self.dir, "wide.bin")
        write_checkpoint(wide, WIDE_HEADER)
        ids = os.path.join(self.dir, "ids.npy")
        np.save(ids, np.ones((64, 8192), dtype=np.int16))
        cases = [
            (["--llama2c", self.model, "--sample", str(10**12), "--seq-len", "8"], "--sample 1000000000000"),
            (["--llama2c", wide, "--sample", "100000", "--seq-len", "8192", "--batch-size", "100000"],
             "--batch-size 100000"),
            (["--llama2c", wide, "--tokens", ids, "--batch-size", "64"], "--batch-size 64"),
        ]
        for args, fragment in cases:
            with self.subTest(args=args[2:]):
                self.assert_refused(self.run_tool(*args, "--out", self.out), 2, fragment, "of memory")
        self.assertFalse(os.path.exists(self.out))

    # Finding 3: --rows and --batch-size beyond the tokens there are cost nothing and keep every token.
    def test_huge_rows_and_batch_size_are_clipped_to_the_tokens(self):
        r = self.run_tool(*self.sample_args("--rows", str(10**12), "--batch-size", str(10**12), "--out", self.out))
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(self.out, "r") as f:
            self.assertEqual(f["layers.0.attention.wq/inputs"].shape, (8, 8))
            np.testing.assert_array_equal(f["layers.0.attention.wq/token_index"][:], np.arange(8))

    # Finding 4: --seed outside what torch.Generator.manual_seed takes as a distinct seed.
    def test_seed_outside_uint64_is_a_usage_error(self):
        for seed in (2**64, 10**30, -1, -2**63 - 1):
            with self.subTest(seed=seed):
                r = self.run_tool(*self.sample_args("--seed", str(seed), "--out", self.out))
                self.assert_refused(r, 2, "--seed", f"0..{2**64 - 1}")
        for seed in (0, 2**64 - 1):
            with self.subTest(seed=seed):
                r = self.run_tool(*self.sample_args("--seed", str(seed), "--out", self.out, "--force"))
                self.assertEqual(r.returncode, 0, r.stderr)
                with h5py.File(self.out, "r") as f:
                    self.assertEqual(int(f.attrs["seed"]), seed)

    # Finding 5: --threads beyond 1..1024 (OpenMP would start them all, or hang).
    def test_threads_outside_1_to_1024_is_a_usage_error(self):
        for threads in (0, 1025, 100000, 10**6):
            with self.subTest(threads=threads):
                r = self.run_tool(*self.sample_args("--threads", str(threads), "--out", self.out), timeout=60)
                self.assert_refused(r, 2, "--threads", "1..1024")
        r = self.run_tool(*self.sample_args("--threads", "2", "--out", self.out))
        self.assertEqual(r.returncode, 0, r.stderr)

    # Finding 6: headers that look valid but cannot be a model; the message names the field.
    def test_degenerate_checkpoint_headers_name_the_field(self):
        cases = [
            (dict(vocab_size=1), "vocab_size is 1"),
            (dict(vocab_size=-1), "|vocab_size| is 1"),
            (dict(vocab_size=0), "vocab_size is 0"),
            (dict(n_heads=3), "dim 8 does not divide by n_heads 3"),
            (dict(n_heads=0), "n_heads is 0"),
            (dict(n_kv_heads=0), "n_kv_heads is 0"),
            (dict(n_kv_heads=4), "n_heads 2 does not divide by n_kv_heads 4"),
            (dict(seq_len=0), "seq_len is 0"),
            (dict(hidden_dim=0), "hidden_dim is 0"),
            (dict(dim=0), "dim is 0"),
            (dict(n_layers=-2), "n_layers is -2"),
            (dict(dim=6), "the head size dim / n_heads = 3 is odd"),
            (dict(seq_len=1 << 23), "seq_len is 8388608"),
        ]
        path = os.path.join(self.dir, "bad.bin")
        for change, fragment in cases:
            with self.subTest(change=change):
                header = dict(TINY_HEADER, **change)
                # A file exactly as long as the header asks, so only the header can be wrong (the huge
                # seq_len one is the header alone: the tool must not read on).
                write_checkpoint(path, header, {} if header["seq_len"] > 1 << 20 else None)
                r = self.run_tool("--llama2c", path, "--sample", "1", "--seq-len", "1", "--out", self.out)
                self.assert_refused(r, 1, path, fragment)
        self.assertFalse(os.path.exists(self.out))

    # Finding 7: an input that is a FIFO (or a folder) is refused at once instead of read forever.
    def test_inputs_that_are_not_regular_files_are_refused(self):
        fifo, folder = os.path.join(self.dir, "pipe"), os.path.join(self.dir, "folder")
        os.mkfifo(fifo)
        os.mkdir(folder)
        text, tokenizer = os.path.join(self.dir, "story.txt"), os.path.join(self.dir, "tok.bin")
        for path in (text, tokenizer):
            with open(path, "wb") as f:
                f.write(b"\0" * 16)
        cases = [
            (["--llama2c", fifo, "--sample", "1"], fifo, "checkpoint is a FIFO"),
            (["--llama2c", self.model, "--tokens", fifo], fifo, "token file is a FIFO"),
            (["--llama2c", self.model, "--tokenizer", fifo, "--text", text], fifo, "tokenizer is a FIFO"),
            (["--llama2c", self.model, "--tokenizer", tokenizer, "--text", fifo], fifo, "text is a FIFO"),
            (["--llama2c", folder, "--sample", "1"], folder, "checkpoint is a folder"),
            (["--llama2c", self.model, "--tokens", folder], folder, "token file is a folder"),
        ]
        for args, path, fragment in cases:
            with self.subTest(args=args):
                self.assert_refused(self.run_tool(*args, "--out", self.out, timeout=60), 1, path, fragment)
        self.assertFalse(os.path.exists(self.out))

    # Finding 8: a .npy header is checked against the file's size before anything it claims is allocated.
    def test_npy_header_must_match_the_file_size(self):
        ids = (np.arange(100) % 8).astype(np.int32)

        def npy_file(name, header, payload, version=(1, 0)):
            path = os.path.join(self.dir, name)
            with open(path, "wb") as f:
                write = (np.lib.format.write_array_header_1_0 if version == (1, 0)
                         else np.lib.format.write_array_header_2_0)
                write(f, dict(descr="<i4", fortran_order=False, **header))
                f.write(payload)
            return path

        claims = npy_file("claims.npy", dict(shape=(4_000_000_000,)), ids[:4].tobytes())
        claims_v2 = npy_file("claims2.npy", dict(shape=(2, 1 << 40)), ids.tobytes(), version=(2, 0))
        cut = npy_file("cut.npy", dict(shape=(100,)), ids[:98].tobytes())
        longer = npy_file("longer.npy", dict(shape=(100,)), ids.tobytes() + b"\0\0\0\0")
        not_npy = os.path.join(self.dir, "text.npy")
        with open(not_npy, "w") as f:
            f.write("1 2 3\n")
        cases = [(claims, "(4000000000,)"), (claims_v2, "truncated"), (cut, "truncated"),
                 (longer, "longer than its header says"), (not_npy, "not a .npy")]
        for path, fragment in cases:
            with self.subTest(path=os.path.basename(path)):
                r = self.run_tool("--llama2c", self.model, "--tokens", path, "--out", self.out)
                self.assert_refused(r, 1, path, fragment)
        self.assertFalse(os.path.exists(self.out))
        exact = npy_file("exact.npy", dict(shape=(100,)), ids.tobytes())     # the same ids, told the truth
        r = self.run_tool("--llama2c", self.model, "--tokens", exact, "--seq-len", "10", "--out", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)

    # Finding 9: an embedding row of ~1e19 overflows float32's squares; its RMSNorm is taken in float64.
    def test_rmsnorm_of_a_huge_row_matches_float64(self):
        arrays = checkpoint_arrays(TINY_HEADER)
        arrays["token_embedding"][3] *= np.float32(1e20)
        path = os.path.join(self.dir, "huge.bin")
        write_checkpoint(path, TINY_HEADER, arrays)
        ids = np.array([1, 3, 5, 3, 2])
        tokens = os.path.join(self.dir, "ids.npy")
        np.save(tokens, ids[None])
        r = self.run_tool("--llama2c", path, "--tokens", tokens, "--out", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        huge = ids == 3
        with h5py.File(self.out, "r") as f:
            for name in f:
                if isinstance(f[name], h5py.Group):
                    self.assertTrue(np.isfinite(f[name + "/inputs"][:]).all(), name)
            np.testing.assert_array_equal(f["layers.0.attention.wq/token_index"][:], np.arange(len(ids)))
            X = f["layers.0.attention.wq/inputs"][:]
            X_ffn = f["layers.0.feed_forward.w1/inputs"][:]
        e = arrays["token_embedding"][ids].astype(np.float64)
        reference = e / np.sqrt((e * e).mean(axis=1, keepdims=True) + 1e-5) * arrays["rms_att"][0].astype(np.float64)
        self.assertTrue((X[huge] != 0).all())
        np.testing.assert_allclose(X[huge], reference[huge], rtol=1e-6)
        # Ordinary rows are still llama2.c's float32 arithmetic, bit for bit.
        x = torch.from_numpy(arrays["token_embedding"][ids[~huge]])
        ordinary = torch.from_numpy(arrays["rms_att"][0]) * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5))
        np.testing.assert_array_equal(X[~huge], ordinary.numpy())
        # The residual stream still holds ~1e19 there: the FFN's RMSNorm normalises it to unit RMS too.
        unit = X_ffn[huge].astype(np.float64) / arrays["rms_ffn"][0]
        np.testing.assert_allclose(np.sqrt((unit * unit).mean(axis=1)), 1.0, rtol=1e-5)

    # Finding 9: inputs that are still NaN or Inf (here attention overflows) stop the run; no file.
    def test_non_finite_inputs_are_refused_naming_the_layer(self):
        arrays = checkpoint_arrays(TINY_HEADER)
        arrays["rms_att"][0] = 1e30         # finite, but q·k overflows: softmax of inf - inf is NaN
        path = os.path.join(self.dir, "overflows.bin")
        write_checkpoint(path, TINY_HEADER, arrays)
        tokens = os.path.join(self.dir, "ids.npy")
        np.save(tokens, np.array([[1, 3, 5, 3, 2]]))
        r = self.run_tool("--llama2c", path, "--tokens", tokens, "--out", self.out)
        self.assert_refused(r, 1, path, "layers.0.attention.wo", "non-finite")
        self.assertEqual(sorted(os.listdir(self.dir)), ["ids.npy", "overflows.bin"])

    def test_every_option_is_in_help_and_capture_md(self):
        from layerlens_capture.cli import build_parser
        r = run_capture("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(REPO, "scripts", "CAPTURE.md"), encoding="utf-8") as f:
            doc = f.read()
        options = [o for a in build_parser()._actions for o in a.option_strings if o.startswith("--") and o != "--help"]
        self.assertIn("--force", options)
        for option in options:
            self.assertIn(option, r.stdout)
            self.assertIn(f"`{option}", doc, option)


if __name__ == "__main__":
    unittest.main()
