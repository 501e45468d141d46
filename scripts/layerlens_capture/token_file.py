""".npy token-id files (--tokens), read so that nothing their header merely claims is allocated.

A .npy header is a Python literal that can claim any shape; np.load would allocate it first and fail
with an out-of-memory that names no file. Here the header is parsed alone, the size it declares is
compared with the bytes the file really holds, and only then is the data mapped and converted.
"""

import math
import os

import numpy as np

from .errors import CaptureError
from .paths import require_regular_file

_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _read_header(path):
    """(shape, dtype, bytes of data after the header) of a .npy file."""
    try:
        with open(path, "rb") as f:
            try:
                version = np.lib.format.read_magic(f)
            except (ValueError, EOFError) as e:
                raise CaptureError(f"{path}: not a .npy file ({e})") from None
            reader = _HEADER_READERS.get(version)
            if reader is None:
                raise CaptureError(f"{path}: .npy format version {version[0]}.{version[1]}; token ids are read "
                                   "from versions 1.0 and 2.0 (what numpy.save writes for integer arrays)")
            shape, _, dtype = reader(f)
            data_bytes = os.fstat(f.fileno()).st_size - f.tell()
    except (OSError, ValueError, EOFError, SyntaxError) as e:
        raise CaptureError(f"{path}: cannot read a .npy token array ({e})") from None
    return shape, dtype, data_bytes


def read_token_array(path):
    """The token ids of a .npy file as int64, [batch, seq] or [n]; CaptureError names the file when it is
    not an integer array of that kind or its header does not match its size."""
    require_regular_file(path, "token file")
    shape, dtype, data_bytes = _read_header(path)
    if dtype.hasobject or dtype.kind not in "iu":
        raise CaptureError(f"{path}: token ids must be an integer array, not {dtype}")
    if len(shape) not in (1, 2) or math.prod(shape) == 0:
        raise CaptureError(f"{path}: token ids must be a non-empty array [batch, seq] or [n], not shape {shape}")
    declared = math.prod(shape) * dtype.itemsize
    if data_bytes != declared:
        kind = "truncated" if data_bytes < declared else "longer than its header says"
        raise CaptureError(f"{path}: {kind}: the .npy header declares {dtype} {shape} = {declared} bytes of data, "
                           f"the file holds {data_bytes}")
    try:
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
        return np.array(mapped, dtype=np.int64)
    except (OSError, ValueError) as e:
        raise CaptureError(f"{path}: cannot read a .npy token array ({e})") from None
