#include "model_eval_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "../errors.h"
#include "../param_spec.h"
#include "../result_json.h"

namespace layerlens {

namespace {

using nlohmann::json;

// JSON has no Inf or NaN: a perplexity that overflowed is written as null and read back as +Inf.
json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json row_to_json(const ModelEvaluation& evaluation, const ModelEvalRow& row) {
    json o;
    o["method"] = row.method;
    o["budget"] = row.budget;
    o["params"] = to_json(row.params);
    o["perplexity"] = number(row.perplexity);
    o["kl"] = number(row.kl);
    o["mean_layer_error"] = number(row.mean_layer_error);
    o["bits_per_weight"] = row.bits_per_weight;
    o["sparsity"] = row.sparsity;
    o["seconds"] = row.seconds;
    o["eval_seconds"] = row.eval_seconds;
    json layers = json::object();
    for (const auto& [name, error] : row.layer_errors) layers[name] = number(error);
    o["layer_errors"] = layers;
    o["model"] = evaluation.model_path;
    o["sequential"] = evaluation.sequential;
    o["calibration_sequences"] = evaluation.calibration_sequences;
    o["calibration_tokens"] = evaluation.calibration_tokens;
    o["evaluation_sequences"] = evaluation.evaluation_sequences;
    o["evaluation_tokens"] = evaluation.evaluation_tokens;
    return o;
}

// A KL divergence is >= 0, but its sum over the vocabulary in double can round a little below.
constexpr double kRoundedBelowZero = -1e-9;

// Reads one row's fields, each failure naming the source, the row and the field.
class RowReader {
public:
    RowReader(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

    const json& field(const char* name, bool required = true) const {
        static const json missing;
        const auto it = object_.find(name);
        if (it == object_.end()) {
            if (required) throw InputError(where_ + ": field '" + name + "' is missing");
            return missing;
        }
        return *it;
    }
    std::string text(const char* name, bool required = true) const {
        const json& v = field(name, required);
        if (v.is_null() && !required) return "";
        if (!v.is_string()) throw InputError(where_ + ": field '" + name + "' must be a string");
        return v.get<std::string>();
    }
    // null (a perplexity that overflowed) reads as +Inf. Every figure eval-model writes lies in
    // [low, high]: >= 0 (a KL summed in double may round a hair below), a sparsity at most 1.
    double real(const char* name, bool required = true, double absent = 0.0, double low = 0.0,
                double high = std::numeric_limits<double>::infinity()) const {
        const json& v = field(name, required);
        if (v.is_null()) return object_.contains(name) ? std::numeric_limits<double>::infinity() : absent;
        if (!v.is_number()) throw InputError(where_ + ": field '" + name + "' must be a number");
        const double value = v.get<double>();
        if (!(value >= low && value <= high))
            throw InputError(where_ + ": field '" + name + "' is " + v.dump() + ", not a number from " + exact_number(low) +
                             " to " + (std::isfinite(high) ? exact_number(high) : std::string("infinity")));
        return value;
    }
    // A count of sequences or tokens: a whole number from 0 to 2^53 (a double holds it exactly;
    // a larger one, cast to long long, would be undefined).
    long long count(const char* name) const {
        const json& v = field(name, false);
        if (v.is_null()) return 0;
        constexpr double kMaxCount = 9007199254740992.0;
        const double value = v.is_number() ? v.get<double>() : -1.0;
        if (!(value >= 0.0 && value <= kMaxCount && std::floor(value) == value))
            throw InputError(where_ + ": field '" + name + "' is " + v.dump() + ", not a count");
        return static_cast<long long>(value);
    }
    const std::string& where() const { return where_; }

private:
    const json& object_;
    std::string where_;
};

ParamValue param_from_json(const json& v, const std::string& where) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number_integer()) return v.get<long long>();
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) return v.get<std::string>();
    throw InputError(where + " must be a number, a string or true/false");
}

std::string cell(double value, const char* format) {
    if (!std::isfinite(value)) return "inf";
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

}  // namespace

std::string model_eval_json_text(const ModelEvaluation& evaluation) {
    json rows = json::array();
    for (const ModelEvalRow& row : evaluation.rows) rows.push_back(row_to_json(evaluation, row));
    return json_text(rows);
}

ModelEvaluation read_model_eval_json(const std::string& text, const std::string& source) {
    json document;
    try {
        document = json::parse(text);
    } catch (const json::parse_error& e) {
        throw InputError(source + ": not JSON (" + e.what() + ")");
    }
    if (!document.is_array() || document.empty())
        throw InputError(source + ": expected an array of evaluation rows (as `layerlens-cli eval-model --json` writes)");
    ModelEvaluation evaluation;
    for (size_t k = 0; k < document.size(); ++k) {
        const json& object = document[k];
        const std::string where = source + ": row " + std::to_string(k + 1);
        if (!object.is_object()) throw InputError(where + " is not an object");
        const RowReader r(object, where);
        ModelEvalRow row;
        row.method = r.text("method");
        row.budget = r.text("budget", false);
        row.perplexity = r.real("perplexity");
        if (!(row.perplexity >= 1.0)) throw InputError(where + ": perplexity " + exact_number(row.perplexity) + " is below 1");
        row.kl = r.real("kl", true, 0.0, kRoundedBelowZero);
        row.mean_layer_error = r.real("mean_layer_error");
        row.bits_per_weight = r.real("bits_per_weight");
        row.sparsity = r.real("sparsity", true, 0.0, 0.0, 1.0);
        row.seconds = r.real("seconds");
        row.eval_seconds = r.real("eval_seconds", false);
        const json& params = r.field("params", false);
        if (!params.is_null()) {
            if (!params.is_object()) throw InputError(where + ": field 'params' must be an object");
            for (const auto& [key, value] : params.items())
                row.params.emplace_back(key, param_from_json(value, where + ": params." + key));
        }
        const json& layers = r.field("layer_errors", false);
        if (!layers.is_null()) {
            if (!layers.is_object()) throw InputError(where + ": field 'layer_errors' must be an object");
            for (const auto& [name, value] : layers.items()) {
                if (!(value.is_null() || (value.is_number() && value.get<double>() >= 0.0)))
                    throw InputError(where + ": layer_errors." + name + " is " + value.dump() + ", not an E >= 0");
                row.layer_errors.emplace_back(name, value.is_null() ? std::numeric_limits<double>::infinity() : value.get<double>());
            }
        }
        if (k == 0) {
            evaluation.model_path = r.text("model", false);
            const json& sequential = r.field("sequential", false);
            evaluation.sequential = !sequential.is_boolean() || sequential.get<bool>();
            evaluation.calibration_sequences = r.count("calibration_sequences");
            evaluation.calibration_tokens = r.count("calibration_tokens");
            evaluation.evaluation_sequences = r.count("evaluation_sequences");
            evaluation.evaluation_tokens = r.count("evaluation_tokens");
        }
        evaluation.rows.push_back(std::move(row));
    }
    return evaluation;
}

ModelEvalTableShape model_eval_table_shape(const ModelEvaluation& evaluation) {
    ModelEvalTableShape shape;
    for (size_t k = 0; k < evaluation.rows.size(); ++k) {
        const ModelEvalRow& row = evaluation.rows[k];
        if (row.method == "dense") {
            shape.dense = static_cast<int>(k);
            continue;
        }
        if (std::find(shape.methods.begin(), shape.methods.end(), row.method) == shape.methods.end())
            shape.methods.push_back(row.method);
        if (std::find(shape.budgets.begin(), shape.budgets.end(), row.budget) == shape.budgets.end())
            shape.budgets.push_back(row.budget);
    }
    shape.cells.assign(shape.methods.size(), std::vector<int>(shape.budgets.size(), -1));
    for (size_t k = 0; k < evaluation.rows.size(); ++k) {
        const ModelEvalRow& row = evaluation.rows[k];
        if (row.method == "dense") continue;
        const auto m = std::find(shape.methods.begin(), shape.methods.end(), row.method) - shape.methods.begin();
        const auto b = std::find(shape.budgets.begin(), shape.budgets.end(), row.budget) - shape.budgets.begin();
        shape.cells[static_cast<size_t>(m)][static_cast<size_t>(b)] = static_cast<int>(k);
    }
    return shape;
}

std::string model_eval_table_text(const ModelEvaluation& evaluation) {
    const ModelEvalTableShape shape = model_eval_table_shape(evaluation);
    std::ostringstream out;
    out << evaluation.model_path << ": " << evaluation.evaluation_sequences << " evaluation sequences ("
        << evaluation.evaluation_tokens << " predicted tokens), calibration " << evaluation.calibration_sequences
        << " sequences (" << evaluation.calibration_tokens << " tokens), "
        << (evaluation.sequential ? "sequential" : "not sequential (dense activations)") << "\n";
    if (shape.dense >= 0)
        out << "dense perplexity " << cell(evaluation.rows[static_cast<size_t>(shape.dense)].perplexity, "%.4f") << "\n";
    if (shape.methods.empty()) return out.str();
    size_t method_width = 6;
    for (const std::string& m : shape.methods) method_width = std::max(method_width, m.size());
    struct Block {
        const char* title;
        double ModelEvalRow::*field;
        const char* format;
    };
    const Block blocks[] = {{"perplexity", &ModelEvalRow::perplexity, "%.2f"},
                            {"KL(dense || model), nats per token", &ModelEvalRow::kl, "%.4f"},
                            {"mean layer E", &ModelEvalRow::mean_layer_error, "%.4f"},
                            {"seconds to compress", &ModelEvalRow::seconds, "%.2f"}};
    // One width for every column and block, wide enough for the widest budget and value.
    size_t column = 8;
    for (const std::string& b : shape.budgets) column = std::max(column, b.size() + 2);
    for (const ModelEvalRow& row : evaluation.rows)
        for (const Block& block : blocks) column = std::max(column, cell(row.*block.field, block.format).size() + 2);
    for (const Block& block : blocks) {
        out << "\n" << block.title << "\n";
        out << std::string(method_width, ' ');
        for (const std::string& b : shape.budgets) out << std::string(column - b.size(), ' ') << b;
        out << "\n";
        for (size_t m = 0; m < shape.methods.size(); ++m) {
            out << shape.methods[m] << std::string(method_width - shape.methods[m].size(), ' ');
            for (size_t b = 0; b < shape.budgets.size(); ++b) {
                const int k = shape.cells[m][b];
                const std::string text = k < 0 ? "-" : cell(evaluation.rows[static_cast<size_t>(k)].*block.field, block.format);
                out << std::string(column - std::min(column, text.size()), ' ') << text;
            }
            out << "\n";
        }
    }
    return out.str();
}

std::string model_eval_csv(const ModelEvaluation& evaluation) {
    std::ostringstream out;
    out << "method,budget,perplexity,kl,mean_layer_error,bits_per_weight,sparsity,seconds,eval_seconds\n";
    for (const ModelEvalRow& row : evaluation.rows)
        out << row.method << "," << row.budget << "," << exact_number(row.perplexity) << "," << exact_number(row.kl) << ","
            << exact_number(row.mean_layer_error) << "," << exact_number(row.bits_per_weight) << ","
            << exact_number(row.sparsity) << "," << exact_number(row.seconds) << "," << exact_number(row.eval_seconds) << "\n";
    return out.str();
}

}  // namespace layerlens
