#include "hdf5_storage_check.h"

#include <algorithm>
#include <cstdio>

#include "checked_math.h"
#include "hdf5_handle.h"

namespace layerlens {

namespace {

// Deflate, the strongest filter h5py applies, compresses at most ~1032:1.
constexpr std::uint64_t kMaxCompressionRatio = 1100;
// No sane chunk is larger: h5py's automatic chunks stay under 1 MiB.
constexpr std::uint64_t kMaxChunkBytes = std::uint64_t{1} << 30;

// A chunk may be this large whatever the dataset's size (h5py's automatic chunks stay under 1 MiB).
constexpr std::uint64_t kSmallChunkBytes = std::uint64_t{4} << 20;

std::string mib_text(std::uint64_t bytes) {
    char text[32];
    if (bytes < (1 << 20)) std::snprintf(text, sizeof text, "%.3g KiB", static_cast<double>(bytes) / (1 << 10));
    else std::snprintf(text, sizeof text, "%.4g MiB", static_cast<double>(bytes) / (1 << 20));
    return text;
}

// A filter libhdf5 cannot apply here (h5py's own lzf, a plugin such as blosc or bitshuffle) is
// named, with the way out, instead of the library's "can't open directory" plugin-path stack.
std::string unavailable_filter(hid_t plist) {
    const int count = H5Pget_nfilters(plist);
    for (int k = 0; k < count; ++k) {
        unsigned flags = 0, config = 0;
        size_t values = 0;
        char name[64] = {};
        const H5Z_filter_t id = H5Pget_filter2(plist, static_cast<unsigned>(k), &flags, &values, nullptr,
                                               sizeof name, name, &config);
        if (id < 0) return "has an unreadable filter pipeline";
        if (H5Zfilter_avail(id) > 0) continue;
        std::string label = name;
        if (id == 32000) label = "lzf";   // h5py registers it in its own process only
        return "is compressed with the HDF5 filter " + (label.empty() ? std::string("without a name") : "'" + label + "'") +
               " (id " + std::to_string(id) +
               "), which this program's HDF5 library does not have; write it uncompressed or with gzip "
               "(h5py: compression=\"gzip\")";
    }
    return "";
}

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
    if (const std::string missing = unavailable_filter(plist.get()); !missing.empty()) return missing;
    if (layout == H5D_CHUNKED) {
        const int rank = H5Pget_chunk(plist.get(), 0, nullptr);
        if (rank != static_cast<int>(dims.size())) return "has chunks of another rank than the dataset";
        std::vector<hsize_t> chunk(dims.size()), max_dims(dims.size());
        H5Pget_chunk(plist.get(), rank, chunk.data());
        hdf5::Handle space(H5Dget_space(dataset), H5Sclose);
        H5Sget_simple_extent_dims(space.get(), nullptr, max_dims.data());
        std::uint64_t chunk_bytes = type_size, chunks_declared = 1;
        for (size_t k = 0; k < dims.size(); ++k) {
            const bool unlimited = max_dims[k] == H5S_UNLIMITED;
            if (chunk[k] == 0) return "has chunks of size 0 along dimension " + std::to_string(k);
            if (!unlimited && chunk[k] > std::max<hsize_t>(max_dims[k], 1))
                return "has chunks of " + std::to_string(chunk[k]) + " along dimension " + std::to_string(k) +
                       ", larger than the dataset's " + std::to_string(max_dims[k]);
            const auto next = checked_mul(chunk_bytes, chunk[k]);
            if (!next || *next > kMaxChunkBytes) return "has chunks larger than 1 GiB";
            chunk_bytes = *next;
            chunks_declared *= (dims[k] + chunk[k] - 1) / chunk[k];   // ≤ the element count: no overflow
        }
        // libhdf5 holds a whole chunk in memory to read any part of it: a 2 KiB weight in one chunk
        // declared 16384 x 16384 (extendible datasets may declare it) took 1 GiB from a 1 MB file.
        if (chunk_bytes > std::max(*logical, kSmallChunkBytes))
            return "is stored in chunks of " + mib_text(chunk_bytes) + ", larger than the whole dataset (" + mib_text(*logical) +
                   "): reading it would take a chunk's memory; rewrite it with smaller chunks (h5py: chunks=True)";
        // Counted, not taken from H5Dget_space_status: libhdf5 1.10 compares a filtered
        // dataset's compressed size with its full size and calls every gzip dataset partial.
        // (libhdf5 1.10 wants the file space itself; H5S_ALL is refused.)
        hsize_t chunks_written = 0;
        if (H5Dget_num_chunks(dataset, space.get(), &chunks_written) < 0) return "has an unreadable chunk index";
        if (chunks_written < chunks_declared)
            return chunks_written == 0
                       ? "declares " + std::to_string(*logical) + " bytes of data but none was ever written"
                       : "has only " + std::to_string(chunks_written) + " of its " + std::to_string(chunks_declared) +
                             " chunks written; the rest would read as a fill value";
    } else {
        H5D_space_status_t status = H5D_SPACE_STATUS_ERROR;
        if (H5Dget_space_status(dataset, &status) < 0) return "has an unreadable storage status";
        if (status != H5D_SPACE_STATUS_ALLOCATED)
            return status == H5D_SPACE_STATUS_NOT_ALLOCATED
                       ? "declares " + std::to_string(*logical) + " bytes of data but none was ever written"
                       : "has only part of its " + std::to_string(*logical) +
                             " bytes written; the rest would read as a fill value";
    }
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
