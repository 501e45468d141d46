#include "model_sweep_runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
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

std::string quoted(const std::string& text) { return "'" + text + "'"; }

// A kept row's names and shape against the plan's for its work index: the sweep id and the
// checksum say which sweep a row claims to be of, not that the row is what that sweep computed
// (a row edited by hand, or swapped with another, would be kept in OUT and in the summary).
// InputError naming the line, what the row says and what the plan says.
void check_row_is_the_plans(const SweepRow& row, const std::string& where, const ModelSweepPlan& plan,
                            const std::optional<SweepShardTag>& tag) {
    const std::size_t layer = row.work / plan.points.size(), point = row.work % plan.points.size();
    const LayerInfo& info = plan.layers[layer];
    const ModelEvalPoint& p = plan.points[point];
    const auto refuse = [&](const char* field, const std::string& says, const std::string& plan_says) {
        throw InputError(where + ": the row says '" + field + "' " + says + ", but work " + std::to_string(row.work) +
                         " of this sweep has " + plan_says + " (an edited row?); remove it or give --force to start over");
    };
    if (row.work_count != plan.work_count())
        refuse("work_count", std::to_string(row.work_count), std::to_string(plan.work_count()));
    if (row.layer_index != layer) refuse("layer_index", std::to_string(row.layer_index), std::to_string(layer));
    if (row.layer != info.name) refuse("layer", quoted(row.layer), quoted(info.name));
    if (row.method != p.method) refuse("method", quoted(row.method), quoted(p.method) + " at " + quoted(p.budget));
    if (row.budget != p.budget) refuse("budget", quoted(row.budget), quoted(p.method) + " at " + quoted(p.budget));
    if (row.facts.d_out != info.d_out) refuse("d_out", std::to_string(row.facts.d_out), std::to_string(info.d_out));
    if (row.facts.d_in != info.d_in) refuse("d_in", std::to_string(row.facts.d_in), std::to_string(info.d_in));
    if (tag && row.shard->rows != tag->rows) refuse("shard.rows", std::to_string(row.shard->rows), std::to_string(tag->rows));
}

// The rows already in `path` when they are this sweep's and a prefix of this shard's work;
// ParameterError (naming what differs) for rows of another sweep, input or shard, InputError
// for a row that claims this sweep but is not what it computes.
void check_resumable(const std::vector<SweepRow>& rows, const std::string& path, const ModelSweepPlan& plan,
                     const std::optional<Shard>& shard, const std::vector<std::size_t>& work) {
    const std::string advice = "; remove it or give --force to start over";
    const std::optional<SweepShardTag> tag =
        shard ? std::optional<SweepShardTag>(SweepShardTag{*shard, work.size()}) : std::nullopt;
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
        check_row_is_the_plans(row, path + ":" + std::to_string(k + 1), plan, tag);
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

// The shard's bar: work item k fills its share of it (its layer's estimated cost over the
// layer's points); the items run side by side and report from their threads, so under a lock.
class ItemsProgress {
public:
    ItemsProgress(Progress& parent, std::vector<double> shares)
        : parent_(parent), shares_(std::move(shares)), fractions_(shares_.size(), 0.0) {}
    void report(std::size_t item, double fraction, const std::string& label) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_ += shares_[item] * (fraction - fractions_[item]);
        fractions_[item] = fraction;
        parent_.report(done_, label);
    }
    bool cancelled() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return parent_.cancelled();
    }

private:
    Progress& parent_;
    std::vector<double> shares_, fractions_;
    double done_ = 0.0;   // Σ share · fraction over the items
    mutable std::mutex mutex_;
};

// One item's progress, [0, 1] mapped onto [0, reach] of its share, under one label.
class ItemProgress : public Progress {
public:
    ItemProgress(ItemsProgress& items, std::size_t item, double reach, std::string label)
        : items_(items), item_(item), reach_(reach), label_(std::move(label)) {}
    void report(double fraction, std::string_view) override { items_.report(item_, reach_ * fraction, label_); }
    bool cancelled() const override { return items_.cancelled(); }

private:
    ItemsProgress& items_;
    std::size_t item_;
    double reach_;
    std::string label_;
};

// A layer of the sweep while any of its points runs: loaded (weight, statistics and the one
// error measure its points share, whose reference energy is computed once) by the first point
// to start, the others waiting for it; freed when its last point ends. A layer whose data is
// bad keeps the message for its failure rows.
struct LayerSlot {
    std::mutex mutex;
    bool attempted = false;
    bool cancelled = false;
    std::optional<LoadedLayer> loaded;
    std::optional<OutputError> judge;
    SweepLayerFacts facts;
    std::string failure;
    std::size_t points_left = 0;

    void load_once(const ModelSweepPlan& plan, const LayerInfo& info, ItemProgress progress) {
        std::lock_guard<std::mutex> lock(mutex);
        if (cancelled) throw Cancelled();
        if (attempted) return;
        facts = SweepLayerFacts{info.d_out, info.d_in, static_cast<long long>(info.n_tokens), 0.0};
        try {
            LayerSource source;
            source.path = plan.path;
            source.layer = info.name;
            source.limits = plan.limits;
            const std::vector<LayerInfo> listed{info};   // from the plan's one listing of the file
            loaded = load_layer(source, progress, &listed);
            facts.tokens = static_cast<long long>(loaded->stats.n_tokens);
            facts.outlier_strength = loaded->stats.outlier_strength();
            judge.emplace(loaded->layer.W, loaded->stats);
        } catch (const InputError& e) {
            failure = e.what();
            loaded.reset();
        } catch (...) {
            cancelled = true;   // Cancelled, or out of memory: the layer's other points stop too
            throw;
        }
        attempted = true;
    }
    void point_done() {
        std::lock_guard<std::mutex> lock(mutex);
        if (--points_left > 0) return;
        judge.reset();   // refers to the loaded layer
        loaded.reset();
    }
};

// For the sweep: every product on one thread (Eigen, OpenBLAS, our own loops), the thread count
// as it was afterwards. OpenBLAS and Eigen cut a product between threads at places that depend
// on the thread count, and their kernels round the cut's edges differently: GPTQ's E on a real
// 172-wide layer was 0.013857998160706602 on one thread and 0.013857998209905556 on two.
// The setting is the process's: a comparison the window runs meanwhile gets one thread too.
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
    const std::size_t first = run.rows.size();
    const std::size_t count = work.size() - first;
    const std::size_t points = std::max<std::size_t>(plan.points.size(), 1);
    std::vector<double> shares(count);
    double total = 0.0;
    for (std::size_t k = 0; k < count; ++k) {
        shares[k] = layer_cost(plan.layers[work[first + k] / points], plan.points.size()) / static_cast<double>(points);
        total += shares[k];
    }
    for (double& share : shares) share = total > 0 ? share / total : 0.0;
    const std::size_t n_layers = work.size() / points;

    // The remaining work items run side by side on one thread each, in work order, so a thread
    // that finishes a layer's short points goes on to the next layer while another is still in a
    // long one (AWQ is most of a layer's time); a layer is loaded by the first of its points to
    // start and freed when its last one ends, so at most one layer per thread is in memory. Rows
    // are appended in work order as soon as every row before them is written.
    const OneThreadPerPoint threads;
    std::vector<std::unique_ptr<LayerSlot>> slots(plan.layers.size());
    for (std::size_t k = 0; k < count; ++k) {
        auto& slot = slots[work[first + k] / points];
        if (!slot) slot = std::make_unique<LayerSlot>();
        ++slot->points_left;
    }
    ItemsProgress items_progress(progress, shares);
    std::vector<std::string> lines(count);
    std::vector<char> finished(count, 0);
    std::vector<std::exception_ptr> errors(count);
    std::exception_ptr write_error;
    std::size_t written = 0;
#pragma omp parallel for num_threads(threads.workers()) schedule(dynamic, 1)
    for (std::size_t k = 0; k < count; ++k) {
        const std::size_t layer = work[first + k] / points;
        const std::size_t point = work[first + k] % points;
        const LayerInfo& info = plan.layers[layer];
        const std::string where = "layer " + std::to_string((first + k) / points + 1) + "/" + std::to_string(n_layers) +
                                  " " + info.name;
        LayerSlot& slot = *slots[layer];
        try {
            slot.load_once(plan, info, ItemProgress(items_progress, k, 0.2, where + ": statistics"));
            const ModelEvalPoint& p = plan.points[point];
            if (slot.loaded) {
                try {
                    ItemProgress method_progress(items_progress, k, 1.0, where + ": " + p.method + " " + p.budget);
                    MethodResult result = run_method(find_method(p.method), slot.loaded->layer, slot.loaded->stats,
                                                     p.params, method_progress, *slot.judge);
                    result.release_matrices();
                    lines[k] = sweep_row_line(plan, layer, point, slot.facts, result, tag);
                } catch (const InputError& e) {
                    lines[k] = sweep_failure_line(plan, layer, point, slot.facts, e.what(), tag);
                }
            } else {
                lines[k] = sweep_failure_line(plan, layer, point, slot.facts, slot.failure, tag);
            }
        } catch (...) {
            errors[k] = std::current_exception();   // Cancelled and the like: rethrown below, in order
        }
        slot.point_done();
#pragma omp critical(layerlens_sweep_rows)
        {
            finished[k] = 1;
            try {
                // After a cancel nothing more is written, as when the points ran one by one.
                for (; !write_error && written < count && finished[written] && !errors[written] &&
                       !items_progress.cancelled();
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
    if (write_error) std::rethrow_exception(write_error);
    for (const std::exception_ptr& e : errors)
        if (e) std::rethrow_exception(e);
    progress.report(1.0, "done");
    // Complete: the shard's file appears under its name in one rename.
    if (fs::exists(out, ec) && !output.replace) throw ParameterError(out + ": appeared while the sweep ran; not replaced");
    if (std::rename(partial.c_str(), out.c_str()) != 0)
        throw InputError(out + ": cannot move the finished " + partial + " into place (" + std::strerror(errno) + ")");
    return run;
}

}  // namespace layerlens
