#include "mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../errors.h"

namespace layerlens {

MappedFile::MappedFile(std::string path) : path_(std::move(path)) {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw InputError(path_ + ": cannot be opened for reading (" + std::strerror(errno) + ")");
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        throw InputError(path_ + ": not a regular file");
    }
    size_ = static_cast<std::uint64_t>(info.st_size);
    if (size_ > 0) {
        void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapped == MAP_FAILED) {
            const int error = errno;
            ::close(fd);
            throw InputError(path_ + ": cannot be mapped into memory (" + std::strerror(error) + ")");
        }
        data_ = static_cast<const unsigned char*>(mapped);
    }
    ::close(fd);   // the mapping keeps the file open
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
}

const unsigned char* MappedFile::span(std::uint64_t offset, std::uint64_t length, const std::string& what) const {
    if (offset > size_ || length > size_ - offset)
        throw InputError(path_ + ": " + what + " (bytes " + std::to_string(offset) + " to " +
                         std::to_string(offset) + " + " + std::to_string(length) + ") lies past the end of the " +
                         std::to_string(size_) + "-byte file (truncated?)");
    return data_ + offset;
}

}  // namespace layerlens
