#pragma once
// Progress of a long command on stderr: a bar redrawn in place on a terminal, plain lines
// (at most one a second, and at every new stage) when stderr is a file or a pipe, so logs stay
// readable. Safe to report from worker threads.
#include <chrono>
#include <mutex>
#include <string>

#include "progress.h"

namespace layerlens::cli {

class StderrProgress : public Progress {
public:
    explicit StderrProgress(std::string command);
    ~StderrProgress() override;
    void report(double fraction, std::string_view stage) override;
    // Ends the bar's line before other output goes to stderr.
    void finish();

private:
    std::string command_;
    bool terminal_;
    std::mutex mutex_;
    std::string last_stage_;
    std::chrono::steady_clock::time_point last_draw_{};
    bool drawn_ = false;
};

}  // namespace layerlens::cli
