"""Errors the capture tool reports as one line (exit codes of the command line)."""


class CaptureError(Exception):
    """Bad input data (a checkpoint, tokenizer, token or text file, or a model that cannot be captured).

    The command line prints the message on one line and exits with `exit_code` (1)."""

    exit_code = 1


class UsageError(CaptureError):
    """A bad option or combination of options (exit code 2, as argparse)."""

    exit_code = 2


class NonFiniteInputs(CaptureError):
    """A layer received NaN or Inf: the model overflows float32 on the calibration tokens (exit code 1).

    capture() raises it from inside the forward pass, so no file is written; the command line puts the
    model's path in front of the message."""

    def __init__(self, layer, batch):
        super().__init__(f"the inputs of layer {layer} hold a non-finite value (NaN or Inf) in batch {batch}: "
                         "the model overflows float32 on these tokens")
        self.layer, self.batch = layer, batch
