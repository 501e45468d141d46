"""Errors the capture tool reports as one line (exit codes of the command line)."""


class CaptureError(Exception):
    """Bad input data (a checkpoint, tokenizer, token or text file, or a model that cannot be captured).

    The command line prints the message on one line and exits with `exit_code` (1)."""

    exit_code = 1


class UsageError(CaptureError):
    """A bad option or combination of options (exit code 2, as argparse)."""

    exit_code = 2
