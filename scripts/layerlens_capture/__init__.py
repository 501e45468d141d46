"""LayerLens activation capture: the real inputs of a model's linear layers, as one HDF5 file.

    from layerlens_capture import capture, load_llama2c
    capture(module, batches, "out.h5", max_rows=4096)

scripts/capture.py is the command line (and re-exports this API).
"""

from .errors import CaptureError, UsageError
from .llama2c import Llama2c, Llama2cConfig, load_llama2c, read_checkpoint, rope_tables
from .recorder import capture, count_tokens, even_indices, is_conv1d, linear_layers
from .sampling import sample_sequences
from .tokenizer import BOS, EOS, Llama2cTokenizer

__all__ = ["BOS", "EOS", "CaptureError", "Llama2c", "Llama2cConfig", "Llama2cTokenizer", "UsageError", "capture",
           "count_tokens", "even_indices", "is_conv1d", "linear_layers", "load_llama2c", "main", "read_checkpoint",
           "rope_tables", "sample_sequences"]


def main(argv=None):
    from .cli import main as cli_main
    return cli_main(argv)
