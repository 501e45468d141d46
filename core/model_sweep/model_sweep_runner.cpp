#include "model_sweep_runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <exception>
#include <filesystem>
#include <mutex>

#include "../errors.h"
#include "../layer_source.h"
#include "../method_registry.h"
#include "../output_error.h"
#include "../io/atomic_output.h"
#include "../progress.h"
#include "../threads.h"

namespace layerlens {

namespace fs = std::filesystem;

namespace {

// The work items of a shard, in work order.
std::vector<std::size_t> shard_work(const ModelSweepPlan& plan, const std::optional<Shard>& shard) {
    std::vector<std::size_t> work;
    const std::vector<std::size_t> layers = shard_layers(plan, shard.value_or(Shard{}));
    for (std::size_t layer : layers)
        for (std::size_t point = 0; point < plan.points.size(); ++point) work.push_back(plan.work_index(layer, point));
    return work;
}

std::string describe(const std::optional<Shard>& shard) { return shard ? "shard " + shard->text() : "the whole sweep"; }

// The rows already in `path` when they are this sweep's and a prefix of this shard's work;
// ParameterError (naming what differs) otherwise.
void check_resumable(const std::vector<SweepRow>& rows, const std::string& path, const ModelSweepPlan& plan,
                     const std::optional<Shard>& shard, const std::vector<std::size_t>& work) {
    const std::string advice = "; remove it or give --force to start over";
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const SweepRow& row = rows[k];
        if (row.input_sha256 != plan.input_sha256)
            throw ParameterError(path + " was computed from another input file (sha256 " + row.input_sha256.substr(0, 12) +
                                 "..., " + plan.path + " is " + plan.input_sha256.substr(0, 12) + "...)" + advice);
        if (row.sweep != plan.sweep_id)
            throw ParameterError(path + " holds another sweep of this file (other methods, budgets or layers)" + advice);
        const std::optional<Shard> row_shard = row.shard ? std::optional<Shard>(row.shard->shard) : std::nullopt;
        if (row_shard != shard)
            throw ParameterError(path + " holds rows of " + describe(row_shard) + ", not of " + describe(shard) + advice);
        if (k >= work.size() || row.work != work[k])
            throw ParameterError(path + ":" + std::to_string(k + 1) + ": row " + std::to_string(row.work) +
                                 " is not the next of " + describe(shard) + advice);
    }
}

// An open OUT.partial, locked so that two processes never append to one file.
class PartialFile {
public:
    PartialFile(std::string path, std::size_t keep_bytes) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd_ < 0) throw InputError(path_ + ": cannot be created (" + std::strerror(errno) + ")");
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw ParameterError(path_ + ": another sweep-model is writing it");
        }
        // Drops a line cut off by a kill, so that the next row starts on a line of its own.
        if (::ftruncate(fd_, static_cast<off_t>(keep_bytes)) != 0 || ::lseek(fd_, 0, SEEK_END) < 0)
            fail("cannot be truncated to its finished rows");
    }
    ~PartialFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    PartialFile(const PartialFile&) = delete;
    PartialFile& operator=(const PartialFile&) = delete;

    // One row, on disk before the next work starts.
    void append(const std::string& line) {
        const std::string text = line + "\n";
        std::size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) fail("cannot be written");
            done += static_cast<std::size_t>(n);
        }
        if (::fdatasync(fd_) != 0) fail("cannot be flushed to disk");
    }

private:
    [[noreturn]] void fail(const char* what) {
        throw InputError(path_ + ": " + what + " (" + std::strerror(errno) + ")");
    }
    std::string path_;
    int fd_ = -1;
};

// Reports a work item's progress as a slice of the shard's, under one label.
class WorkProgress : public Progress {
public:
    WorkProgress(Progress& parent, double begin, double end, std::string label)
        : parent_(parent), begin_(begin), end_(end), label_(std::move(label)) {}
    void report(double fraction, std::string_view) override { parent_.report(begin_ + (end_ - begin_) * fraction, label_); }
    bool cancelled() const override { return parent_.cancelled(); }

private:
    Progress& parent_;
    double begin_, end_;
    std::string label_;
};

// A layer's points run side by side; their bar is one: each point fills its own share of the
// layer's slice, and the parent hears the sum (under a lock: the points report from their threads).
class LayerPointsProgress {
public:
    LayerPointsProgress(Progress& parent, double begin, double share, std::size_t points)
        : parent_(parent), begin_(begin), share_(share), fractions_(points, 0.0) {}
    void report(std::size_t point, double fraction, const std::string& label) {
        std::lock_guard<std::mutex> lock(mutex_);
        fractions_[point] = fraction;
        double sum = 0.0;
        for (double f : fractions_) sum += f;
        parent_.report(begin_ + share_ * sum, label);
    }
    bool cancelled() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return parent_.cancelled();
    }

private:
    Progress& parent_;
    double begin_, share_;
    std::vector<double> fractions_;
    mutable std::mutex mutex_;
};

class PointProgress : public Progress {
public:
    PointProgress(LayerPointsProgress& layer, std::size_t point, std::string label)
        : layer_(layer), point_(point), label_(std::move(label)) {}
    void report(double fraction, std::string_view) override { layer_.report(point_, fraction, label_); }
    bool cancelled() const override { return layer_.cancelled(); }

private:
    LayerPointsProgress& layer_;
    std::size_t point_;
    std::string label_;
};

// For the sweep: every product on one thread (Eigen, OpenBLAS, our own loops), the thread count
// as it was afterwards. OpenBLAS and Eigen cut a product between threads at places that depend
// on the thread count, and their kernels round the cut's edges differently: GPTQ's E on a real
// 172-wide layer was 0.013857998160706602 on one thread and 0.013857998209905556 on two.
class OneThreadPerPoint {
public:
    OneThreadPerPoint() : before_(thread_count()) { set_thread_count(1); }
    ~OneThreadPerPoint() { set_thread_count(before_); }
    int workers() const { return std::max(1, before_); }

private:
    int before_;
};

}  // namespace

std::string partial_path(const std::string& out) { return output_path(out) + ".partial"; }

ModelSweepRun run_model_sweep(const ModelSweepPlan& plan, const std::optional<Shard>& shard,
                              const ModelSweepOutput& output, Progress& progress,
                              const std::function<void(const SweepRow&)>& row_written) {
    // A shard without a layer would have no row to say which shard it is, so merge-shards could
    // not tell it from a missing one.
    if (shard && static_cast<std::size_t>(shard->count) > plan.layers.size())
        throw ParameterError("--shard " + shard->text() + ": " + std::to_string(plan.layers.size()) +
                             " layers cannot be cut into " + std::to_string(shard->count) + " shards (at most " +
                             std::to_string(plan.layers.size()) + ")");
    const std::vector<std::size_t> work = shard_work(plan, shard);
    const std::optional<SweepShardTag> tag =
        shard ? std::optional<SweepShardTag>(SweepShardTag{*shard, work.size()}) : std::nullopt;
    ModelSweepRun run;
    std::error_code ec;
    const std::string out = output_path(output.path);
    const std::string partial = partial_path(out);

    // A finished OUT of this very shard: nothing to do.
    if (fs::exists(out, ec) && !output.replace) {
        SweepFile finished = read_sweep_file(out, false);
        check_resumable(finished.rows, out, plan, shard, work);
        if (finished.rows.size() != work.size())
            throw ParameterError(out + ": holds " + std::to_string(finished.rows.size()) + " of the " +
                                 std::to_string(work.size()) + " rows of " + describe(shard) + "; remove it or give --force");
        run.rows = std::move(finished.rows);
        run.resumed = run.rows.size();
        for (const SweepRow& row : run.rows)
            if (row_written) row_written(row);
        return run;
    }
    std::size_t keep_bytes = 0;
    if (fs::exists(partial, ec) && !output.replace) {
        SweepFile earlier = read_sweep_file(partial, true);
        check_resumable(earlier.rows, partial, plan, shard, work);
        keep_bytes = earlier.complete_bytes;
        run.rows = std::move(earlier.rows);
        run.resumed = run.rows.size();
    }
    if (!fs::is_directory(fs::path(out).has_parent_path() ? fs::path(out).parent_path() : fs::path("."), ec))
        throw InputError(out + ": the folder it would be written in does not exist");
    PartialFile file(partial, keep_bytes);
    for (const SweepRow& row : run.rows)
        if (row_written) row_written(row);

    // Progress by estimated cost: each layer's statistics pass, then its points in equal shares.
    double total = 0.0;
    for (std::size_t k = run.rows.size(); k < work.size(); ++k)
        total += layer_cost(plan.layers[work[k] / plan.points.size()], plan.points.size()) / plan.points.size();
    double done = 0.0;
    const OneThreadPerPoint threads;
    const std::size_t n_layers = work.size() / std::max<std::size_t>(plan.points.size(), 1);
    std::size_t next = run.rows.size();
    while (next < work.size()) {
        const std::size_t layer = work[next] / plan.points.size();
        const LayerInfo& info = plan.layers[layer];
        const double share = total > 0 ? layer_cost(info, plan.points.size()) / plan.points.size() / total : 0.0;
        const std::string where = "layer " + std::to_string(next / plan.points.size() + 1) + "/" +
                                  std::to_string(n_layers) + " " + info.name;
        SweepLayerFacts facts{info.d_out, info.d_in, static_cast<long long>(info.n_tokens), 0.0};
        std::optional<LoadedLayer> loaded;
        std::string failure;
        try {
            LayerSource source;
            source.path = plan.path;
            source.layer = info.name;
            source.limits = plan.limits;
            WorkProgress statistics(progress, done, done + share * 0.2, where + ": statistics");
            loaded = load_layer(source, statistics);
            facts.tokens = static_cast<long long>(loaded->stats.n_tokens);
            facts.outlier_strength = loaded->stats.outlier_strength();
        } catch (const InputError& e) {
            failure = e.what();
        }
        // One error measure per layer: its reference energy is shared by every method.
        std::optional<OutputError> judge;
        if (loaded) judge.emplace(loaded->layer.W, loaded->stats);
        const std::size_t first = next;
        while (next < work.size() && work[next] / plan.points.size() == layer) ++next;
        const std::size_t count = next - first;
        // The layer's points side by side, one thread each, rows appended in work order as soon
        // as every row before them is written.
        LayerPointsProgress points_progress(progress, done, share, count);
        std::vector<std::string> lines(count);
        std::vector<char> finished(count, 0);
        std::vector<std::exception_ptr> errors(count);
        std::exception_ptr write_error;
        std::size_t written = 0;
#pragma omp parallel for num_threads(threads.workers()) schedule(dynamic, 1)
        for (std::size_t k = 0; k < count; ++k) {
            const std::size_t point = work[first + k] % plan.points.size();
            const ModelEvalPoint& p = plan.points[point];
            try {
                if (loaded) {
                    try {
                        PointProgress method_progress(points_progress, k, where + ": " + p.method + " " + p.budget);
                        MethodResult result = run_method(find_method(p.method), loaded->layer, loaded->stats, p.params,
                                                         method_progress, *judge);
                        result.release_matrices();
                        lines[k] = sweep_row_line(plan, layer, point, facts, result, tag);
                    } catch (const InputError& e) {
                        lines[k] = sweep_failure_line(plan, layer, point, facts, e.what(), tag);
                    }
                } else {
                    lines[k] = sweep_failure_line(plan, layer, point, facts, failure, tag);
                }
            } catch (...) {
                errors[k] = std::current_exception();   // Cancelled and the like: rethrown below, in order
            }
#pragma omp critical(layerlens_sweep_rows)
            {
                finished[k] = 1;
                try {
                    // After a cancel nothing more is written, as when the points ran one by one.
                    for (; !write_error && written < count && finished[written] && !errors[written] &&
                           !points_progress.cancelled();
                         ++written) {
                        file.append(lines[written]);
                        run.rows.push_back(parse_sweep_row(lines[written], partial, run.rows.size() + 1));
                        ++run.computed;
                        if (row_written) row_written(run.rows.back());
                    }
                } catch (...) {
                    write_error = std::current_exception();
                }
            }
        }
        done += share * static_cast<double>(count);
        if (write_error) std::rethrow_exception(write_error);
        for (const std::exception_ptr& e : errors)
            if (e) std::rethrow_exception(e);
    }
    progress.report(1.0, "done");
    // Complete: the shard's file appears under its name in one rename.
    if (fs::exists(out, ec) && !output.replace) throw ParameterError(out + ": appeared while the sweep ran; not replaced");
    if (std::rename(partial.c_str(), out.c_str()) != 0)
        throw InputError(out + ": cannot move the finished " + partial + " into place (" + std::strerror(errno) + ")");
    return run;
}

}  // namespace layerlens
