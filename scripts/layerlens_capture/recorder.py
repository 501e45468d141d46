"""capture(): records the inputs of every linear layer of a PyTorch module into one LayerLens HDF5 file.

For each captured layer the file holds a group named by the module's name with
  weight       float32 [d_out, d_in]   (a GPT-2 style Conv1D's [d_in, d_out] weight is transposed)
  bias         float32 [d_out]         (when the layer has one)
  inputs       float32 [n_rows, d_in]  the rows that entered the layer
  token_index  int64 [n_rows]          which global tokens those rows are
and string attributes model, layer, source (the file has model and source too).

Tokens are numbered globally in batch order, then row-major inside a batch (batch k, row b,
position t is offset_k + b * seq_len_k + t). Up to max_rows of them are chosen evenly over all of
them before any forward pass (the first and the last always), so each batch's share is known when
its hook fires: the hook writes those rows straight into the preallocated dataset and memory stays
bounded by one batch's activations. The file is written under a temporary name in the output's
folder and renamed at the end, so a failure never leaves a partial file under the final name.
"""

import os
import re
import sys
import tempfile
import time
from collections.abc import Mapping

import h5py
import numpy as np
import torch
import torch.nn as nn

from .errors import CaptureError, NonFiniteInputs, UsageError


def is_conv1d(module):
    """transformers' GPT-2 Conv1D (weight [d_in, d_out], forward x @ weight + bias), found by class name."""
    w = getattr(module, "weight", None)
    return type(module).__name__ == "Conv1D" and isinstance(w, torch.Tensor) and w.dim() == 2


def linear_layers(module):
    """(name, module, kind) of every nn.Linear and Conv1D inside `module`, in registration order."""
    found = []
    for name, m in module.named_modules():
        if isinstance(m, nn.Linear):
            found.append((name or "linear", m, "linear"))
        elif is_conv1d(m):
            found.append((name or "conv1d", m, "conv1d"))
    return found


def count_tokens(batch):
    """Tokens (rows every linear layer sees) in one batch: all elements of an integer tensor
    ([batch, seq] or [seq] token ids), the rows of a float tensor ([..., d] -> prod of the leading
    dims), the input_ids of a mapping, or the first element of a tuple/list."""
    if isinstance(batch, Mapping):
        if "input_ids" not in batch:
            raise UsageError("a batch given as a mapping needs 'input_ids' (or pass count_tokens=)")
        return count_tokens(batch["input_ids"])
    if isinstance(batch, (tuple, list)) and batch:
        return count_tokens(batch[0])
    if isinstance(batch, torch.Tensor):
        if batch.dtype.is_floating_point or batch.dtype.is_complex:
            return batch.numel() // batch.shape[-1] if batch.dim() else 1
        return batch.numel()
    raise UsageError(f"cannot count the tokens of a batch of type {type(batch).__name__} (pass count_tokens=)")


def even_indices(n_total, n_rows):
    """n_rows distinct indices spread evenly over range(n_total), first and last included."""
    n = min(int(n_rows), int(n_total))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    i = np.arange(n, dtype=np.int64)
    return (i * (n_total - 1)) // (n - 1)


def _layer_filter(layer_filter):
    if layer_filter is None:
        return lambda name, module: True
    if isinstance(layer_filter, (str, re.Pattern)):
        try:
            pattern = re.compile(layer_filter)
        except re.error as e:
            raise UsageError(f"bad layer regular expression {layer_filter!r}: {e}") from None
        return lambda name, module: pattern.search(name) is not None
    return layer_filter


def _token_ids(batch):
    """The token ids of a batch as a flat int64 array, or None when the batch is not token ids."""
    if isinstance(batch, Mapping):
        batch = batch.get("input_ids")
    if isinstance(batch, torch.Tensor) and not batch.dtype.is_floating_point and not batch.dtype.is_complex \
            and batch.dtype != torch.bool:
        return batch.detach().reshape(-1).to(torch.int64).cpu().numpy()
    return None


class _Layer:
    def __init__(self, name, module, kind, group):
        self.name, self.module, self.kind, self.group = name, module, kind, group
        self.inputs = group["inputs"]
        self.d_in = self.inputs.shape[1]
        self.calls = 0
        self.rows_written = 0
        self.skipped = None     # why the layer could not be captured


def _say(progress, text):
    if progress:
        print("capture: " + text, file=sys.stderr, flush=True)


def capture(module, batches, out_path, max_rows=4096, forward=None, layer_filter=None, model_name="", *,
            source="", file_attrs=None, group_attrs=None, count_tokens=count_tokens, progress=True):
    """Runs `forward(module, batch)` (default `module(batch)`) over every batch and writes one HDF5 file.

    batches      a list (or any iterable; it is listed first, the inputs only, to number the tokens)
                 of model inputs: token-id tensors [batch, seq] or [seq], float tensors [..., d],
                 mappings with input_ids, ...
    layer_filter a regular expression searched in the layer name, or a callable (name, module) -> bool
    max_rows     rows kept per layer, spread evenly over all tokens
    The module runs in eval mode under torch.no_grad() (its mode is restored afterwards).
    Layers that do not see every token of every batch exactly once (not called, called twice, or a
    different number of rows) are left out with a warning. A captured row holding NaN or Inf raises
    NonFiniteInputs (nothing is written). An existing out_path is replaced (the command line refuses
    that without --force). Returns a dict: path, layers, skipped, n_tokens, n_rows, token_index.
    """
    if forward is None:
        forward = lambda m, b: m(b)
    if int(max_rows) < 1:
        raise UsageError(f"max_rows must be at least 1, not {max_rows}")
    batches = batches if isinstance(batches, (list, tuple)) else list(batches)
    if not batches:
        raise CaptureError("no calibration batches")
    counts = [int(count_tokens(b)) for b in batches]
    offsets = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
    n_total = int(offsets[-1])
    if n_total == 0:
        raise CaptureError("the calibration batches hold no tokens")
    chosen = even_indices(n_total, max_rows)
    n_rows = len(chosen)
    keep = _layer_filter(layer_filter)
    layers = [(n, m, k) for n, m, k in linear_layers(module) if keep(n, m)]
    if not layers:
        every = [n for n, _, _ in linear_layers(module)]
        raise UsageError("no linear layer to capture" + (f" matches the filter (layers: {', '.join(every[:12])}"
                                                         f"{', ...' if len(every) > 12 else ''})" if every else
                                                         " in the module (nn.Linear or Conv1D)"))
    token_ids = [_token_ids(b) for b in batches]
    keep_tokens = all(t is not None and t.size == c for t, c in zip(token_ids, counts))
    del token_ids

    out_path = os.fspath(out_path)
    folder = os.path.dirname(os.path.abspath(out_path))
    if not os.path.basename(out_path) or os.path.isdir(out_path):
        raise UsageError(f"{out_path!r} names a folder; the output must be a file name")
    if not os.path.isdir(folder):
        raise UsageError(f"{out_path}: the folder {folder} does not exist")
    try:
        fd, tmp_path = tempfile.mkstemp(prefix="." + os.path.basename(out_path) + ".", suffix=".tmp", dir=folder)
        os.close(fd)
    except OSError as e:
        raise CaptureError(f"{out_path}: cannot write in {folder} ({e.strerror or e})") from None

    handles, was_training = [], module.training
    try:
        with h5py.File(tmp_path, "w") as f:
            f.attrs["model"] = model_name
            f.attrs["source"] = source
            f.attrs["n_tokens"] = n_total
            f.attrs["n_rows"] = n_rows
            f.attrs["writer"] = "LayerLens scripts/capture.py"
            for k, v in (file_attrs or {}).items():
                f.attrs[k] = v
            if keep_tokens:
                tokens_ds = f.create_dataset("calibration_tokens", (n_total,), dtype="i8")
            state = []
            for name, m, kind in layers:
                w = m.weight.detach().to(torch.float32).cpu()
                if kind == "conv1d":
                    w = w.t()
                g = f.create_group(name)
                g.create_dataset("weight", data=w.contiguous().numpy())
                bias = getattr(m, "bias", None)
                if isinstance(bias, torch.Tensor):
                    g.create_dataset("bias", data=bias.detach().to(torch.float32).cpu().reshape(-1).numpy())
                g.create_dataset("inputs", (n_rows, w.shape[1]), dtype="f4")
                g.create_dataset("token_index", data=chosen)
                g.attrs["model"] = model_name
                g.attrs["layer"] = name
                g.attrs["source"] = source
                g.attrs["module_class"] = type(m).__name__
                for k, v in (group_attrs or {}).items():
                    g.attrs[k] = v
                state.append(_Layer(name, m, kind, g))

            current = {}

            def make_hook(layer):
                def hook(mod, inputs, output):
                    if layer.skipped:
                        return
                    layer.calls += 1
                    if layer.calls > 1:
                        layer.skipped = "called more than once in one forward pass"
                        return
                    x = inputs[0] if inputs else None
                    if not isinstance(x, torch.Tensor) or x.dim() == 0 or x.shape[-1] != layer.d_in:
                        layer.skipped = "its input is not a tensor [..., d_in] passed positionally"
                        return
                    x = x.detach().reshape(-1, layer.d_in)
                    if x.shape[0] != current["n_tokens"]:
                        layer.skipped = (f"saw {x.shape[0]} rows in batch {current['k'] + 1} of "
                                         f"{current['n_tokens']} tokens")
                        return
                    r0, r1 = current["rows"]
                    if r1 > r0:
                        rows = x[current["local"]].to(torch.float32).cpu()
                        if not torch.isfinite(rows).all():
                            # NaN or Inf would reach every statistic LayerLens computes; stop here, no file
                            raise NonFiniteInputs(layer.name, current["k"] + 1)
                        layer.inputs[r0:r1] = rows.numpy()
                    layer.rows_written = r1
                return hook

            for layer in state:
                handles.append(layer.module.register_forward_hook(make_hook(layer)))
            _say(progress, f"{len(state)} layers, {len(batches)} batches, {n_total} tokens, "
                           f"{n_rows} rows per layer -> {out_path}")
            module.eval()
            started = time.monotonic()
            with torch.no_grad():
                for k, batch in enumerate(batches):
                    lo, hi = int(offsets[k]), int(offsets[k + 1])
                    r0, r1 = np.searchsorted(chosen, [lo, hi])
                    current.update(k=k, n_tokens=hi - lo, rows=(int(r0), int(r1)),
                                   local=torch.from_numpy(chosen[r0:r1] - lo))
                    for layer in state:
                        layer.calls = 0
                    forward(module, batch)
                    for layer in state:
                        if not layer.skipped and layer.calls == 0:
                            layer.skipped = f"not called in batch {k + 1}"
                    if keep_tokens:
                        tokens_ds[lo:hi] = _token_ids(batch)
                    live = sum(1 for layer in state if not layer.skipped)
                    _say(progress, f"batch {k + 1}/{len(batches)} ({hi - lo} tokens): {live} layers, "
                                   f"rows {int(r1)}/{n_rows} ({time.monotonic() - started:.1f} s)")
            skipped = {}
            for layer in state:
                if layer.skipped:
                    skipped[layer.name] = layer.skipped
                    del f[layer.name]
                    print(f"capture: warning: left out {layer.name}: {layer.skipped}", file=sys.stderr, flush=True)
            captured = [layer.name for layer in state if not layer.skipped]
            if not captured:
                raise CaptureError("no layer could be captured: " +
                                   "; ".join(f"{n}: {why}" for n, why in list(skipped.items())[:5]))
            f.attrs["layers"] = len(captured)
        umask = os.umask(0)
        os.umask(umask)
        try:
            os.chmod(tmp_path, 0o666 & ~umask)     # mkstemp's file is private; give it a normal file's mode
            os.replace(tmp_path, out_path)
        except OSError as e:
            raise CaptureError(f"{out_path}: cannot move the finished file into place ({e.strerror or e})") from None
    except BaseException:
        try:
            os.unlink(tmp_path)
        except OSError:
            pass
        raise
    finally:
        for h in handles:
            h.remove()
        module.train(was_training)
    _say(progress, f"wrote {out_path}: {len(captured)} layers x {n_rows} rows"
                   + (f" ({len(skipped)} left out)" if skipped else ""))
    return {"path": out_path, "layers": captured, "skipped": skipped, "n_tokens": n_total, "n_rows": n_rows,
            "token_index": chosen}
