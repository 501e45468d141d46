#include "model_sweep_plan.h"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <numeric>

#include "../errors.h"
#include "../io/sha256.h"
#include "../method_registry.h"
#include "../param_spec.h"
#include "../result_json.h"

namespace layerlens {

namespace {

bool matches(const std::vector<std::string>& patterns, const std::string& name) {
    if (patterns.empty()) return true;
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return ::fnmatch(p.c_str(), name.c_str(), 0) == 0; });
}

std::optional<long long> whole_number(const std::string& text) {
    long long value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
    return value;
}

// A layer with the listed shape and no data: enough for validate_method, which reads shapes only.
Layer shape_only(const LayerInfo& info) {
    Layer layer;
    layer.name = info.name;
    layer.W = MatrixF(info.d_out, info.d_in);   // not touched: pages are never faulted in
    return layer;
}

}  // namespace

ModelSweepPlan plan_model_sweep(const ModelSweepRequest& request) {
    if (request.points.empty()) throw ParameterError("sweep-model needs --methods (and the budgets to run them at)");
    ModelSweepPlan plan;
    plan.path = request.path;
    plan.points = request.points;
    plan.limits = request.limits;
    const std::vector<LayerInfo> listed = list_layers(request.path);
    for (const std::string& pattern : request.layer_patterns)
        if (std::none_of(listed.begin(), listed.end(), [&](const LayerInfo& l) { return matches({pattern}, l.name); }))
            throw ParameterError("--layers '" + pattern + "' matches no layer of " + request.path);
    for (const LayerInfo& info : listed) {
        if (!matches(request.layer_patterns, info.name)) continue;
        if (!info.problem.empty()) plan.skipped.push_back(info.name + ": " + info.problem);
        else if (!info.has_inputs) plan.skipped.push_back(info.name + ": no calibration inputs in the file");
        else plan.layers.push_back(info);
    }
    if (plan.layers.empty())
        throw InputError(request.path + ": no layer with calibration inputs to sweep" +
                         (plan.skipped.empty() ? std::string() : " (" + plan.skipped.front() + ")"));
    for (const LayerInfo& info : plan.layers) {
        const Layer layer = shape_only(info);
        for (const ModelEvalPoint& point : plan.points) {
            try {
                validate_method(find_method(point.method), layer, point.params);
            } catch (const ParameterError& e) {
                throw ParameterError(point.method + " on " + info.name + " (" + std::to_string(info.d_out) + " x " +
                                     std::to_string(info.d_in) + "): " + e.what());
            }
        }
    }
    plan.input_sha256 = file_sha256(request.path);
    plan.sweep_id = sha256_hex(sweep_description(plan)).substr(0, 16);
    return plan;
}

std::string sweep_description(const ModelSweepPlan& plan) {
    nlohmann::json description;
    description["input_sha256"] = plan.input_sha256;
    nlohmann::json layers = nlohmann::json::array();
    for (const LayerInfo& info : plan.layers) layers.push_back(info.name);
    description["layers"] = layers;
    nlohmann::json points = nlohmann::json::array();
    for (const ModelEvalPoint& point : plan.points) {
        nlohmann::json p;
        p["method"] = point.method;
        p["budget"] = point.budget;
        nlohmann::json settings = nlohmann::json::object();
        for (const ParamSpec* spec : find_method(point.method).params) {
            const auto value = spec->get(point.params);
            settings[spec->name] = value ? param_text(*spec, *value) : "default";
        }
        p["settings"] = settings;
        points.push_back(p);
    }
    description["points"] = points;
    return description.dump();
}

std::string Shard::text() const { return std::to_string(index) + "/" + std::to_string(count); }

Shard parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    const auto index = slash == std::string::npos ? std::nullopt : whole_number(text.substr(0, slash));
    const auto count = slash == std::string::npos ? std::nullopt : whole_number(text.substr(slash + 1));
    if (!index || !count) throw ParameterError("--shard must be I/N (e.g. 0/3), got '" + text + "'");
    if (*count < 1 || *count > 100000) throw ParameterError("--shard " + text + ": N must be in [1, 100000]");
    if (*index < 0 || *index >= *count)
        throw ParameterError("--shard " + text + ": I counts from 0, so the shards of " + std::to_string(*count) +
                             " are 0/" + std::to_string(*count) + " to " + std::to_string(*count - 1) + "/" +
                             std::to_string(*count));
    return Shard{static_cast<int>(*index), static_cast<int>(*count)};
}

std::optional<Shard> shard_from_environment(const std::function<const char*(const char*)>& environment, int count) {
    auto number = [&](const char* name) -> std::optional<long long> {
        const char* value = environment(name);
        if (!value || !*value) return std::nullopt;
        const auto n = whole_number(value);
        if (!n) throw ParameterError(std::string(name) + "='" + value + "' is not a whole number");
        return n;
    };
    if (const auto task = number("SLURM_ARRAY_TASK_ID")) {
        const auto tasks = number("SLURM_ARRAY_TASK_COUNT");
        if (!tasks) throw ParameterError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
        const long long first = number("SLURM_ARRAY_TASK_MIN").value_or(0);
        return parse_shard(std::to_string(*task - first) + "/" + std::to_string(*tasks));
    }
    if (const auto index = number("JOB_COMPLETION_INDEX")) {
        if (count <= 0)
            throw ParameterError("JOB_COMPLETION_INDEX is set: give the number of shards with --shard-count N "
                                 "(the Job's completions)");
        return parse_shard(std::to_string(*index) + "/" + std::to_string(count));
    }
    return std::nullopt;
}

double layer_cost(const LayerInfo& layer, std::size_t n_points) {
    const double d_out = static_cast<double>(layer.d_out), d_in = static_cast<double>(layer.d_in);
    const double tokens = static_cast<double>(layer.n_tokens);
    return tokens * d_in * d_in + static_cast<double>(n_points) * (d_in * d_in * d_in + d_out * d_in * d_in);
}

std::vector<std::size_t> shard_layers(const ModelSweepPlan& plan, const Shard& shard) {
    std::vector<std::size_t> order(plan.layers.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<double> cost(plan.layers.size());
    for (std::size_t k = 0; k < plan.layers.size(); ++k) cost[k] = layer_cost(plan.layers[k], plan.points.size());
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });
    std::vector<double> load(static_cast<std::size_t>(shard.count), 0.0);
    std::vector<std::size_t> mine;
    for (std::size_t layer : order) {
        const auto least = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
        load[least] += cost[layer];
        if (static_cast<int>(least) == shard.index) mine.push_back(layer);
    }
    std::sort(mine.begin(), mine.end());
    return mine;
}

}  // namespace layerlens
