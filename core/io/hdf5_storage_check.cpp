#include "hdf5_storage_check.h"

#include "checked_math.h"
#include "hdf5_handle.h"

namespace layerlens {

namespace {

// Deflate, the strongest filter h5py applies, compresses at most ~1032:1.
constexpr std::uint64_t kMaxCompressionRatio = 1100;
// No sane chunk is larger: h5py's automatic chunks stay under 1 MiB.
constexpr std::uint64_t kMaxChunkBytes = std::uint64_t{1} << 30;

}  // namespace

std::string hdf5_storage_problem(hid_t dataset, const std::vector<hsize_t>& dims, size_t type_size) {
    const auto count = checked_element_count(std::vector<std::uint64_t>(dims.begin(), dims.end()));
    const auto logical = count ? checked_mul(*count, type_size) : std::nullopt;
    if (!logical) return "declares a size that overflows 64 bits";
    if (*logical == 0) return "";
    hdf5::Handle plist(H5Dget_create_plist(dataset), H5Pclose);
    if (!plist.valid()) return "has an unreadable creation property list";
    const H5D_layout_t layout = H5Pget_layout(plist.get());
    if (layout == H5D_VIRTUAL) return "is a virtual dataset (its data lives in other files)";
    if (H5Pget_external_count(plist.get()) > 0) return "stores its data in external files";
    if (layout == H5D_CHUNKED) {
        const int rank = H5Pget_chunk(plist.get(), 0, nullptr);
        if (rank != static_cast<int>(dims.size())) return "has chunks of another rank than the dataset";
        std::vector<hsize_t> chunk(dims.size()), max_dims(dims.size());
        H5Pget_chunk(plist.get(), rank, chunk.data());
        hdf5::Handle space(H5Dget_space(dataset), H5Sclose);
        H5Sget_simple_extent_dims(space.get(), nullptr, max_dims.data());
        std::uint64_t chunk_bytes = type_size;
        for (size_t k = 0; k < dims.size(); ++k) {
            const bool unlimited = max_dims[k] == H5S_UNLIMITED;
            if (!unlimited && chunk[k] > std::max<hsize_t>(max_dims[k], 1))
                return "has chunks of " + std::to_string(chunk[k]) + " along dimension " + std::to_string(k) +
                       ", larger than the dataset's " + std::to_string(max_dims[k]);
            const auto next = checked_mul(chunk_bytes, chunk[k]);
            if (!next || *next > kMaxChunkBytes) return "has chunks larger than 1 GiB";
            chunk_bytes = *next;
        }
    }
    H5D_space_status_t status = H5D_SPACE_STATUS_ERROR;
    if (H5Dget_space_status(dataset, &status) < 0) return "has an unreadable storage status";
    if (status != H5D_SPACE_STATUS_ALLOCATED)
        return status == H5D_SPACE_STATUS_NOT_ALLOCATED
                   ? "declares " + std::to_string(*logical) + " bytes of data but none was ever written"
                   : "has only part of its " + std::to_string(*logical) + " bytes written; the rest would read as a fill value";
    const std::uint64_t stored = H5Dget_storage_size(dataset);
    const bool filtered = H5Pget_nfilters(plist.get()) > 0;
    const auto reachable = checked_mul(stored, filtered ? kMaxCompressionRatio : 1);
    if (reachable && *reachable < *logical)
        return "declares " + std::to_string(*logical) + " bytes of data but the file stores only " + std::to_string(stored) +
               (filtered ? " compressed" : "");
    hdf5::Handle file(H5Iget_file_id(dataset), H5Fclose);
    hsize_t file_size = 0;
    if (file.valid() && H5Fget_filesize(file.get(), &file_size) >= 0 && stored > file_size)
        return "claims " + std::to_string(stored) + " bytes of storage in a " + std::to_string(file_size) + "-byte file";
    return "";
}

}  // namespace layerlens
