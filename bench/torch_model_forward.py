#!/usr/bin/python3
"""A straightforward PyTorch forward pass of a whole model over a token file, timed the way
`layerlens-cli eval-model` times its dense row (eval_seconds: the forward pass and the
log-probabilities of every sequence), so that scripts/bench-model-vs-torch.sh can compare the two
on one machine with one thread count. The model is tests/python/torch_llama.py's (float32,
whole-tensor operations, all sequences in one batch). Prints JSON {tokens, seconds,
tokens_per_second}; tokens are the predicted ones, (T - 1) per sequence, as eval-model counts them.
"""
import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas_core  # noqa: E402

blas_core.use_the_processors_kernels()
import numpy as np  # noqa: E402
import torch  # noqa: E402

import torch_llama  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="llama2.c .bin or Hugging Face directory")
    parser.add_argument("--tokens", required=True, help="integer .npy [n_sequences, seq_len]")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after one warm-up; the fastest counts")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = torch_llama.load(args.model)
    tokens = torch.from_numpy(np.load(args.tokens).astype(np.int64))
    torch_llama.perplexity(torch_llama.forward(model, tokens[:1]), tokens[:1])   # warm-up
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        perplexity = torch_llama.perplexity(torch_llama.forward(model, tokens), tokens)
        best = min(best, time.perf_counter() - start)
    predicted = tokens.shape[0] * (tokens.shape[1] - 1)
    print(json.dumps({"tokens": predicted, "seconds": best, "tokens_per_second": predicted / best,
                      "perplexity": perplexity, "threads": args.threads}))


if __name__ == "__main__":
    main()
