#pragma once
// Debian's serial HDF5 is not built thread-safe: every call into the library from our code
// holds this one lock, so the GUI's worker and a loader never enter HDF5 at the same time.
#include <mutex>

namespace layerlens::hdf5 {
std::recursive_mutex& library_mutex();
// In a forked child only (hdf5_probe.cpp), whose one thread is the copy of the parent's thread
// that held the lock at the fork: the mutex records that thread's id, which is not the child's,
// so it would wait for itself forever. No other thread exists in the child, so unlocked is the
// true state; this puts a fresh mutex in its place.
void reset_library_mutex_in_forked_child();
}
