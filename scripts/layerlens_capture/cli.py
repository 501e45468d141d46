"""Command line of scripts/capture.py: a thin layer over capture()."""

import argparse
import os
import re
import sys
import traceback

import numpy as np
import torch

from .errors import CaptureError, NonFiniteInputs, UsageError
from .limits import MAX_SEED, MAX_THREADS, check_memory, int_in
from .paths import check_output, require_regular_file
from .recorder import capture
from .sampling import BYTES_PER_TOKEN, sample_sequences
from .token_file import read_token_array

PROG = "capture.py"

EPILOG = """\
examples:
  capture.py --llama2c stories260K.bin --sample 16 --seq-len 256 --out stories.h5
  capture.py --llama2c stories260K.bin --tokenizer tok512.bin --text stories.txt --out text.h5
  capture.py --llama2c stories260K.bin --tokens ids.npy --layers 'feed_forward' --rows 1024 --out ffn.h5
  capture.py --model gpt2 --sample 8 --seq-len 128 --out gpt2.h5        (needs transformers)

An existing --out or --save-tokens is replaced only with --force, and never when it is one of the
inputs; the file is written under a temporary name beside it and renamed into place at the end.

exit codes: 0 success, 1 bad input file or data, 2 bad usage, 3 internal error (a bug)
"""

# The input options that name files: each must be a regular file, and no output may be one of them.
INPUT_OPTIONS = (("llama2c", "checkpoint"), ("tokenizer", "tokenizer"), ("tokens", "token file"), ("text", "text"))


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """One line, as every other failure of the tool (argparse would print the usage first)."""
        self.exit(2, f"{self.prog}: error: {message} (--help lists the options)\n")


def build_parser():
    p = _Parser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Record the real inputs of every linear layer (nn.Linear, GPT-2 Conv1D) of a language "
                    "model into one HDF5 file that LayerLens opens (layerlens-cli, the GUI).")
    model = p.add_argument_group("model (one of)").add_mutually_exclusive_group(required=True)
    model.add_argument("--llama2c", metavar="PATH.bin", help="a llama2.c legacy (version 0) checkpoint")
    model.add_argument("--model", metavar="DIR_OR_NAME",
                       help="a Hugging Face causal LM (folder or hub name; needs the transformers package)")
    calib = p.add_argument_group("calibration tokens (one of)").add_mutually_exclusive_group(required=True)
    calib.add_argument("--tokens", metavar="FILE.npy",
                       help="token ids: an integer array [batch, seq] (one sequence a row) or [n] (split "
                            "into sequences of --seq-len)")
    calib.add_argument("--text", metavar="FILE",
                       help="UTF-8 text, encoded with the model's tokenizer (BOS first) and split into "
                            "sequences of --seq-len")
    calib.add_argument("--sample", metavar="N_SEQ", type=int_in(1),
                       help="sample N_SEQ sequences of --seq-len tokens from the model itself "
                            "(temperature 1, from BOS, seeded by --seed)")
    p.add_argument("--tokenizer", metavar="tokenizer.bin",
                   help="llama2.c tokenizer.bin for --text with --llama2c (e.g. tok512.bin)")
    p.add_argument("--seq-len", type=int_in(1), metavar="L",
                   help="tokens per sequence for --sample and for 1-D --tokens / --text "
                        "(default 256, at most the model's context)")
    p.add_argument("--seed", type=int_in(0, MAX_SEED), default=1234, metavar="S",
                   help=f"seed of --sample, 0..{MAX_SEED} (default 1234)")
    p.add_argument("--batch-size", type=int_in(1), default=8, metavar="B",
                   help="sequences per forward pass (default 8; the estimated memory must fit the machine)")
    p.add_argument("--rows", type=int_in(1), default=4096, metavar="N",
                   help="rows kept per layer, spread evenly over all tokens (default 4096)")
    p.add_argument("--layers", metavar="REGEX",
                   help="capture only the layers whose name contains a match (Python re.search)")
    p.add_argument("--out", required=True, metavar="FILE.h5",
                   help="the HDF5 file to write (it must not exist, unless --force)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing --out / --save-tokens file (never one of the inputs)")
    p.add_argument("--save-tokens", metavar="FILE.npy",
                   help="also write the calibration token ids, int32 [n_sequences, seq_len] (whole sequences only), "
                        "e.g. text tokenized by the model's own tokenizer for `layerlens-cli eval-model --eval-tokens`")
    p.add_argument("--threads", type=int_in(1, MAX_THREADS), metavar="N",
                   help=f"torch threads, 1..{MAX_THREADS} (default: torch's)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


class _Model:
    """What the command line needs of a model, whichever kind it is."""

    def __init__(self, module, name, vocab_size, max_len, bos, step, forward=None, encode=None, file_attrs=None,
                 pass_bytes=None):
        self.module, self.name, self.vocab_size, self.max_len, self.bos = module, name, vocab_size, max_len, bos
        self.step, self.forward, self.encode = step, forward, encode
        self.file_attrs = file_attrs or {}
        self.pass_bytes = pass_bytes    # (batch, seq_len) -> bytes of one forward pass, or None: unknown


def _load_llama2c(args):
    from .llama2c import file_sha256, load_llama2c
    from .tokenizer import Llama2cTokenizer
    module = load_llama2c(args.llama2c)
    c = module.config
    encode = None
    if args.tokenizer:
        tok = Llama2cTokenizer(args.tokenizer, c.vocab_size)
        encode = (lambda text: tok.encode(text, bos=True), os.path.basename(args.tokenizer))
    elif args.text:
        raise UsageError("--text with --llama2c needs --tokenizer tokenizer.bin (llama2.c's format, e.g. tok512.bin)")
    base = os.path.basename(args.llama2c)
    attrs = {"config": c.describe(), "checkpoint": base, "checkpoint_sha256": file_sha256(args.llama2c)}
    return _Model(module, f"{base} (llama2.c checkpoint)", c.vocab_size, c.seq_len, 1, module.step_function(),
                  encode=encode, file_attrs=attrs, pass_bytes=c.pass_bytes)


def _load_transformers(args):
    try:
        import transformers
    except ImportError:
        raise UsageError("transformers is not installed, and --model loads Hugging Face models with it; "
                         "--llama2c and the Python API (capture.capture on any torch.nn.Module) work "
                         "without it") from None
    if args.tokenizer:
        raise UsageError("--tokenizer is for --llama2c; --model uses the model's own tokenizer")
    try:
        module = transformers.AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.float32)
        tok = transformers.AutoTokenizer.from_pretrained(args.model)
    except (OSError, ValueError, KeyError) as e:
        first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise CaptureError(f"{args.model}: cannot load the model with transformers: {first_line}") from None
    module.eval()
    config = module.config
    max_len = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    bos = next((t for t in (tok.bos_token_id, tok.eos_token_id) if t is not None), 1)   # GPT-2 has only <|endoftext|>

    def step(new_tokens, past):
        out = module(input_ids=new_tokens, past_key_values=past, use_cache=True)
        return out.logits[:, -1], out.past_key_values

    def forward(m, batch):
        return m(input_ids=batch, use_cache=False)

    def encode(text):
        return list(tok(text)["input_ids"])

    return _Model(module, args.model, len(tok) if hasattr(tok, "__len__") else config.vocab_size, max_len, bos,
                  step, forward=forward, encode=(encode, f"{args.model}'s tokenizer"),
                  file_attrs={"transformers_version": transformers.__version__,
                              "config": type(config).__name__})


def _sequences_of(stream, seq_len):
    """A 1-D token stream cut into [n, seq_len] plus the shorter remainder (or None)."""
    n_full = len(stream) // seq_len
    full = stream[:n_full * seq_len].reshape(n_full, seq_len)
    rest = stream[n_full * seq_len:]
    return full, (rest[None] if len(rest) else None)


def _check_pass_memory(args, model, n_seq, seq_len, token_bytes=0):
    """Refuses, before it starts, a run whose token arrays plus one forward pass would not fit in memory."""
    batch = min(args.batch_size, n_seq)
    parts = {f"the ids of {n_seq} sequences of {seq_len} tokens": token_bytes}
    if model.pass_bytes is not None:
        parts[f"a forward pass of {batch} sequences of {seq_len} tokens"] = model.pass_bytes(batch, seq_len)
    asked = (f"--sample {args.sample} --seq-len {seq_len}" if args.sample is not None
             else f"{seq_len} tokens a sequence (--seq-len)")
    check_memory(f"{asked} with --batch-size {args.batch_size}", parts)


def _batches(args, model, say):
    """Calibration batches (LongTensors [b, seq]) and the `source` text describing them."""
    if args.seq_len is not None and model.max_len and args.seq_len > model.max_len:
        raise UsageError(f"--seq-len {args.seq_len} exceeds the model's context of {model.max_len} tokens")
    seq_len = args.seq_len or (min(256, model.max_len) if model.max_len else 256)
    groups = []     # arrays [n, L]; each cut into batches of --batch-size rows
    if args.sample is not None:
        _check_pass_memory(args, model, args.sample, seq_len, BYTES_PER_TOKEN * args.sample * seq_len)
        say(f"sampling {args.sample} sequences of {seq_len} tokens (seed {args.seed})")
        tokens = sample_sequences(model.step, args.sample, seq_len, args.seed, args.batch_size, model.bos,
                                  progress=not args.quiet).numpy()
        groups.append(tokens)
        source = (f"{args.sample} sequences sampled from the model itself (temperature 1.0, no top-p, inverse CDF "
                  f"of one torch.Generator seeded {args.seed}), {seq_len} tokens each from BOS "
                  f"{model.bos} = {tokens.size} tokens")
    else:
        if args.tokens:
            stream = read_token_array(args.tokens)
            what = f"token ids from {os.path.basename(args.tokens)} {list(stream.shape)}"
        else:
            try:
                with open(args.text, encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError) as e:
                raise CaptureError(f"{args.text}: cannot read the text ({e})") from None
            if text.endswith("\n"):
                text = text[:-1]
            if not text.strip():
                raise CaptureError(f"{args.text}: the text is empty")
            encode, tok_name = model.encode
            stream = np.asarray(encode(text), dtype=np.int64)
            what = f"{os.path.basename(args.text)} ({len(text)} characters) encoded with {tok_name}"
        if stream.ndim == 2:
            if model.max_len and stream.shape[1] > model.max_len:
                raise CaptureError(f"{args.tokens}: sequences of {stream.shape[1]} tokens exceed the model's "
                                   f"context of {model.max_len}")
            groups.append(stream)
            source = f"{what}: {stream.shape[0]} sequences of {stream.shape[1]} = {stream.size} tokens"
        else:
            full, rest = _sequences_of(stream, seq_len)
            groups += [g for g in (full, rest) if g is not None and g.size]
            source = (f"{what}: {stream.size} tokens in sequences of {seq_len}"
                      + (f" (the last of {rest.shape[1]})" if rest is not None else ""))
        _check_pass_memory(args, model, max(len(g) for g in groups), max(g.shape[1] for g in groups))
        bad = [g for g in groups if g.min() < 0 or g.max() >= model.vocab_size]
        if bad:
            where = args.tokens or args.text
            raise CaptureError(f"{where}: token ids must lie in [0, {model.vocab_size}); found "
                               f"{min(g.min() for g in groups)}..{max(g.max() for g in groups)}")
    batches = [torch.from_numpy(np.ascontiguousarray(g[i:i + args.batch_size]))
               for g in groups for i in range(0, len(g), args.batch_size)]
    if args.save_tokens:
        _save_tokens(args.save_tokens, groups, say)
    return batches, source


def _save_tokens(path, groups, say):
    """The whole-length sequences as int32 [n, seq_len], written beside `path` and renamed into place."""
    whole = [g for g in groups if g.shape[1] == groups[0].shape[1]]
    tokens = np.concatenate(whole).astype(np.int32)
    temporary = f"{path}.tmp-{os.getpid()}.npy"
    try:
        np.save(temporary, tokens)
        os.replace(temporary, path)
    except OSError as e:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise CaptureError(f"{path}: cannot write the token ids ({e})") from None
    dropped = sum(g.shape[0] for g in groups) - tokens.shape[0]
    say(f"wrote {path}: {tokens.shape[0]} sequences of {tokens.shape[1]} tokens"
        + (f" ({dropped} shorter one left out)" if dropped else ""))


def _check_paths(args):
    """Every file the run reads is a regular file and every file it writes may be written: checked before
    any work, so a mistake costs nothing and an input is never replaced by an output."""
    inputs = {}
    for name, what in INPUT_OPTIONS:
        path = getattr(args, name)
        if path is not None:
            require_regular_file(path, what)
            inputs[f"--{name}"] = path
    check_output(args.out, "--out", inputs, args.force)
    if args.save_tokens is not None:
        check_output(args.save_tokens, "--save-tokens", dict(inputs, **{"--out": args.out}), args.force)


def _capture_model(model, args, batches, source, attrs):
    try:
        capture(model.module, batches, args.out, max_rows=args.rows, forward=model.forward,
                layer_filter=args.layers, model_name=model.name, source=source, file_attrs=attrs,
                progress=not args.quiet)
    except NonFiniteInputs as e:
        raise CaptureError(f"{args.llama2c or args.model}: {e}") from None


def run(args):
    if args.layers is not None:
        try:
            re.compile(args.layers)
        except re.error as e:
            raise UsageError(f"--layers {args.layers!r} is not a regular expression: {e}") from None
    if args.tokenizer and not args.llama2c:
        raise UsageError("--tokenizer is for --llama2c; --model uses the model's own tokenizer")
    _check_paths(args)
    if args.threads:
        torch.set_num_threads(args.threads)

    def say(text):
        if not args.quiet:
            print("capture: " + text, file=sys.stderr, flush=True)

    model = _load_llama2c(args) if args.llama2c else _load_transformers(args)
    say(f"loaded {model.name}")
    batches, source = _batches(args, model, say)
    rows_text = f"; {min(args.rows, sum(b.numel() for b in batches))} rows per layer chosen evenly over them"
    source += rows_text + f"; teacher-forced forward passes of up to {args.batch_size} sequences"
    attrs = dict(model.file_attrs)
    attrs["calibration"] = "sample" if args.sample is not None else ("tokens" if args.tokens else "text")
    if args.sample is not None:
        attrs["seed"] = args.seed
    _capture_model(model, args, batches, source, attrs)
    return 0


def _is_allocation_failure(error):
    """torch reports a failed allocation as a RuntimeError, not a MemoryError."""
    text = str(error)
    return "can't allocate memory" in text or "not enough memory" in text or "DefaultCPUAllocator" in text


def _internal_error():
    """Reports the exception being handled as a bug: its traceback, then one line saying so."""
    traceback.print_exc()
    print(f"{PROG}: internal error (a bug: please report it with the traceback above)", file=sys.stderr)
    return 3


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except CaptureError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (MemoryError, RuntimeError) as e:
        if isinstance(e, RuntimeError) and not _is_allocation_failure(e):
            return _internal_error()
        print(f"{PROG}: error: out of memory with --batch-size {args.batch_size} (try a smaller one)",
              file=sys.stderr)
        return 1
    except Exception:
        return _internal_error()
