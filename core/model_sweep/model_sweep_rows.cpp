#include "model_sweep_rows.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <utility>

#include "../errors.h"
#include "../io/atomic_output.h"
#include "../result_json.h"

namespace layerlens {

namespace {

// A row holds a method's series (AWQ's α errors, AWP's loss history): kilobytes, never this.
constexpr std::size_t kMaxLineBytes = std::size_t{64} << 20;

nlohmann::json common_fields(const ModelSweepPlan& plan, std::size_t layer, std::size_t point,
                             const SweepLayerFacts& facts, const std::optional<SweepShardTag>& shard) {
    nlohmann::json o;
    o["layer"] = plan.layers[layer].name;
    o["method"] = plan.points[point].method;
    o["budget"] = plan.points[point].budget;
    o["d_out"] = static_cast<long long>(facts.d_out);
    o["d_in"] = static_cast<long long>(facts.d_in);
    o["tokens"] = facts.tokens;
    o["outlier_strength"] = facts.outlier_strength;
    o["layer_index"] = layer;
    o["work"] = plan.work_index(layer, point);
    o["work_count"] = plan.work_count();
    o["sweep"] = plan.sweep_id;
    o["input"] = std::filesystem::path(plan.path).filename().string();
    o["input_sha256"] = plan.input_sha256;
    if (shard) o["shard"] = {{"index", shard->shard.index}, {"count", shard->shard.count}, {"rows", shard->rows}};
    return o;
}

// A value as a message shows it: short, whatever a hostile row holds.
std::string shown(const nlohmann::json& value) {
    std::string text = value.dump();
    if (text.size() > 40) text = text.substr(0, 40) + "...";
    return text;
}

const nlohmann::json& member(const nlohmann::json& o, const std::string& key, const std::string& where) {
    const auto it = o.find(key);
    if (it == o.end()) throw InputError(where + ": the row has no '" + key + "'");
    return *it;
}

std::string text_field(const nlohmann::json& o, const std::string& key, const std::string& where) {
    const nlohmann::json& value = member(o, key, where);
    if (!value.is_string()) throw InputError(where + ": '" + key + "' has the wrong type (" + value.type_name() + ")");
    return value.get<std::string>();
}

// A whole number in [low, high]; `name` is how messages call it ("shard.index" for the tag's
// "index"). nlohmann's get<size_t> reads 0.5 as 0 and -1 as 2^64 - 1, and get<int> reads
// 2^32 + 1 as 1, so the kind nlohmann stored is checked and compared with the range before
// anything is converted.
template <class T>
T whole_field(const nlohmann::json& o, const std::string& key, const std::string& name, const std::string& where, T low,
              T high = std::numeric_limits<T>::max()) {
    const nlohmann::json& value = member(o, key, where);
    bool in_range = false;
    if (value.is_number_unsigned()) {
        const std::uint64_t v = value.get<std::uint64_t>();
        in_range = std::cmp_greater_equal(v, low) && std::cmp_less_equal(v, high);
    } else if (value.is_number_integer()) {
        const std::int64_t v = value.get<std::int64_t>();
        in_range = std::cmp_greater_equal(v, low) && std::cmp_less_equal(v, high);
    }
    if (!in_range)
        throw InputError(where + ": '" + name + "' is " + shown(value) + ", not a whole number from " +
                         std::to_string(low) + " to " + std::to_string(high));
    return value.get<T>();   // exact: it is in T's range
}

// A number from `low` to `high`. The parser refuses numbers beyond double (1e400), so one read
// is finite.
double number_field(const nlohmann::json& o, const std::string& key, const std::string& where, double low,
                    std::optional<double> high = std::nullopt) {
    const nlohmann::json& value = member(o, key, where);
    if (!value.is_number() || value.get<double>() < low || (high && value.get<double>() > *high))
        throw InputError(where + ": '" + key + "' is " + shown(value) + ", not a number " +
                         (high ? "from " + shown(low) + " to " + shown(*high) : ">= " + shown(low)));
    return value.get<double>();
}

// outlier_strength is max/median of the channels' mean |x|: infinite when more than half the
// channels are silent, and JSON has no infinity (nlohmann writes it as null). So null is read
// back as what was written.
double outlier_strength_field(const nlohmann::json& o, const std::string& where) {
    if (member(o, "outlier_strength", where).is_null()) return std::numeric_limits<double>::infinity();
    return number_field(o, "outlier_strength", where, 0.0);
}

// {"index", "count", "rows"}: a shard of a sweep of `work_count` items. Every shard has at least
// one layer (run_model_sweep refuses more shards than layers), so neither the count nor a
// shard's rows can exceed the work: refused here, before merge-shards builds anything that
// large (a count of 2^31 - 1 made it list 2^31 missing shards).
SweepShardTag shard_field(const nlohmann::json& o, std::size_t work_count, const std::string& where) {
    const nlohmann::json& tag_json = member(o, "shard", where);
    if (!tag_json.is_object()) throw InputError(where + ": 'shard' is not an object");
    SweepShardTag tag;
    tag.shard.count = whole_field<int>(tag_json, "count", "shard.count", where, 1);
    tag.shard.index = whole_field<int>(tag_json, "index", "shard.index", where, 0);
    tag.rows = whole_field<std::size_t>(tag_json, "rows", "shard.rows", where, 1);
    if (static_cast<std::size_t>(tag.shard.count) > work_count)
        throw InputError(where + ": 'shard.count' " + std::to_string(tag.shard.count) + " is more than the sweep's " +
                         std::to_string(work_count) + " work items (a shard is never empty)");
    if (tag.shard.index >= tag.shard.count)
        throw InputError(where + ": 'shard.index' " + std::to_string(tag.shard.index) + " is not below 'shard.count' " +
                         std::to_string(tag.shard.count));
    if (tag.rows > work_count)
        throw InputError(where + ": 'shard.rows' " + std::to_string(tag.rows) + " is more than the sweep's " +
                         std::to_string(work_count) + " work items");
    return tag;
}

// The figures of a finished method; a failed row has none.
void read_result_fields(const nlohmann::json& o, const std::string& where, SweepRow& row) {
    // NaN is stored as null by JSON; a row of a finished method always has a number.
    const nlohmann::json& e = member(o, "relative_output_error", where);
    if (!e.is_number())
        throw InputError(where + ": 'relative_output_error' is " + shown(e) + ", not a number");
    row.error = e.get<double>();
    if (!std::isfinite(*row.error) || *row.error < 0)
        throw InputError(where + ": relative_output_error " + e.dump() + " is not a finite E >= 0");
    row.sparsity = number_field(o, "sparsity", where, 0.0, 1.0);
    row.bits_per_weight = number_field(o, "bits_per_weight", where, 0.0);
    row.seconds = number_field(o, "seconds", where, 0.0);
}

}  // namespace

std::string sweep_row_line(const ModelSweepPlan& plan, std::size_t layer, std::size_t point, const SweepLayerFacts& facts,
                           const MethodResult& result, const std::optional<SweepShardTag>& shard) {
    nlohmann::json o = result_to_json(plan.layers[layer].name, result);
    o.update(common_fields(plan, layer, point, facts, shard));
    return o.dump();
}

std::string sweep_failure_line(const ModelSweepPlan& plan, std::size_t layer, std::size_t point,
                               const SweepLayerFacts& facts, const std::string& message,
                               const std::optional<SweepShardTag>& shard) {
    nlohmann::json o = common_fields(plan, layer, point, facts, shard);
    o["failure"] = message;
    return o.dump();
}

SweepRow parse_sweep_row(const std::string& line, const std::string& file, std::size_t line_number) {
    const std::string where = file + ":" + std::to_string(line_number);
    nlohmann::json o;
    try {
        o = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
        // nlohmann's own words say where and what ("syntax error while parsing value ...").
        std::string reason = e.what();
        if (const auto at = reason.find("] "); at != std::string::npos) reason = reason.substr(at + 2);
        if (reason.size() > 160) reason = reason.substr(0, 160) + "...";
        throw InputError(where + ": not valid JSON (" + reason + "; is this a sweep-model result?)");
    }
    if (!o.is_object()) throw InputError(where + ": not a JSON object (is this a sweep-model result?)");
    SweepRow row;
    row.work_count = whole_field<std::size_t>(o, "work_count", "work_count", where, 1);
    row.work = whole_field<std::size_t>(o, "work", "work", where, 0);
    if (row.work >= row.work_count)
        throw InputError(where + ": 'work' " + std::to_string(row.work) + " is not below 'work_count' " +
                         std::to_string(row.work_count));
    row.layer_index = whole_field<std::size_t>(o, "layer_index", "layer_index", where, 0);
    row.sweep = text_field(o, "sweep", where);
    row.input_sha256 = text_field(o, "input_sha256", where);
    row.input = text_field(o, "input", where);
    row.layer = text_field(o, "layer", where);
    row.method = text_field(o, "method", where);
    row.budget = text_field(o, "budget", where);
    row.facts.d_out = whole_field<long long>(o, "d_out", "d_out", where, 0);
    row.facts.d_in = whole_field<long long>(o, "d_in", "d_in", where, 0);
    row.facts.tokens = whole_field<long long>(o, "tokens", "tokens", where, 0);
    row.facts.outlier_strength = outlier_strength_field(o, where);
    if (o.contains("failure")) row.failure = text_field(o, "failure", where);
    else read_result_fields(o, where, row);
    if (o.contains("shard")) row.shard = shard_field(o, row.work_count, where);
    row.line = line;
    return row;
}

SweepRow without_shard(const SweepRow& row) {
    if (!row.shard) return row;
    SweepRow out = row;
    nlohmann::json o = nlohmann::json::parse(row.line);
    o.erase("shard");
    out.line = o.dump();
    out.shard.reset();
    return out;
}

SweepFile read_sweep_file(const std::string& path, bool allow_torn_tail) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw InputError(path + ": is a directory, not a sweep-model result");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot be opened");
    SweepFile file;
    std::string line;
    std::size_t number = 0;
    char c;
    line.reserve(4096);
    // Read by hand rather than std::getline, to bound a line and to see whether the last ends.
    while (true) {
        line.clear();
        bool ended = false;
        while (in.get(c)) {
            if (c == '\n') { ended = true; break; }
            if (line.size() >= kMaxLineBytes)
                throw InputError(path + ":" + std::to_string(number + 1) + ": a line longer than " +
                                 std::to_string(kMaxLineBytes >> 20) + " MB: not a sweep-model result");
            line += c;
        }
        if (!ended && line.empty()) break;
        ++number;
        if (!ended) {
            if (allow_torn_tail) break;   // cut off mid-write; the work is done again
            throw InputError(path + ":" + std::to_string(number) + ": the last line is cut off (an unfinished write)");
        }
        file.rows.push_back(parse_sweep_row(line, path, number));
        file.complete_bytes += line.size() + 1;
    }
    if (in.bad()) throw InputError(path + ": cannot be read");
    return file;
}

void write_sweep_file(const std::string& out, const std::vector<SweepRow>& rows, bool replace) {
    TemporaryOutput temporary(out);
    FileWriter writer(temporary.path());
    for (const SweepRow& row : rows) writer.write(row.line + "\n");
    writer.close();
    temporary.commit(replace);
}

}  // namespace layerlens
