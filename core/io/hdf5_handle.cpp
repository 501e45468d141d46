#include "hdf5_handle.h"

#include <mutex>
#include <new>

#include "../errors.h"

namespace layerlens::hdf5 {

void silence_library_errors() {
    static std::once_flag once;
    std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

Handle open_file_read(const std::string& path) {
    silence_library_errors();
    // A missing, empty or unreadable file was already refused by detect_format (layer_formats.cpp),
    // the only way in; what is left to say is HDF5's own.
    const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    if (is_hdf5 <= 0) throw InputError(path + ": not an HDF5 file (no HDF5 signature found)");
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid())
        throw InputError(path + ": cannot open the HDF5 file (truncated or corrupted?)");
    return file;
}

}  // namespace layerlens::hdf5

#include "hdf5_lock.h"

namespace layerlens::hdf5 {
namespace {
alignas(std::recursive_mutex) unsigned char mutex_storage[sizeof(std::recursive_mutex)];
std::recursive_mutex* the_mutex() {
    static std::recursive_mutex* mutex = new (mutex_storage) std::recursive_mutex;
    return mutex;
}
}  // namespace

std::recursive_mutex& library_mutex() { return *the_mutex(); }

void reset_library_mutex_in_forked_child() { new (the_mutex()) std::recursive_mutex; }
}  // namespace layerlens::hdf5
