#include "atomic_output.h"

#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "../errors.h"

namespace layerlens {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little, "write_row_major writes the host's floats as little-endian");

namespace {

// Large enough that a multi-gigabyte model is written in few system calls.
constexpr std::size_t kBufferBytes = std::size_t{1} << 20;

bool exists_at_all(const std::string& path) {
    std::error_code ec;
    return fs::symlink_status(path, ec).type() != fs::file_type::not_found && !ec;
}

// rename() that refuses to replace: RENAME_NOREPLACE where the file system has it, so that an
// OUT created while we wrote is never lost; a check just before rename() elsewhere.
int rename_no_replace(const std::string& from, const std::string& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    if (exists_at_all(to)) {
        errno = EEXIST;
        return -1;
    }
    return std::rename(from.c_str(), to.c_str());
}

std::string exists_message(const std::string& out) { return out + ": exists; refusing to overwrite it (use --force)"; }

}  // namespace

std::string output_path(const std::string& out) {
    std::string path = out;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
}

void check_output_target(const std::string& option, const std::string& out, bool replace,
                         const std::vector<std::string>& inputs, bool may_be_folder) {
    if (out.empty()) throw ParameterError(option + " needs a file name (got '')");
    std::error_code ec;
    for (const std::string& input : inputs)
        if (!input.empty() && fs::equivalent(output_path(out), input, ec))
            throw ParameterError(option + " " + out + " is the input file " + input +
                                 "; writing there would replace what is being read (choose another name)");
    const fs::path target(output_path(out));
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    if (!fs::is_directory(folder, ec))
        throw ParameterError(option + " " + out + ": the folder " + folder.string() + " does not exist");
    if (::access(folder.c_str(), W_OK) != 0)
        throw ParameterError(option + " " + out + ": the folder " + folder.string() + " is not writable");
    // The temporary beside it adds ".tmp-<pid>" to the name, which must still fit NAME_MAX.
    if (target.filename().string().size() + 16 > NAME_MAX)
        throw ParameterError(option + " " + out + ": the file name is too long");
    if (!exists_at_all(target.string())) return;
    if (!replace) throw ParameterError(exists_message(out));
    // --force replaces a file, never a device, a FIFO or a folder (/dev/full became an HDF5 file).
    if (!fs::is_regular_file(target, ec) && !(may_be_folder && fs::is_directory(target, ec)))
        throw ParameterError(option + " " + out + " exists and is not a regular file; it is never replaced");
}

namespace {

// The temporaries being written, for a SIGTERM, SIGINT or SIGHUP (a `timeout`, a Ctrl-C, a closed
// terminal) to remove before the process ends as the signal says: a killed run otherwise left
// OUT.tmp-<pid> beside OUT. Fixed slots, because a handler may not allocate or lock; a
// temporary folder (a model directory) is left, since removing a tree is no work for a handler.
constexpr int kLiveSlots = 16;
constexpr std::size_t kLivePathBytes = PATH_MAX;
char live_paths[kLiveSlots][kLivePathBytes];
enum : int { kFree = 0, kClaimed = 1, kLive = 2 };
std::atomic<int> live_state[kLiveSlots];

void remove_temporaries_and_end(int signal) {
    for (int k = 0; k < kLiveSlots; ++k)
        if (live_state[k].load() == kLive) ::unlink(live_paths[k]);
    ::signal(signal, SIG_DFL);
    ::raise(signal);
}

int register_temporary(const std::string& path) {
    static std::once_flag installed;
    std::call_once(installed, [] {
        for (const int signal : {SIGTERM, SIGINT, SIGHUP}) {
            struct sigaction current {};
            // Only where nobody else handles it (the GUI or a test harness may have its own).
            if (sigaction(signal, nullptr, &current) == 0 && current.sa_handler == SIG_DFL && !(current.sa_flags & SA_SIGINFO)) {
                struct sigaction action {};
                action.sa_handler = remove_temporaries_and_end;
                sigemptyset(&action.sa_mask);
                sigaction(signal, &action, nullptr);
            }
        }
    });
    if (path.size() >= kLivePathBytes) return -1;
    for (int k = 0; k < kLiveSlots; ++k) {
        int free = kFree;
        if (!live_state[k].compare_exchange_strong(free, kClaimed)) continue;
        std::memcpy(live_paths[k], path.c_str(), path.size() + 1);
        live_state[k].store(kLive);   // the handler sees the slot only once its path is whole
        return k;
    }
    return -1;
}

}  // namespace

TemporaryOutput::TemporaryOutput(const std::string& out)
    : out_(output_path(out)), temporary_(out_ + ".tmp-" + std::to_string(::getpid())) {
    const fs::path target(out_);
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw InputError(out_ + ": the folder " + folder.string() + " does not exist");
    fs::remove_all(temporary_, ec);   // only a run of this very pid, killed, can have left it
    slot_ = register_temporary(temporary_);
}

TemporaryOutput::~TemporaryOutput() {
    if (slot_ >= 0) live_state[slot_].store(kFree);
    if (committed_) return;
    std::error_code ec;
    fs::remove_all(temporary_, ec);
}

void TemporaryOutput::commit(bool replace) {
    std::error_code ec;
    const fs::file_status old = fs::symlink_status(out_, ec);
    const bool old_exists = old.type() != fs::file_type::not_found;
    if (old_exists && !replace) throw ParameterError(exists_message(out_));
    // A file never replaces a directory: the directory is the user's folder far more often than
    // an earlier output (a model directory is replaced only by another, which its writer checks).
    if (fs::is_directory(old) && !fs::is_directory(temporary_, ec))
        throw ParameterError(out_ + ": is a directory; refusing to replace it with a file");
    if (!old_exists) {
        if (rename_no_replace(temporary_, out_) != 0) {
            if (errno == EEXIST || errno == ENOTEMPTY) throw ParameterError(exists_message(out_));
            throw InputError(out_ + ": cannot move the finished output into place (" + std::strerror(errno) + ")");
        }
    } else if (fs::is_regular_file(old) && fs::is_regular_file(temporary_, ec)) {
        // One rename replaces a file atomically: there is never a moment without OUT.
        if (std::rename(temporary_.c_str(), out_.c_str()) != 0)
            throw InputError(out_ + ": cannot replace it with the finished output (" + std::strerror(errno) + ")");
    } else {
        // A directory cannot be renamed over; the old OUT steps aside until the new one is in place.
        const std::string aside = out_ + ".old-" + std::to_string(::getpid());
        fs::remove_all(aside, ec);
        if (std::rename(out_.c_str(), aside.c_str()) != 0)
            throw InputError(out_ + ": cannot move the existing output aside to replace it (" + std::strerror(errno) + ")");
        if (rename_no_replace(temporary_, out_) != 0) {
            const int error = errno;
            std::rename(aside.c_str(), out_.c_str());
            throw InputError(out_ + ": cannot move the finished output into place (" + std::strerror(error) + ")");
        }
        fs::remove_all(aside, ec);
    }
    committed_ = true;
}

FileWriter::FileWriter(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0) throw InputError(path_ + ": cannot be created (" + std::strerror(errno) + ")");
    buffer_.reserve(kBufferBytes);
}

FileWriter::~FileWriter() {
    if (fd_ >= 0) ::close(fd_);   // an unfinished file: its TemporaryOutput removes it
}

void FileWriter::write(const void* data, std::size_t bytes) {
    const char* p = static_cast<const char*>(data);
    while (bytes > 0) {
        const std::size_t take = std::min(bytes, kBufferBytes - buffer_.size());
        buffer_.insert(buffer_.end(), p, p + take);
        p += take;
        bytes -= take;
        if (buffer_.size() == kBufferBytes) flush();
    }
}

void FileWriter::flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw InputError(path_ + ": cannot be written (" + std::strerror(n < 0 ? errno : ENOSPC) + ")");
        done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
}

void FileWriter::close() {
    if (fd_ < 0) return;
    flush();
    const bool synced = ::fsync(fd_) == 0;
    const int error = errno;
    const bool closed = ::close(fd_) == 0;
    fd_ = -1;
    if (!synced || !closed) throw InputError(path_ + ": cannot be finished (" + std::strerror(synced ? errno : error) + ")");
}

void write_row_major(FileWriter& out, const MatrixF& W) {
    std::vector<float> row(static_cast<std::size_t>(W.cols()));
    for (Eigen::Index i = 0; i < W.rows(); ++i) {
        Eigen::Map<Eigen::RowVectorXf>(row.data(), W.cols()) = W.row(i);
        out.write(row.data(), row.size() * sizeof(float));
    }
}

void write_floats(FileWriter& out, const VectorF& v) { out.write(v.data(), static_cast<std::size_t>(v.size()) * sizeof(float)); }

}  // namespace layerlens
