#include "result_format.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>
#include <sstream>

namespace layerlens::cli {

namespace {

QJsonValue to_json(const ParamValue& value) {
    return std::visit([](const auto& v) -> QJsonValue {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) return QString::fromStdString(v);
        else if constexpr (std::is_same_v<T, long long>) return static_cast<qint64>(v);
        else return v;
    }, value);
}

QJsonObject to_json(const KeyValues& values) {
    QJsonObject object;
    for (const auto& [key, value] : values) object.insert(QString::fromStdString(key), to_json(value));
    return object;
}

std::string text(const ParamValue& value) {
    return std::visit([](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) return v;
        else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else { std::ostringstream s; s << v; return s.str(); }
    }, value);
}

const ParamValue* find(const KeyValues& values, const std::string& key) {
    for (const auto& [k, v] : values)
        if (k == key) return &v;
    return nullptr;
}

std::string csv_field(std::string value) {
    if (value.find_first_of(",\"\n") == std::string::npos) return value;
    std::string quoted = "\"";
    for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

}  // namespace

std::string budget_text(const MethodResult& r) {
    std::string parts;
    auto add = [&](const std::string& s) { parts += (parts.empty() ? "" : " ") + s; };
    if (const auto* bits = find(r.params, "bits")) {
        std::string g = "";
        if (const auto* used = find(r.params, "group_size_used")) g = " g" + text(*used);
        add("W" + text(*bits) + g);
    }
    if (const auto* pattern = find(r.params, "pattern")) {
        if (text(*pattern) == "unstructured") {
            if (const auto* s = find(r.params, "sparsity")) {
                std::ostringstream pct;
                pct << std::get<double>(*s) * 100 << "%";
                add(pct.str());
            }
        } else {
            add(text(*pattern));
        }
    }
    if (const auto* rank = find(r.params, "rank")) add("rank " + text(*rank));
    return parts;
}

QJsonObject result_to_json(const std::string& layer, const MethodResult& r) {
    QJsonObject o;
    o.insert("layer", QString::fromStdString(layer));
    o.insert("method", QString::fromStdString(r.method));
    o.insert("params", to_json(r.params));
    o.insert("relative_output_error", r.relative_output_error);
    o.insert("sparsity", r.sparsity);
    o.insert("bits_per_weight", r.bits_per_weight);
    o.insert("seconds", r.seconds);
    for (const auto& [key, value] : r.scalars) o.insert(QString::fromStdString(key), to_json(value));
    for (const auto& [key, values] : r.series) {
        QJsonArray array;
        for (double v : values) array.append(v);
        o.insert(QString::fromStdString(key), array);
    }
    if (!r.loss_history.empty()) {
        QJsonArray history;
        for (double v : r.loss_history) history.append(v);
        o.insert("loss_history", history);
        o.insert("iterations", static_cast<qint64>(r.loss_history.size()) - 1);
    }
    if (!r.protected_channels.empty()) {
        QJsonArray channels;
        for (int c : r.protected_channels) channels.append(c);
        o.insert("protected_channels", channels);
    }
    if (!r.timings.empty()) {
        QJsonObject timings;
        for (const auto& [stage, seconds] : r.timings) timings.insert(QString::fromStdString(stage), seconds);
        o.insert("timings", timings);
    }
    if (!r.warnings.empty()) {
        QJsonArray warnings;
        for (const auto& w : r.warnings) warnings.append(QString::fromStdString(w));
        o.insert("warnings", warnings);
    }
    return o;
}

std::string results_to_csv(const std::string& layer, const std::vector<MethodResult>& results) {
    std::ostringstream out;
    out << "layer,method,budget,relative_output_error,sparsity,bits_per_weight,seconds\n";
    for (const auto& r : results)
        out << csv_field(layer) << ',' << r.method << ',' << csv_field(budget_text(r)) << ','
            << r.relative_output_error << ',' << r.sparsity << ',' << r.bits_per_weight << ',' << r.seconds << '\n';
    return out.str();
}

std::string results_to_table(const std::vector<MethodResult>& results) {
    std::ostringstream out;
    char line[256];
    std::snprintf(line, sizeof line, "%-14s %-16s %12s %9s %11s %9s\n", "method", "budget", "E", "sparsity",
                  "bits/weight", "seconds");
    out << line;
    for (const auto& r : results) {
        std::snprintf(line, sizeof line, "%-14s %-16s %12.6g %8.2f%% %11.3f %9.3f\n", r.method.c_str(),
                      budget_text(r).c_str(), r.relative_output_error, 100.0 * r.sparsity, r.bits_per_weight, r.seconds);
        out << line;
    }
    return out.str();
}

std::string to_json_text(const QJsonValue& value) {
    const QJsonDocument doc = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    return doc.toJson(QJsonDocument::Indented).toStdString();
}

}  // namespace layerlens::cli
