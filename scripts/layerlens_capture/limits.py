"""Bounds of the command line's numbers, and the memory a capture would take, checked before it takes it."""

import argparse
import os

from .errors import UsageError

# OpenMP starts every thread it is asked for: 1024 already costs ~30 s of start-up on two cores, and
# 10**5 never finishes. No CPU torch runs on has more cores than this.
MAX_THREADS = 1024
# torch.Generator.manual_seed takes a uint64 (a negative seed s is only an alias of 2**64 + s).
MAX_SEED = 2 ** 64 - 1


def int_in(lo, hi=None):
    """An argparse `type` for whole numbers in lo..hi (hi None: no upper bound), so each option's range is
    declared once, beside the option, and argparse names the option in the error."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if hi is None and value < lo:
            raise argparse.ArgumentTypeError(f"must be at least {lo}, not {value}")
        if hi is not None and not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is outside {lo}..{hi}")
        return value
    parse.__name__ = "whole number"
    return parse


def _cgroup_limit():
    """The memory limit of this process's cgroup (v2, then v1), or None: a container may allow far less than
    the machine has."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit():
            return int(text)
    return None


def memory_budget():
    """Bytes a capture may plan to use: the physical memory, or the cgroup's limit when lower (None: unknown)."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        physical = None
    limits = [b for b in (physical, _cgroup_limit()) if b and b > 0]
    return min(limits) if limits else None


def size_text(n_bytes):
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{int(n_bytes)} bytes"


def check_memory(options, parts):
    """Refuses (UsageError) a plan whose memory, the sum of `parts` ({what: bytes}), exceeds memory_budget().

    `options` is the command-line text that asked for it ("--sample 10 --batch-size 4"), so the message
    says what to make smaller."""
    budget = memory_budget()
    total = sum(parts.values())
    if budget is None or total <= budget:
        return
    detail = ", ".join(f"{size_text(b)} for {what}" for what, b in parts.items() if b)
    raise UsageError(f"{options} would need about {size_text(total)} of memory ({detail}); "
                     f"this machine allows {size_text(budget)}")
