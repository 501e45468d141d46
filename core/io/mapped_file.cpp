#include "mapped_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "../errors.h"

namespace layerlens {

namespace {

// The mappings the SIGBUS handler may repair. Lock-free: the handler reads it from any thread at
// any moment. A slot is claimed by setting its start (0 = free); 64 files mapped at once is far
// more than any command holds (a sharded model maps its shards one table at a time).
constexpr int kSlots = 64;
struct Slot {
    std::atomic<std::uintptr_t> start{0};
    std::atomic<std::size_t> length{0};
    std::atomic<bool> shrank{false};
};
Slot slots[kSlots];
struct sigaction previous_action;

void on_bus_error(int signal, siginfo_t* info, void* context) {
    const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (Slot& slot : slots) {
        const std::uintptr_t start = slot.start.load();
        const std::size_t length = slot.length.load();
        if (start <= 1 || address < start || address - start >= length) continue;   // 1: being claimed
        // Zero pages from the faulting page to the mapping's end: the read goes on and the file is
        // marked. mmap is a plain system call here, safe in a handler on Linux.
        const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
        const std::uintptr_t from = address & ~(page - 1);
        if (mmap(reinterpret_cast<void*>(from), start + length - from, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                 -1, 0) != MAP_FAILED) {
            slot.shrank.store(true);
            return;
        }
        break;
    }
    // Not a mapping of ours (or it could not be repaired): the fault it always was.
    if (previous_action.sa_flags & SA_SIGINFO) {
        if (previous_action.sa_sigaction) return previous_action.sa_sigaction(signal, info, context);
    } else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN) {
        return previous_action.sa_handler(signal);
    }
    ::signal(SIGBUS, SIG_DFL);   // returning re-runs the access, which now ends the process
}

int guard(const unsigned char* data, std::size_t length) {
    static std::once_flag installed;
    std::call_once(installed, [] {
        struct sigaction action {};
        action.sa_sigaction = on_bus_error;
        action.sa_flags = SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        sigaction(SIGBUS, &action, &previous_action);
    });
    for (int k = 0; k < kSlots; ++k) {
        std::uintptr_t free = 0;
        if (slots[k].start.compare_exchange_strong(free, 1)) {   // claimed; 1 is no mapping's address
            slots[k].shrank.store(false);
            slots[k].length.store(length);
            slots[k].start.store(reinterpret_cast<std::uintptr_t>(data));
            return k;
        }
    }
    return -1;
}

}  // namespace

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
        slot_ = guard(data_, size_);
    }
    ::close(fd);   // the mapping keeps the file open
}

MappedFile::~MappedFile() {
    if (slot_ >= 0) slots[slot_].start.store(0);   // released before the range can be reused
    if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
}

const unsigned char* MappedFile::span(std::uint64_t offset, std::uint64_t length, const std::string& what) const {
    check_unchanged();
    if (offset > size_ || length > size_ - offset)
        throw InputError(path_ + ": " + what + " (bytes " + std::to_string(offset) + " to " +
                         std::to_string(offset) + " + " + std::to_string(length) + ") lies past the end of the " +
                         std::to_string(size_) + "-byte file (truncated?)");
    return data_ + offset;
}

void MappedFile::check_unchanged() const {
    if (slot_ < 0 || !slots[slot_].shrank.load()) return;
    struct stat info {};
    const std::string now = ::stat(path_.c_str(), &info) == 0 ? std::to_string(info.st_size) + " bytes" : "gone";
    throw InputError(path_ + ": the file shrank while it was being read (" + std::to_string(size_) + " bytes when opened, " +
                     now + " now): another program truncated or rewrote it; read it again once it is complete");
}

}  // namespace layerlens
