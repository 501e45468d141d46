#include "stderr_progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

namespace layerlens::cli {

namespace {

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

// "8.2 s" below a minute, "3:07" above: a bar's clock, not a benchmark's.
std::string clock_text(double s) {
    char text[32];
    if (s < 60) std::snprintf(text, sizeof text, "%.1f s", s);
    else std::snprintf(text, sizeof text, "%d:%02d", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
    return text;
}

}  // namespace


StderrProgress::StderrProgress(std::string command, bool quiet)
    : command_(std::move(command)), terminal_(isatty(STDERR_FILENO) != 0), quiet_(quiet) {}

StderrProgress::~StderrProgress() {
    // Unwinding from an error: the job did not finish, and "done" must not precede the message.
    if (std::uncaught_exceptions() > 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        job_open_ = false;
        if (terminal_ && drawn_ && !quiet_) std::fputc('\n', stderr);
        drawn_ = false;
        return;
    }
    finish();
}

void StderrProgress::begin(std::string job) {
    std::lock_guard<std::mutex> lock(mutex_);
    end_job_locked();
    job_ = std::move(job);
    last_stage_.clear();
    job_start_ = Clock::now();
    last_draw_ = {};
    last_fraction_ = shown_fraction_ = 0.0;
    job_open_ = true;
}

void StderrProgress::report(double fraction, std::string_view stage) {
    if (quiet_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = Clock::now();
    const bool new_stage = stage != last_stage_;
    last_fraction_ = fraction;
    if (terminal_) {
        // At most ten redraws a second; a new stage is drawn at once unless it came within 20 ms.
        const auto interval = new_stage ? std::chrono::milliseconds(20) : std::chrono::milliseconds(100);
        if (drawn_ && now - last_draw_ < interval) {
            last_stage_ = std::string(stage);
            return;
        }
        last_stage_ = std::string(stage);
        draw_locked(fraction, now);
        return;
    }
    // A log: with named jobs only their ends are written (end_job_locked); otherwise a line at a
    // new stage or once a second, and never more than four a second (a method reports every iteration).
    last_stage_ = std::string(stage);
    if (!job_.empty()) return;
    if (drawn_ && now - last_draw_ < (new_stage ? std::chrono::milliseconds(250) : std::chrono::milliseconds(1000))) return;
    draw_locked(fraction, now);
}

void StderrProgress::draw_locked(double fraction, Clock::time_point now) {
    last_draw_ = now;
    drawn_ = true;
    const double f = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
    shown_fraction_ = f;
    const int percent = static_cast<int>(std::floor(f * 100.0));
    if (!terminal_) {
        std::fprintf(stderr, "%s: %3d%% %s\n", command_.c_str(), percent, last_stage_.c_str());
        std::fflush(stderr);
        return;
    }
    const double elapsed = seconds(now - job_start_);
    std::string times = clock_text(elapsed);
    // The rate so far predicts the rest once there is a little of both to go on.
    if (f >= 0.02 && f < 1.0 && elapsed >= 0.5) times += ", ~" + clock_text(elapsed * (1.0 - f) / f) + " left";
    constexpr int kWidth = 20;
    const int filled = static_cast<int>(f * kWidth);
    const std::string title = job_.empty() ? command_ : command_ + " " + job_;
    char line[512];
    // The stage is never cut (sweep-model's names a layer and a method); erasing to the end of
    // the line after it removes what a longer earlier line left.
    std::snprintf(line, sizeof line, "%s [%s%s] %3d%% %-28s %s", title.c_str(),
                  std::string(static_cast<size_t>(filled), '#').c_str(),
                  std::string(static_cast<size_t>(kWidth - filled), ' ').c_str(), percent, last_stage_.c_str(), times.c_str());
    std::string text = line;
    // A line longer than the terminal wraps, and the carriage return would then redraw only its
    // last row: cut it to the width.
    winsize size{};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1 && text.size() >= size.ws_col)
        text.resize(size.ws_col - 1u);
    std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    std::fflush(stderr);
}

void StderrProgress::end_job_locked() {
    if (!job_open_) return;
    job_open_ = false;
    if (quiet_) return;
    const double elapsed = seconds(Clock::now() - job_start_);
    if (terminal_) {
        if (drawn_) {
            if (last_fraction_ >= 1.0 && shown_fraction_ < 1.0) draw_locked(1.0, Clock::now());   // a throttled last report
            std::fputc('\n', stderr);
        }
    } else {
        std::fprintf(stderr, "%s: %s done in %s\n", command_.c_str(), job_.c_str(), clock_text(elapsed).c_str());
    }
    std::fflush(stderr);
    drawn_ = false;
}

void StderrProgress::finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (job_open_) {
        end_job_locked();
        return;
    }
    if (terminal_ && drawn_ && !quiet_) std::fputc('\n', stderr);
    drawn_ = false;
}

void StderrProgress::fail() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        job_open_ = false;
    }
    clear();
}

void StderrProgress::clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (terminal_ && drawn_ && !quiet_) {
        std::fputs("\r\x1b[K", stderr);   // carriage return, erase to the end of the line
        std::fflush(stderr);
        drawn_ = false;
    }
}

}  // namespace layerlens::cli
