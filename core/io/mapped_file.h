#pragma once
// A whole file mapped read-only, for formats whose tensors sit at byte offsets (safetensors,
// .npy, llama2.c): a tensor is read where it lies, never by loading the file. Every access goes
// through span(), which checks the range against the file's size first, so a header that claims
// more than the file holds is an InputError, not a read past the mapping.
//
// A file that shrinks while it is mapped (another program truncating or rewriting it) would
// make the next read of a page past its new end a SIGBUS, which ends the process. So every
// mapping is registered with a SIGBUS handler that puts zero pages in place of the lost ones and
// marks the file as changed; check_unchanged(), which the readers call after reading, then turns
// that into an InputError naming the file.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace layerlens {

class MappedFile {
public:
    // InputError naming the file when it cannot be opened or mapped.
    explicit MappedFile(std::string path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::string& path() const { return path_; }
    std::uint64_t size() const { return size_; }
    // Bytes [offset, offset + length); InputError "what ... lies past the end" when outside.
    const unsigned char* span(std::uint64_t offset, std::uint64_t length, const std::string& what) const;
    // InputError when part of the file vanished while it was read (what was read is not the file's).
    void check_unchanged() const;

private:
    std::string path_;
    std::uint64_t size_ = 0;
    const unsigned char* data_ = nullptr;
    int slot_ = -1;   // its entry in the SIGBUS handler's table, or -1 (unguarded)
};

using MappedFilePtr = std::shared_ptr<const MappedFile>;

}  // namespace layerlens
