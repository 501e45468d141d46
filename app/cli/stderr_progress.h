#pragma once
// Progress of a long command on stderr. On a terminal: one line redrawn in place (carriage
// return) with the job, a bar, the stage, the time elapsed and the estimated time left. When
// stderr is a file or a pipe: for commands that name their jobs (begin), one plain line per
// finished job; otherwise plain lines at every new stage, at most one a second, so logs stay
// readable; with `quiet` (the commands' --quiet) nothing at all. Safe to report from worker
// threads.
#include <chrono>
#include <mutex>
#include <string>

#include "progress.h"

namespace layerlens::cli {

class StderrProgress : public Progress {
public:
    StderrProgress(std::string command, bool quiet);
    ~StderrProgress() override;
    // The reports that follow belong to a new job ("gptq 2/5"): its clock starts, and the job
    // before it is reported finished.
    void begin(std::string job);
    void report(double fraction, std::string_view stage) override;
    // Ends the current job; on a terminal ends the bar's line, before other output goes to stderr.
    void finish();
    // Removes the bar from the terminal (lines printed to stdout or stderr between jobs).
    void clear();
    // Ends the current job as failed: its bar is removed and it is not reported done.
    void fail();


private:
    using Clock = std::chrono::steady_clock;
    void end_job_locked();
    void draw_locked(double fraction, Clock::time_point now);

    std::string command_;
    bool terminal_;
    bool quiet_;
    std::mutex mutex_;
    std::string job_;               // empty: the command names no jobs
    std::string last_stage_;
    Clock::time_point job_start_ = Clock::now();
    Clock::time_point last_draw_{};
    double last_fraction_ = 0.0;    // the last reported
    double shown_fraction_ = 0.0;   // the last drawn
    bool drawn_ = false;            // a line of this job (terminal: a bar) is on the screen
    bool job_open_ = false;         // begin() was called and the job has not been reported finished
};

}  // namespace layerlens::cli
