#pragma once
// RAII for HDF5 identifiers, and the one switch that stops HDF5 printing its own error stack
// (we turn every failure into an InputError that names the file and dataset instead).
#include <hdf5.h>

#include <string>
#include <utility>

namespace layerlens::hdf5 {

class Handle {
public:
    using Closer = herr_t (*)(hid_t);
    Handle() = default;
    Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
            closer_ = other.closer_;
        }
        return *this;
    }
    ~Handle() { reset(); }
    void reset() {
        if (id_ >= 0 && closer_) closer_(id_);
        id_ = H5I_INVALID_HID;
    }
    hid_t get() const { return id_; }
    // For identifiers already closed by hand (to check H5Fclose's result).
    void release_without_close() { id_ = H5I_INVALID_HID; }
    bool valid() const { return id_ >= 0; }

private:
    hid_t id_ = H5I_INVALID_HID;
    Closer closer_ = nullptr;
};

// Disables HDF5's automatic error printing for this process (idempotent, thread-safe enough:
// called before any file is touched).
void silence_library_errors();

// Opens a file detect_format found to be HDF5, read-only; throws InputError naming the path and
// the reason (not HDF5 after all, truncated/corrupted).
Handle open_file_read(const std::string& path);

}  // namespace layerlens::hdf5
