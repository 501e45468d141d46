"""`layerlens-cli eval-model` (whole-model perplexity) against an independent PyTorch Llama
(torch_llama.py) on the real stories260K: the dense logits and perplexity, the same model as a
Hugging Face directory, every compressed model the CLI saves re-evaluated by torch, and bad input.

Run from the repository root:  /usr/bin/python3 -m unittest discover -s tests/python -p test_model_eval.py -v
Environment: LAYERLENS_CLI (the built layerlens-cli; unset, build/core-dev/app/layerlens-cli is tried). The
CLI tests skip when that file does not exist, or when the default one has no eval-model; a LAYERLENS_CLI
without eval-model fails them. LAYERLENS_SHARED: the shared folder (default ../shared beside the repository;
without the model there the tests skip). Token sets are small (8 sequences of 64 tokens): the suite takes
about 20 s on 2 cores.
"""

import dataclasses
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import types
import unittest

sys.dont_write_bytecode = True
# One BLAS thread: CTest runs the python suites side by side, and torch's forward is then deterministic.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import torch_llama as tl  # noqa: E402

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

CLI_GIVEN = bool(os.environ.get("LAYERLENS_CLI"))
CLI = os.environ.get("LAYERLENS_CLI") or os.path.join(REPO, "build", "core-dev", "app", "layerlens-cli")

# llama2.c doc/stories260K.md, `./run stories260K.bin -z tok512.bin -t 0.0`: how the greedy story starts.
PUBLISHED_START = ("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
                   "One day, she saw a big, red ball.")

N_SEQUENCES, LENGTH = 8, 64
EVAL_SEED, CALIB_SEED = 11, 12
# The compressed models checked end to end: (test name, method, options, the budget label the contract
# promises). Each method at its defaults (4 bits, group 128 -- one group per row here, as 128 divides neither
# 64 nor 172), with a 50% sparsity budget where it prunes; AWP in each of its three modes.
METHODS = [("rtn", "rtn", [], "INT4 g128"), ("gptq", "gptq", [], "INT4 g128"), ("awq", "awq", [], "INT4 g128"),
           ("wanda", "wanda", ["--sparsity", "0.5"], "50%"), ("sparsegpt", "sparsegpt", ["--sparsity", "0.5"], "50%"),
           ("awp_pruning", "awp", ["--sparsity", "0.5"], "50%"), ("awp_int4", "awp", ["--bits", "4"], "INT4 g128"),
           ("awp_joint", "awp", ["--sparsity", "0.5", "--bits", "4"], "50% + INT4 g128"),
           ("awp_paper_pruning", "awp", ["--sparsity", "0.5", "--preset", "paper"], "50%"),
           ("awp_paper_int4", "awp", ["--bits", "4", "--preset", "paper"], "INT4 g128"),
           ("wanda_awq", "wanda+awq", ["--sparsity", "0.5"], "50% + INT4 g128")]

# Tolerances. Logits: max |diff| / max |logit| over the whole [n, T, vocab] array; both sides are
# float32 forward passes, so ~1e-6 is expected. Perplexities: relative difference.
LOGITS_TOLERANCE = 1e-4
DENSE_PERPLEXITY_TOLERANCE = 1e-5
COMPRESSED_PERPLEXITY_TOLERANCE = 1e-4
KL_RELATIVE, KL_ABSOLUTE = 1e-4, 1e-6

MEASURED = {}   # what each comparison achieved, printed at the end (verbose runs)


def record(name, value):
    MEASURED[name] = value


def tearDownModule():
    if MEASURED:
        print("\nmeasured:", file=sys.stderr)
        for name, value in MEASURED.items():
            print(f"  {name}: {value:.3g}" if isinstance(value, float) else f"  {name}: {value}", file=sys.stderr)


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


_tmp = tempfile.mkdtemp(prefix="layerlens-model-eval-test-")
unittest.addModuleCleanup(shutil.rmtree, _tmp, ignore_errors=True)
_fixture = {}


def fixture():
    """Built once: the dense torch model (.bin and HF layouts), the HF directory written by torch_llama,
    the evaluation and calibration token files (int64, sampled by torch_llama) and the dense logits."""
    if not _fixture:
        dense = tl.read_llama2c(CHECKPOINT)
        hf_dir = os.path.join(_tmp, "stories260K-hf")
        tl.write_hf(dense, hf_dir)
        evaluation = tl.sample(dense, N_SEQUENCES, LENGTH, EVAL_SEED)
        calibration = tl.sample(dense, N_SEQUENCES, LENGTH, CALIB_SEED)
        eval_npy, calib_npy = os.path.join(_tmp, "E.npy"), os.path.join(_tmp, "C.npy")
        np.save(eval_npy, evaluation)
        np.save(calib_npy, calibration)
        logits = tl.forward(dense, evaluation)
        _fixture.update(dense=dense, hf=tl.read_hf(hf_dir), hf_dir=hf_dir, evaluation=evaluation,
                        calibration=calibration, eval_npy=eval_npy, calib_npy=calib_npy, logits=logits,
                        perplexity=tl.perplexity(logits, evaluation))
    return types.SimpleNamespace(**_fixture)


def cli_run(*args, timeout=600):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout)


def cli_rows(*args):
    r = cli_run("eval-model", *args, "--json")
    if r.returncode != 0:
        raise AssertionError(f"layerlens-cli eval-model {' '.join(args)} exited {r.returncode}:\n{r.stderr}")
    return json.loads(r.stdout)


def cli_problem():
    """None when the CLI (which exists) has eval-model, else what is wrong."""
    r = subprocess.run([CLI, "eval-model", "--help"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or "--eval-tokens" not in r.stdout:
        return f"{CLI} has no eval-model command"
    return None


class CliTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not HAVE_MODEL:
            raise unittest.SkipTest(f"stories260K not found in {MODEL_DIR} (set LAYERLENS_SHARED)")
        if not os.access(CLI, os.X_OK):
            raise unittest.SkipTest(f"no executable layerlens-cli at {CLI} (set LAYERLENS_CLI)")
        problem = cli_problem()
        if problem:
            if CLI_GIVEN:
                raise AssertionError(f"LAYERLENS_CLI: {problem}")
            raise unittest.SkipTest(problem + " (set LAYERLENS_CLI)")
        cls.f = fixture()

    def row(self, rows, method):
        found = [r for r in rows if r["method"] == method]
        self.assertEqual(len(found), 1, [r["method"] for r in rows])
        return found[0]


@needs_model
class ReferenceModelTest(unittest.TestCase):
    """torch_llama on its own: the reference must be right before it judges anything."""

    @classmethod
    def setUpClass(cls):
        cls.f = fixture()

    def test_header_and_rope_tables(self):
        c = self.f.dense.config
        self.assertEqual((c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len, c.tied),
                         (64, 172, 5, 8, 4, 512, 512, True))
        # The checkpoint's freq_cis tables (float32-computed in llama2.c) are RoPE's cos and sin.
        cos, sin = tl.rope_angles(c)
        np.testing.assert_allclose(self.f.dense.extra["freq_cis_real"], cos, atol=1e-5)
        np.testing.assert_allclose(self.f.dense.extra["freq_cis_imag"], sin, atol=1e-5)

    def test_greedy_decoding_tells_the_published_story(self):
        tokens = tl.greedy(self.f.dense, 45)
        text = tl.decode_llama2c(TOKENIZER, tokens, 512)
        self.assertTrue(text.startswith(PUBLISHED_START), text)

    @unittest.skipUnless(os.path.isfile(REFERENCE_H5), f"{REFERENCE_H5} not found")
    def test_reproduces_the_shared_captured_activations(self):
        """../shared/data/stories260K_layers.h5 holds the inputs of all 35 linears over 16 sampled stories of
        256 tokens; the token ids are recovered from layers.0's inputs (rmsnorm of the embedding)."""
        dense = self.f.dense
        with h5py.File(REFERENCE_H5, "r") as h5:
            x0 = h5["layers.0.attention.wq/inputs"][:]
            candidates = tl.rmsnorm(dense.embedding, dense.blocks[0]["attention_norm"], 1e-5).numpy()
            distances = np.concatenate([((x0[i:i + 256, None] - candidates[None]) ** 2).sum(-1)
                                        for i in range(0, len(x0), 256)])
            self.assertLess(float(distances.min(1).max()), 1e-10)
            ids = distances.argmin(1).reshape(16, 256)
            self.assertTrue((ids[:, 0] == tl.BOS).all())
            seen = {}
            tl.forward(dense, ids, record=seen)
            linears = dense.linears()
            worst = 0.0
            for name in h5:
                np.testing.assert_array_equal(h5[name + "/weight"][:], linears[name].numpy(), name)
                ref = h5[name + "/inputs"][:]
                mine = seen[name].reshape(-1, ref.shape[1]).numpy()
                worst = max(worst, float(np.abs(mine - ref).max() / np.abs(ref).max()))
            record("shared activations, max |diff| / max |x| over 35 layers", worst)
            self.assertLess(worst, 5e-5)

    def test_hf_conversion_is_the_same_function(self):
        f = self.f
        self.assertEqual(f.hf.config.rope, "half")
        with open(os.path.join(f.hf_dir, "config.json")) as fh:
            config = json.load(fh)
        self.assertEqual({k: config[k] for k in ("model_type", "hidden_size", "intermediate_size", "num_hidden_layers",
                                                  "num_attention_heads", "num_key_value_heads", "vocab_size",
                                                  "max_position_embeddings", "rms_norm_eps", "rope_theta",
                                                  "tie_word_embeddings", "hidden_act")},
                         {"model_type": "llama", "hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 5,
                          "num_attention_heads": 8, "num_key_value_heads": 4, "vocab_size": 512,
                          "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                          "tie_word_embeddings": True, "hidden_act": "silu"})
        hf_logits = tl.forward(f.hf, f.evaluation)
        diff = float((hf_logits - f.logits).abs().max() / f.logits.abs().max())
        record("torch .bin vs torch HF logits", diff)
        self.assertLess(diff, 1e-5)
        # wq/wk really are reordered (the rotate-half forward on unreordered weights is another function).
        self.assertFalse(torch.equal(f.hf.blocks[0]["wq"], f.dense.blocks[0]["wq"]))
        wrong = tl.Model(f.hf.config, f.dense.embedding, f.dense.blocks, f.dense.final_norm)
        self.assertGreater(float((tl.forward(wrong, f.evaluation) - f.logits).abs().max()), 1e-2)
        # Back to llama2.c: the original file byte for byte.
        back = os.path.join(_tmp, "back.bin")
        tl.write_llama2c(tl.to_half(f.dense), back)
        with open(back, "rb") as a, open(CHECKPOINT, "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_separate_classifier_and_full_heads_round_trip(self):
        """A random model with an untied classifier and n_kv_heads = n_heads through both writers (HF's also
        with another RoPE theta and eps, which llama2.c files cannot hold)."""
        g = torch.Generator().manual_seed(5)
        c = tl.Config(dim=24, hidden_dim=40, n_layers=2, n_heads=3, n_kv_heads=3, vocab_size=37, seq_len=16, tied=False)
        shapes = {"attention_norm": (24,), "ffn_norm": (24,), "wq": (24, 24), "wk": (24, 24), "wv": (24, 24),
                  "wo": (24, 24), "w1": (40, 24), "w2": (24, 40), "w3": (40, 24)}
        blocks = [{n: torch.randn(s, generator=g) * 0.3 + (1.0 if "norm" in n else 0.0) for n, s in shapes.items()}
                  for _ in range(2)]
        model = tl.Model(c, torch.randn(37, 24, generator=g), blocks, torch.ones(24), torch.randn(37, 24, generator=g))
        tokens = torch.randint(0, 37, (3, 16), generator=g)
        path = os.path.join(_tmp, "random.bin")
        tl.write_llama2c(model, path)
        from_bin = tl.load(path)
        self.assertFalse(from_bin.config.tied)
        self.assertTrue(torch.equal(from_bin.classifier, model.classifier))
        expected = tl.forward(model, tokens)
        torch.testing.assert_close(tl.forward(from_bin, tokens), expected, rtol=1e-6, atol=1e-6)
        # The separate classifier is the one used.
        tied = tl.Model(dataclasses.replace(c, tied=True), model.embedding, blocks, model.final_norm)
        self.assertGreater(float((tl.forward(tied, tokens) - expected).abs().max()), 1e-2)
        other = dataclasses.replace(model, config=dataclasses.replace(c, rope_theta=500.0, norm_eps=1e-6))
        directory = os.path.join(_tmp, "random-hf")
        tl.write_hf(other, directory)
        from_hf = tl.load(os.path.join(directory, "config.json"))
        self.assertEqual((from_hf.config.rope_theta, from_hf.config.norm_eps, from_hf.config.tied),
                         (500.0, 1e-6, False))
        torch.testing.assert_close(tl.forward(from_hf, tokens), tl.forward(other, tokens), rtol=1e-5, atol=1e-5)
        self.assertGreater(float((tl.forward(other, tokens) - expected).abs().max()), 1e-3)
        with self.assertRaises(ValueError):
            tl.write_llama2c(other, path)

    def test_cached_steps_give_the_whole_sequence_logits(self):
        """The sampler's incremental forward (KV cache) agrees with the whole-sequence one the tests use."""
        tokens = self.f.evaluation[:3, :40]
        cache, steps = [], []
        for chunk in (tokens[:, :1], tokens[:, 1:17], tokens[:, 17:18], tokens[:, 18:]):
            steps.append(tl.forward(self.f.dense, chunk, cache=cache))
        whole = tl.forward(self.f.dense, tokens)
        self.assertLess(float((torch.cat(steps, dim=1) - whole).abs().max() / whole.abs().max()), 1e-5)

    def test_metrics_by_brute_force(self):
        rng = np.random.default_rng(3)
        logits = torch.from_numpy(rng.normal(size=(2, 5, 7)).astype(np.float32))
        other = torch.from_numpy(rng.normal(size=(2, 5, 7)).astype(np.float32))
        tokens = rng.integers(0, 7, (2, 5))
        nll, kl = [], []
        for s in range(2):
            for t in range(4):
                p = np.exp(logits[s, t].double().numpy())
                p /= p.sum()
                q = np.exp(other[s, t].double().numpy())
                q /= q.sum()
                nll.append(-math.log(p[tokens[s, t + 1]]))
                kl.append(float((p * np.log(p / q)).sum()))
        self.assertAlmostEqual(tl.perplexity(logits, tokens), math.exp(np.mean(nll)), places=12)
        self.assertAlmostEqual(tl.mean_kl(logits, other), float(np.mean(kl)), places=12)
        self.assertEqual(tl.mean_kl(logits, logits), 0.0)
        self.assertAlmostEqual(tl.perplexity(torch.zeros(1, 3, 7), [[0, 1, 2]]), 7.0, places=12)

    def test_sampler_is_seeded(self):
        f = self.f
        self.assertEqual(f.evaluation.shape, (N_SEQUENCES, LENGTH))
        self.assertTrue((f.evaluation[:, 0] == tl.BOS).all())
        self.assertTrue(((f.evaluation >= 0) & (f.evaluation < 512)).all())
        np.testing.assert_array_equal(tl.sample(f.dense, 2, 20, EVAL_SEED), f.evaluation[:2, :20])
        self.assertFalse(np.array_equal(f.calibration, f.evaluation))
        # Samples of the model are text it finds likely: a perplexity near the training loss's.
        self.assertLess(f.perplexity, 8.0)
        record("torch dense perplexity of E.npy", f.perplexity)


class DenseEvaluationTest(CliTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logits_path = os.path.join(_tmp, "L.npy")
        cls.rows = cli_rows(CHECKPOINT, "--eval-tokens", cls.f.eval_npy, "--save-logits", cls.logits_path)

    def test_saved_logits_match_torch(self):
        L = np.load(self.logits_path)
        self.assertEqual(L.dtype, np.float32)
        self.assertEqual(L.shape, (N_SEQUENCES, LENGTH, 512))
        ref = self.f.logits.numpy()
        diff = float(np.abs(L - ref).max() / np.abs(ref).max())
        record("dense logits, max |diff| / max |logit|", diff)
        self.assertLess(diff, LOGITS_TOLERANCE)
        self.assertTrue((L.argmax(-1) == ref.argmax(-1)).mean() > 0.99)

    def test_dense_row(self):
        self.assertEqual(len(self.rows), 1)
        row = self.row(self.rows, "dense")
        self.assertEqual(row["budget"], "")
        self.assertEqual(row["evaluation_tokens"], N_SEQUENCES * (LENGTH - 1))
        self.assertEqual(row["kl"], 0.0)
        self.assertEqual(row["seconds"], 0.0)
        self.assertGreater(row["eval_seconds"], 0.0)
        self.assertEqual(row["model"], CHECKPOINT)
        e = relative(row["perplexity"], self.f.perplexity)
        record("dense perplexity CLI vs torch (relative)", e)
        self.assertLess(e, DENSE_PERPLEXITY_TOLERANCE, f"CLI {row['perplexity']!r}, torch {self.f.perplexity!r}")
        # The CLI's perplexity is the one of its own saved logits.
        own = tl.perplexity(torch.from_numpy(np.load(self.logits_path)), self.f.evaluation)
        self.assertLess(relative(row["perplexity"], own), 1e-9)

    def test_hf_directory_gives_the_same_perplexity(self):
        dense = self.row(self.rows, "dense")["perplexity"]
        torch_hf = tl.perplexity(tl.forward(self.f.hf, self.f.evaluation), self.f.evaluation)
        logits_path = os.path.join(_tmp, "L-hf.npy")
        for model, extra in ((self.f.hf_dir, ["--save-logits", logits_path]),
                             (os.path.join(self.f.hf_dir, "config.json"), [])):
            with self.subTest(model=model):
                row = self.row(cli_rows(model, "--eval-tokens", self.f.eval_npy, *extra), "dense")
                e = relative(row["perplexity"], dense)
                record(f"HF ({os.path.basename(model)}) vs .bin perplexity through the CLI", e)
                self.assertLess(e, DENSE_PERPLEXITY_TOLERANCE, f"HF {row['perplexity']!r}, .bin {dense!r}")
                self.assertLess(relative(row["perplexity"], torch_hf), DENSE_PERPLEXITY_TOLERANCE,
                                f"CLI on HF {row['perplexity']!r}, torch on HF {torch_hf!r}")
        L = np.load(logits_path)
        diff = float(np.abs(L - self.f.logits.numpy()).max() / self.f.logits.abs().max())
        record("dense logits of the HF directory, max |diff| / max |logit|", diff)
        self.assertLess(diff, LOGITS_TOLERANCE)


class CompressedModelTest(CliTestCase):
    """Every method's compressed model, saved by the CLI and re-evaluated by torch_llama."""

    def check_compressed(self, method, extra, model_path, out, loader):
        """Runs eval-model with --save-model OUT, loads OUT with `loader` and checks that torch finds the
        row's perplexity and KL on it. Returns (row, compressed model)."""
        f = self.f
        rows = cli_rows(model_path, "--calib-tokens", f.calib_npy, "--eval-tokens", f.eval_npy, "--methods", method,
                        *extra, "--save-model", out)
        self.assertEqual([r["method"] for r in rows], ["dense", method])
        dense_row, row = rows
        self.assertLess(relative(dense_row["perplexity"], f.perplexity), DENSE_PERPLEXITY_TOLERANCE)
        self.assertEqual(row["evaluation_tokens"], N_SEQUENCES * (LENGTH - 1))
        self.assertEqual(row["calibration_tokens"], N_SEQUENCES * LENGTH)
        self.assertEqual(len(row["layer_errors"]), 35)
        compressed = loader(out)
        logits = tl.forward(compressed, f.evaluation)
        ppl, kl = tl.perplexity(logits, f.evaluation), tl.mean_kl(f.logits, logits)
        e_ppl = relative(row["perplexity"], ppl)
        e_kl = abs(row["kl"] - kl)
        record(f"{method} {' '.join(extra)} -> {os.path.basename(out)}: perplexity CLI {row['perplexity']:.7g} torch "
               f"{ppl:.7g}, kl CLI {row['kl']:.7g} torch {kl:.7g}; relative differences",
               f"{e_ppl:.2g}, {e_kl / max(kl, 1e-300):.2g}")
        self.assertLess(e_ppl, COMPRESSED_PERPLEXITY_TOLERANCE, f"{method}: CLI {row['perplexity']!r}, torch {ppl!r}")
        self.assertTrue(e_kl <= KL_RELATIVE * kl or e_kl <= KL_ABSOLUTE,
                        f"{method}: CLI kl {row['kl']!r}, torch {kl!r}")
        self.assertGreater(kl, 0.0)
        self.check_weights(method, extra, compressed, row)
        return row, compressed

    def check_weights(self, method, extra, compressed, row):
        """Only the 35 block linears change; the embedding, the norms and the classifier stay dense. The
        row's sparsity is the fraction of exact zeros in them (quantisers make some: the level at the zero
        point is 0)."""
        dense = self.f.hf if compressed.config.rope == "half" else self.f.dense
        self.assertEqual(compressed.config, dense.config)
        self.assertTrue(torch.equal(compressed.embedding, dense.embedding))
        self.assertTrue(torch.equal(compressed.final_norm, dense.final_norm))
        self.assertTrue(torch.equal(compressed.output_weight(), dense.output_weight()))
        for cb, db in zip(compressed.blocks, dense.blocks):
            self.assertTrue(torch.equal(cb["attention_norm"], db["attention_norm"]))
            self.assertTrue(torch.equal(cb["ffn_norm"], db["ffn_norm"]))
        prunes, quantises = "--sparsity" in extra, method in ("rtn", "gptq", "awq", "wanda+awq") or "--bits" in extra
        zeros = total = 0
        for name, W in compressed.linears().items():
            self.assertFalse(torch.equal(W, dense.linears()[name]), f"{method}: {name} unchanged")
            zeros += int((W == 0).sum())
            total += W.numel()
            pruned_per_row = (W == 0).sum(1)
            awp_paper = method == "awp" and "paper" in extra
            if method == "wanda" or (awp_paper and not quantises):
                # k = d_in / 2 pruned in every output row (the paper preset's mask scope is the row)
                self.assertTrue((pruned_per_row == W.shape[1] // 2).all(), f"{method}: {name}")
            elif method == "awp" and prunes:
                # the default preset's budget is the layer's, as SparseGPT's: half of the whole matrix
                self.assertGreaterEqual(int((W == 0).sum()), W.numel() // 2, f"{method}: {name}")
            elif prunes and method != "sparsegpt":
                # then quantised: a survivor may round to the zero level
                self.assertTrue((pruned_per_row >= W.shape[1] // 2).all(), f"{method}: {name}")
            if quantises and (method in ("rtn", "gptq") or awp_paper):
                # 2^4 levels per row (one group per row); AWQ's channel scales are undone, so not there
                # (nor in AWP's default, which refines AWQ's or GPTQ's result on its own grid)
                self.assertLessEqual(max(len(torch.unique(r)) for r in W), 16, f"{method}: {name}")
        measured = zeros / total
        self.assertAlmostEqual(row["sparsity"], measured, delta=1e-9)
        if prunes:
            self.assertAlmostEqual(measured, 0.5, delta=0.01)
        else:
            self.assertLess(measured, 0.2)
        self.assertAlmostEqual(row["bits_per_weight"], 16.0 if not quantises else 4.42, delta=0.01 if quantises else 0)

    def test_hf_input_saves_a_hf_directory(self):
        """A HF input gives a HF output, and the same compression as the .bin: the methods work row by row
        and HF only reorders wq/wk rows."""
        out = os.path.join(_tmp, "wanda-hf")
        row, compressed = self.check_compressed("wanda", ["--sparsity", "0.5"], self.f.hf_dir, out, tl.read_hf)
        self.assertEqual(compressed.config.rope, "half")
        with open(os.path.join(out, "config.json")) as fh:
            config = json.load(fh)
        self.assertEqual((config["num_key_value_heads"], config["tie_word_embeddings"], config["rms_norm_eps"]),
                         (4, True, 1e-5))
        from_bin = self.row(cli_rows(CHECKPOINT, "--calib-tokens", self.f.calib_npy, "--eval-tokens", self.f.eval_npy,
                                     "--methods", "wanda", "--sparsity", "0.5"), "wanda")
        e = relative(row["perplexity"], from_bin["perplexity"])
        record("wanda HF vs .bin perplexity through the CLI (relative)", e)
        self.assertLess(e, 1e-5, f"HF {row['perplexity']!r}, .bin {from_bin['perplexity']!r}")

    def test_budget_labels_and_parameters(self):
        """The row's budget is the contract's "INT4 g128" / "50%" / "50% + INT4 g128" and its params hold the
        budget the method ran at, whether the value was given or is the default."""
        rows = cli_rows(CHECKPOINT, "--calib-tokens", self.f.calib_npy, "--eval-tokens", self.f.eval_npy,
                        "--methods", "rtn,wanda,wanda+awq")
        got = {r["method"]: (r["budget"], r["params"].get("bits"), r["params"].get("sparsity")) for r in rows[1:]}
        self.assertEqual(got, {"rtn": ("INT4 g128", 4, None), "wanda": ("50%", None, 0.5),
                               "wanda+awq": ("50% + INT4 g128", 4, 0.5)})


def _method_test(method, extra, budget):
    def test(self):
        row, _ = self.check_compressed(method, extra, CHECKPOINT, os.path.join(_tmp, f"{self._testMethodName}.bin"),
                                       tl.read_llama2c)
        self.assertEqual(row["budget"], budget)
    test.__doc__ = f"eval-model --methods {method} {' '.join(extra)} --save-model OUT.bin, OUT.bin through torch"
    return test


for _name, _method, _extra, _budget in METHODS:
    setattr(CompressedModelTest, "test_" + _name, _method_test(_method, _extra, _budget))


def float64_model(model):
    """The same model with every tensor in float64: the judge of numbers float32 cannot hold."""
    def wide(o):
        if isinstance(o, torch.Tensor):
            return o.double()
        if isinstance(o, dict):
            return {k: wide(v) for k, v in o.items()}
        if isinstance(o, list):
            return [wide(v) for v in o]
        return o
    return dataclasses.replace(model, **{f.name: wide(getattr(model, f.name)) for f in dataclasses.fields(model)
                                         if f.name != "config"})


class Float32EdgeTest(CliTestCase):
    """Weights at the edge of float32: eval-model gives the perplexity a float64 forward pass gives, or
    exits 1 naming the file and the stage that overflowed; never a NaN or a number float64 contradicts."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=_tmp)

    def edited_checkpoint(self, edit):
        model = tl.read_llama2c(CHECKPOINT)
        edit(model)
        path = os.path.join(self.dir, "edge.bin")
        tl.write_llama2c(model, path)
        return path, model

    def test_a_residual_whose_squares_overflow_float32_is_normalised_as_in_float64(self):
        # |x| = 1e20: x² overflows float32, so a float32 RMSNorm gives 0 (and torch's float32 pass a
        # wrong perplexity); LayerLens takes such a row's mean square in double.
        def edit(m):
            # Untied first, so the classifier keeps the embedding's own scale.
            m.classifier, m.config = m.embedding.clone(), dataclasses.replace(m.config, tied=False)
            m.embedding.mul_(1e20)
        path, model = self.edited_checkpoint(edit)
        row = self.row(cli_rows(path, "--eval-tokens", self.f.eval_npy), "dense")
        expected = tl.perplexity(tl.forward(float64_model(model), self.f.evaluation), self.f.evaluation)
        self.assertLess(relative(row["perplexity"], expected), 1e-5, (row["perplexity"], expected))

    def test_a_product_that_overflows_float32_is_refused_by_name(self):
        def edit(m):
            m.blocks[0]["wq"][3, :] = 3e38
        path, _ = self.edited_checkpoint(edit)
        r = cli_run("eval-model", path, "--eval-tokens", self.f.eval_npy, "--json")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        for fragment in (path, "layers.0.attention.wq", "not finite in float32"):
            self.assertIn(fragment, r.stderr)
        self.assertEqual(r.stdout.strip(), "", "no rows are printed")


class BadInputTest(CliTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=_tmp)

    def expect_exit(self, code, args, *fragments):
        r = cli_run("eval-model", *args)
        self.assertEqual(r.returncode, code, f"eval-model {' '.join(args)}:\n{r.stdout}{r.stderr}")
        for fragment in fragments:
            self.assertIn(fragment, r.stderr)
        return r

    def checkpoint_with(self, data):
        path = os.path.join(self.dir, "model.bin")
        with open(path, "wb") as fh:
            fh.write(data)
        return path

    def test_checkpoint_of_the_wrong_size(self):
        with open(CHECKPOINT, "rb") as fh:
            data = fh.read()
        for label, bad in (("truncated by 4 bytes", data[:-4]), ("4 extra bytes", data + b"\0\0\0\0")):
            with self.subTest(label):
                path = self.checkpoint_with(bad)
                self.expect_exit(1, [path, "--eval-tokens", self.f.eval_npy], path)

    def hf_copy(self, edit):
        directory = os.path.join(self.dir, "hf")
        shutil.copytree(self.f.hf_dir, directory, dirs_exist_ok=True)
        config_path = os.path.join(directory, "config.json")
        with open(config_path) as fh:
            config = json.load(fh)
        edit(config)
        with open(config_path, "w") as fh:
            json.dump(config, fh)
        return directory, config_path

    def test_config_without_num_hidden_layers(self):
        directory, config_path = self.hf_copy(lambda c: c.pop("num_hidden_layers"))
        self.expect_exit(1, [directory, "--eval-tokens", self.f.eval_npy], config_path, "num_hidden_layers")

    def test_config_with_kv_heads_not_dividing_heads(self):
        directory, config_path = self.hf_copy(lambda c: c.update(num_key_value_heads=3))
        self.expect_exit(1, [directory, "--eval-tokens", self.f.eval_npy], config_path, "num_key_value_heads")

    def test_config_numbers_that_float32_cannot_hold(self):
        for field in ("rope_theta", "rms_norm_eps"):
            with self.subTest(field):
                directory, config_path = self.hf_copy(lambda c: c.update({field: 1e-50}))
                self.expect_exit(1, [directory, "--eval-tokens", self.f.eval_npy], config_path, field, "float32")

    def test_a_context_of_one_token_is_bad_data(self):
        directory, _ = self.hf_copy(lambda c: c.update(max_position_embeddings=1))
        self.expect_exit(1, [directory, "--eval-sequences", "2"], directory, "context is 1 token")

    def test_bad_token_files(self):
        path = os.path.join(self.dir, "E.npy")
        out_of_vocab = self.f.evaluation.copy()
        out_of_vocab[3, 17] = 512
        for label, array, fragments in (("token id = vocab_size", out_of_vocab, ["512"]),
                                        ("sequences of 1 token", np.ones((4, 1), np.int64), []),
                                        ("float tokens", self.f.evaluation.astype(np.float32), [])):
            with self.subTest(label):
                np.save(path, array)
                self.expect_exit(1, [CHECKPOINT, "--eval-tokens", path], path, *fragments)
                self.expect_exit(1, [CHECKPOINT, "--calib-tokens", path, "--eval-tokens", self.f.eval_npy,
                                     "--methods", "wanda", "--sparsity", "0.5"], path, *fragments)

    def test_unknown_table_is_bad_usage(self):
        self.expect_exit(2, [CHECKPOINT, "--eval-tokens", self.f.eval_npy, "--table", "nonsense"], "nonsense")


if __name__ == "__main__":
    unittest.main()
