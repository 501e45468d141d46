// The three printed forms of a calibration check (calibration_check.h), from one list of fields.
#include <cstdio>

#include "../param_spec.h"
#include "../result_format.h"
#include "../result_json.h"
#include "calibration_check.h"

namespace layerlens {

namespace {

nlohmann::json number_or_null(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

nlohmann::json method_json(const MethodCalibration& m) {
    nlohmann::json o;
    o["method"] = m.method;
    o["budget"] = m.budget;
    o["params"] = to_json(m.params);
    o["error_on_a_calibrated_on_a"] = m.error_on_a_calibrated_on_a;
    o["error_on_b_calibrated_on_a"] = m.error_on_b_calibrated_on_a;
    o["error_on_b_calibrated_on_b"] = m.error_on_b_calibrated_on_b;
    o["penalty"] = number_or_null(m.penalty);
    o["changed_fraction_a_vs_b"] = m.changed_fraction_a_vs_b;
    o["resample_errors"] = m.resample_errors;
    o["error_mean"] = m.error_mean;
    o["error_std"] = m.error_std;
    o["error_min"] = m.error_min;
    o["error_max"] = m.error_max;
    o["changed_fraction_mean"] = m.changed_fraction_mean;
    return o;
}

nlohmann::json stability_json(const ChannelStability& s) {
    nlohmann::json o;
    o["top_channels"] = s.top_channels;
    o["mean_jaccard"] = s.mean_jaccard;
    o["mean_rank_correlation"] = s.mean_rank_correlation;
    o["stable"] = s.stable;
    nlohmann::json curve = nlohmann::json::array();
    for (const SubsampleStability& p : s.by_tokens) curve.push_back({{"tokens", p.tokens}, {"mean_jaccard", p.mean_jaccard}});
    o["by_tokens"] = curve;
    o["tokens_for_stable_top"] = s.tokens_for_stable_top ? nlohmann::json(*s.tokens_for_stable_top) : nlohmann::json();
    return o;
}

std::string fixed(const char* format, double value) {
    char text[48];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

std::string channels_text(const std::vector<int>& channels) {
    std::string text;
    for (size_t k = 0; k < channels.size() && k < 12; ++k) text += (k ? " " : "") + std::to_string(channels[k]);
    if (channels.size() > 12) text += " ...";
    return text.empty() ? "-" : text;
}

}  // namespace

std::string calibration_check_json(const std::string& layer, const CalibrationCheck& c) {
    nlohmann::json o;
    o["layer"] = layer;
    o["set_a"] = c.set_a;
    o["set_b"] = c.set_b;
    o["tokens_a"] = c.tokens_a;
    o["tokens_b"] = c.tokens_b;
    o["overlap"] = c.overlap;
    o["top_channels_a"] = c.top_a;
    o["top_channels_b"] = c.top_b;
    o["entered"] = c.entered;
    o["left"] = c.left;
    o["stability"] = stability_json(c.stability);
    nlohmann::json methods = nlohmann::json::array();
    for (const MethodCalibration& m : c.methods) methods.push_back(method_json(m));
    o["methods"] = methods;
    return json_text(o);
}

std::string calibration_check_csv(const std::string& layer, const CalibrationCheck& c) {
    std::string out =
        "layer,method,budget,overlap,mean_jaccard,mean_rank_correlation,error_on_a_calibrated_on_a,"
        "error_on_b_calibrated_on_a,error_on_b_calibrated_on_b,penalty,changed_fraction_a_vs_b,error_mean,error_std,"
        "error_min,error_max,changed_fraction_mean\n";
    for (const MethodCalibration& m : c.methods) {
        out += csv_field(layer) + "," + csv_field(m.method) + "," + csv_field(m.budget);
        for (double v : {c.overlap, c.stability.mean_jaccard, c.stability.mean_rank_correlation, m.error_on_a_calibrated_on_a,
                         m.error_on_b_calibrated_on_a, m.error_on_b_calibrated_on_b, m.penalty, m.changed_fraction_a_vs_b,
                         m.error_mean, m.error_std, m.error_min, m.error_max, m.changed_fraction_mean})
            out += "," + exact_number(v);
        out += "\n";
    }
    return out;
}

std::string calibration_check_table(const std::string& layer, const CalibrationCheck& c) {
    const ChannelStability& s = c.stability;
    std::string out = layer + ": set A = " + c.set_a + " (" + std::to_string(c.tokens_a) + " tokens), set B = " + c.set_b +
                      " (" + std::to_string(c.tokens_b) + " tokens)\n";
    out += "salient set (top " + std::to_string(s.top_channels) + " channels by a_j): A " + channels_text(c.top_a) +
           ", B " + channels_text(c.top_b) + "; overlap (Jaccard) " + fixed("%.3f", c.overlap) + "\n";
    out += "under resampling: top-set overlap " + fixed("%.3f", s.mean_jaccard) + ", rank correlation of a_j " +
           fixed("%.3f", s.mean_rank_correlation) + (s.stable ? " (stable)" : " (unstable)");
    if (s.tokens_for_stable_top) out += "; about " + fixed("%.0f", *s.tokens_for_stable_top) + " tokens for an overlap of 0.9";
    out += "\n  by tokens:";
    for (const SubsampleStability& p : s.by_tokens) out += " " + std::to_string(p.tokens) + " → " + fixed("%.2f", p.mean_jaccard);
    out += "\n\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-12s %-18s %12s %12s %9s %12s %10s %9s\n", "method", "budget", "E_B(on A)", "E_B(on B)",
                  "penalty", "E spread", "changed", "A vs B");
    out += line;
    for (const MethodCalibration& m : c.methods) {
        const std::string spread = fixed("%.2f%%", m.error_mean > 0 ? 100.0 * m.error_std / m.error_mean : 0.0);
        std::snprintf(line, sizeof line, "%-12s %-18s %12.6g %12.6g %8.2f%% %12s %9.2f%% %8.2f%%\n", m.method.c_str(),
                      m.budget.c_str(), m.error_on_b_calibrated_on_a, m.error_on_b_calibrated_on_b, 100.0 * m.penalty,
                      spread.c_str(), 100.0 * m.changed_fraction_mean, 100.0 * m.changed_fraction_a_vs_b);
        out += line;
    }
    out += "penalty: E on B of the method calibrated on A over calibrated on B, minus 1; E spread: std/mean of E over the "
           "resamples; changed: weights that differ from the all-token result (mean over resamples) and between A and B\n";
    return out;
}

}  // namespace layerlens
