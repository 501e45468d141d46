"""Checks of the command line's file paths, made before any work so a mistake costs nothing.

Inputs must be regular files: open() on a FIFO waits for a writer forever, and a device or a folder
is never a checkpoint. Outputs must be absent or a regular file that --force allows to replace, and
never one of the inputs: the tool writes a temporary beside the output and renames it into place,
which would turn a device node into a plain file and replace a checkpoint with its own capture.
"""

import os
import stat

from .errors import CaptureError, UsageError


def _kind(mode):
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def require_regular_file(path, what):
    """Raises CaptureError unless `path` (followed through symlinks) is a regular file; `what` says what it is for."""
    if path == "":
        raise CaptureError(f"{what}: the path is empty")
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        raise CaptureError(f"{path}: cannot read the {what} ({e.strerror or e})") from None
    if not stat.S_ISREG(mode):
        raise CaptureError(f"{path}: the {what} is {_kind(mode)}, not a regular file")


def _identity(path):
    """(device, inode) of an existing file, or None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def check_output(path, option, inputs, force):
    """Refuses an output path that names a folder, a device or FIFO, one of `inputs` ({option: path}),
    or (without `force`) a file that already exists. Raises UsageError."""
    if path == "":
        raise UsageError(f"{option} '': the path is empty; give a file name")
    if path.endswith(("/", os.sep)) or os.path.basename(path) in (".", ".."):
        raise UsageError(f"{option} {path}: names a folder; give a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: cannot create files in the folder {folder}")
    me = _identity(path)
    for other_option, other in inputs.items():
        # The same file under another spelling, a hard link or a symlink: compare what the names point at.
        if other and (os.path.realpath(other) == os.path.realpath(path)
                      or (me is not None and _identity(other) == me)):
            raise UsageError(f"{option} {path} is the same file as {other_option} {other}; "
                             "choose another output name (--force never replaces an input)")
    if me is None:
        return
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise UsageError(f"{option} {path}: is {_kind(mode)}; the output must be a new or a regular file")
    if not force:
        raise UsageError(f"{option} {path}: the file already exists; pass --force to replace it")
