#pragma once
// Debian's serial HDF5 is not built thread-safe: every call into the library from our code
// holds this one lock, so the GUI's worker and a loader never enter HDF5 at the same time.
#include <mutex>

namespace layerlens::hdf5 {
std::recursive_mutex& library_mutex();
}
