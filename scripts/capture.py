#!/usr/bin/env python3
"""Records the real inputs of every linear layer of a language model into one LayerLens HDF5 file.

Command line:  /usr/bin/python3 scripts/capture.py --llama2c stories260K.bin --sample 16 --out stories.h5
               (--help lists every option; scripts/CAPTURE.md explains them and what is refused)
Python API:    sys.path.insert(0, "scripts"); import capture
               capture.capture(module, batches, "out.h5", max_rows=4096)

The implementation lives in scripts/layerlens_capture/.
"""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)

from layerlens_capture import *  # noqa: E402,F401,F403  (the API: capture, load_llama2c, Llama2cTokenizer, ...)
from layerlens_capture import __all__, main  # noqa: E402,F401

if __name__ == "__main__":
    sys.exit(main())
