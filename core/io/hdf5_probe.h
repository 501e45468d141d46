#pragma once
// Debian's libhdf5 1.10 crashes, loops forever or exhausts memory on some damaged files, inside
// its own metadata code (tests/fuzz/regressions/hdf5/: global and local heaps, object headers,
// group B-trees), where no check of ours can reach before it does. So every read first runs in a
// forked child process, once per file version and request: if the child is killed by a signal,
// ends abnormally or has not finished after probe_seconds(), the read is refused with an
// InputError naming the file and what was being read, and this process never makes the call
// that would have taken it down. A child that finishes, with or without an InputError of its own,
// lets the real read go on (which then reports that same error).
#include <functional>
#include <string>

namespace layerlens::hdf5 {

// Runs `probe` (a read of `path` the caller is about to make, e.g. listing its layers) in a child
// first, unless the same `request` on this version of the file (device, inode, size, mtime) passed
// before in this process. `what` says what was read, for the message ("its layers", "layer X").
// Takes the HDF5 library lock for the fork, so no thread of ours is inside libhdf5 meanwhile.
void probe_in_child(const std::string& path, const std::string& request, const std::string& what,
                    const std::function<void()>& probe);

// How long a probe may run: LAYERLENS_HDF5_PROBE_SECONDS, else 30 (a healthy file's metadata
// and one layer read in well under a second from a local disk).
double probe_seconds();

}  // namespace layerlens::hdf5
