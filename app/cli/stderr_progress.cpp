#include "stderr_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace layerlens::cli {

StderrProgress::StderrProgress(std::string command) : command_(std::move(command)), terminal_(isatty(STDERR_FILENO) != 0) {}

StderrProgress::~StderrProgress() { finish(); }

void StderrProgress::report(double fraction, std::string_view stage) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const bool new_stage = stage != last_stage_;
    const auto interval = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
    if (!new_stage && drawn_ && now - last_draw_ < interval) return;
    // A method reports every iteration; a log gets a line per second, not per stage change.
    if (!terminal_ && drawn_ && now - last_draw_ < std::chrono::milliseconds(250)) return;
    last_stage_ = std::string(stage);
    last_draw_ = now;
    drawn_ = true;
    const double f = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
    const int percent = static_cast<int>(std::floor(f * 100.0));
    if (terminal_) {
        constexpr int kWidth = 30;
        const int filled = static_cast<int>(f * kWidth);
        std::fprintf(stderr, "\r%s [%s%s] %3d%% %-48.48s", command_.c_str(), std::string(static_cast<size_t>(filled), '#').c_str(),
                     std::string(static_cast<size_t>(kWidth - filled), ' ').c_str(), percent, last_stage_.c_str());
    } else {
        std::fprintf(stderr, "%s: %3d%% %s\n", command_.c_str(), percent, last_stage_.c_str());
    }
    std::fflush(stderr);
}

void StderrProgress::finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (terminal_ && drawn_) std::fputc('\n', stderr);
    drawn_ = false;
}

}  // namespace layerlens::cli
