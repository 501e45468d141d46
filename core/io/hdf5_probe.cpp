#include "hdf5_probe.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <sstream>
#include <tuple>

#include "../errors.h"
#include "hdf5_lock.h"

namespace layerlens::hdf5 {

namespace {

// The child's exit codes; any other ending (a signal, a sanitizer's report, ...) is a crash.
constexpr int kChildFinished = 0;
constexpr int kChildRefused = 3;   // the probe threw InputError: the real read will say why
constexpr int kChildFailed = 4;    // another exception (e.g. bad_alloc): the real read will too

using FileVersion = std::tuple<dev_t, ino_t, off_t, long long, long long, std::string>;

std::set<FileVersion>& passed() {
    static std::set<FileVersion> versions;   // guarded by library_mutex()
    return versions;
}

[[noreturn]] void run_child(int write_end, const std::function<void()>& probe) {
    // The terminal's Ctrl-C reaches the whole process group: the parent handles it, the child
    // finishes its short read rather than dying as if the file had crashed it.
    signal(SIGINT, SIG_IGN);
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);   // a crash the parent reports needs no core file
    reset_library_mutex_in_forked_child();
    int code = kChildFinished;
    try {
        probe();
    } catch (const InputError&) {
        code = kChildRefused;
    } catch (...) {
        code = kChildFailed;
    }
    close(write_end);
    _exit(code);   // no atexit handlers, no stdio flush: the parent's state stays the parent's
}

std::string ending_of(int status) {
    std::ostringstream text;
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        text << "crashed (signal " << sig << ", " << strsignal(sig) << ")";
    } else {
        text << "ended abnormally (exit status " << WEXITSTATUS(status) << ")";
    }
    return text.str();
}

// Waits for the child to close its end of the pipe (it exits) or for the deadline.
bool wait_for_child(int read_end, double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd fd{read_end, POLLIN, 0};
        const int ready = poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (ready > 0) return true;   // EOF: the child is gone (it writes nothing)
        if (ready < 0 && errno != EINTR) return true;   // cannot wait: let waitpid decide
    }
}

}  // namespace

double probe_seconds() {
    if (const char* text = std::getenv("LAYERLENS_HDF5_PROBE_SECONDS")) {
        char* end = nullptr;
        const double seconds = std::strtod(text, &end);
        if (end != text && *end == '\0' && std::isfinite(seconds) && seconds > 0) return seconds;
    }
    return 30.0;
}

void probe_in_child(const std::string& path, const std::string& request, const std::string& what,
                    const std::function<void()>& probe) {
    std::lock_guard lock(library_mutex());
    struct stat info {};
    if (stat(path.c_str(), &info) != 0) return;   // the real read names the missing file
    const FileVersion version{info.st_dev, info.st_ino, info.st_size, static_cast<long long>(info.st_mtim.tv_sec),
                              static_cast<long long>(info.st_mtim.tv_nsec), request};
    if (passed().count(version)) return;

    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) return;   // cannot isolate: read as before
    const pid_t child = fork();
    if (child < 0) {   // e.g. no memory for the copy: read as before
        close(ends[0]);
        close(ends[1]);
        return;
    }
    if (child == 0) {
        close(ends[0]);
        run_child(ends[1], probe);
    }
    close(ends[1]);
    const double limit = probe_seconds();
    const bool finished = wait_for_child(ends[0], limit);
    close(ends[0]);
    if (!finished) kill(child, SIGKILL);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!finished) {
        std::ostringstream msg;
        msg << path << ": the HDF5 library did not finish reading " << what << " in " << limit
            << " s and was stopped: the file is damaged (libhdf5 loops forever on some damaged files)";
        throw InputError(msg.str());
    }
    const bool normal =
        WIFEXITED(status) && (WEXITSTATUS(status) == kChildFinished || WEXITSTATUS(status) == kChildRefused ||
                              WEXITSTATUS(status) == kChildFailed);
    if (!normal)
        throw InputError(path + ": the HDF5 library " + ending_of(status) + " reading " + what +
                         " (in a separate process, so nothing else was affected): the file is damaged");
    if (WEXITSTATUS(status) == kChildFinished) passed().insert(version);
}

}  // namespace layerlens::hdf5
