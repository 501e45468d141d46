#include "hdf5_handle.h"

#include <filesystem>
#include <mutex>
#include <system_error>

#include "../errors.h"

namespace layerlens::hdf5 {

void silence_library_errors() {
    static std::once_flag once;
    std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

Handle open_file_read(const std::string& path) {
    silence_library_errors();
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) throw InputError(path + ": no such file");
    if (fs::is_directory(path, ec)) throw InputError(path + ": is a directory, not an HDF5 file");
    const auto size = fs::file_size(path, ec);
    if (ec) throw InputError(path + ": cannot read the file (" + ec.message() + ")");
    if (size == 0) throw InputError(path + ": the file is empty (0 bytes), not an HDF5 file");
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
std::recursive_mutex& library_mutex() {
    static std::recursive_mutex mutex;
    return mutex;
}
}  // namespace layerlens::hdf5
