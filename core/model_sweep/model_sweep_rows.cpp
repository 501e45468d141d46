#include "model_sweep_rows.h"

#include <cmath>
#include <filesystem>
#include <fstream>

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

template <class T>
T field(const nlohmann::json& o, const char* key, const std::string& where) {
    const auto it = o.find(key);
    if (it == o.end()) throw InputError(where + ": the row has no '" + key + "'");
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception&) {
        throw InputError(where + ": '" + key + "' has the wrong type (" + it->type_name() + ")");
    }
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
    row.work = field<std::size_t>(o, "work", where);
    row.work_count = field<std::size_t>(o, "work_count", where);
    row.layer_index = field<std::size_t>(o, "layer_index", where);
    if (row.work_count == 0 || row.work >= row.work_count)
        throw InputError(where + ": work " + std::to_string(row.work) + " is not below work_count " +
                         std::to_string(row.work_count));
    row.sweep = field<std::string>(o, "sweep", where);
    row.input_sha256 = field<std::string>(o, "input_sha256", where);
    row.input = field<std::string>(o, "input", where);
    row.layer = field<std::string>(o, "layer", where);
    row.method = field<std::string>(o, "method", where);
    row.budget = field<std::string>(o, "budget", where);
    row.facts.d_out = field<long long>(o, "d_out", where);
    row.facts.d_in = field<long long>(o, "d_in", where);
    row.facts.tokens = field<long long>(o, "tokens", where);
    row.facts.outlier_strength = o.value("outlier_strength", 0.0);
    if (o.contains("failure")) {
        row.failure = field<std::string>(o, "failure", where);
    } else {
        // NaN is stored as null by JSON; a row of a finished method always has a number.
        const auto& e = o.find("relative_output_error");
        if (e == o.end() || !e->is_number()) throw InputError(where + ": the row has no relative_output_error");
        row.error = e->get<double>();
        if (!std::isfinite(*row.error) || *row.error < 0)
            throw InputError(where + ": relative_output_error " + e->dump() + " is not a finite E >= 0");
        row.sparsity = o.value("sparsity", 0.0);
        row.bits_per_weight = o.value("bits_per_weight", 0.0);
        row.seconds = o.value("seconds", 0.0);
    }
    if (const auto it = o.find("shard"); it != o.end()) {
        if (!it->is_object()) throw InputError(where + ": 'shard' is not an object");
        SweepShardTag tag;
        tag.shard.index = field<int>(*it, "index", where);
        tag.shard.count = field<int>(*it, "count", where);
        tag.rows = field<std::size_t>(*it, "rows", where);
        if (tag.shard.count < 1 || tag.shard.index < 0 || tag.shard.index >= tag.shard.count)
            throw InputError(where + ": shard " + tag.shard.text() + " is not a shard");
        row.shard = tag;
    }
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
