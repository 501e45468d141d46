#pragma once
// The only thing core code knows about the thread it runs on: a place to report how far it got
// and to ask whether the user cancelled. The GUI backs it with a QPromise; the CLI with nothing.
#include <atomic>
#include <string_view>

namespace layerlens {

class Progress {
public:
    virtual ~Progress() = default;
    // fraction in [0, 1] of the current job; stage is a short human label ("GPTQ block 3/32").
    virtual void report(double /*fraction*/, std::string_view /*stage*/) {}
    // Called by iterative methods once per iteration with the current relative error E.
    virtual void iteration(int /*iteration*/, double /*E*/) {}
    virtual bool cancelled() const { return false; }
    // Throws Cancelled when the user asked to stop. Call at every block, iteration or chunk.
    void check() const;
};

// A Progress that reports nothing and can be cancelled from another thread (tests, CLI).
class CancelFlag : public Progress {
public:
    void cancel() { flag_.store(true); }
    bool cancelled() const override { return flag_.load(); }

private:
    std::atomic<bool> flag_{false};
};

// Maps a sub-job's [0,1] progress onto [begin, end] of a parent's, so a method that calls
// another (AWP starting from SparseGPT, a pipeline) reports one smooth bar.
class SubProgress : public Progress {
public:
    SubProgress(Progress& parent, double begin, double end) : parent_(parent), begin_(begin), end_(end) {}
    void report(double fraction, std::string_view stage) override {
        parent_.report(begin_ + (end_ - begin_) * fraction, stage);
    }
    void iteration(int, double) override {}
    bool cancelled() const override { return parent_.cancelled(); }

private:
    Progress& parent_;
    double begin_, end_;
};

}  // namespace layerlens
