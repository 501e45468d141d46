#pragma once
// A whole file mapped read-only, for formats whose tensors sit at byte offsets (safetensors,
// .npy, llama2.c): a tensor is read where it lies, never by loading the file. Every access goes
// through span(), which checks the range against the file's size first, so a header that claims
// more than the file holds is an InputError, not a read past the mapping.
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

private:
    std::string path_;
    std::uint64_t size_ = 0;
    const unsigned char* data_ = nullptr;
};

using MappedFilePtr = std::shared_ptr<const MappedFile>;

}  // namespace layerlens
