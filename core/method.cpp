#include "method.h"

#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>

#include "calibration_stats.h"
#include "errors.h"
#include "output_error.h"
#include "progress.h"

namespace layerlens {

const ParamValue* MethodResult::scalar(const std::string& key) const {
    for (const auto& [name, value] : scalars)
        if (name == key) return &value;
    return nullptr;
}

std::uint64_t weight_digest(const MatrixF& W) {
    // Sixteen interleaved FNV-1a lanes over 64-bit words (two floats each): one lane is a single
    // chain of multiplies, sixteen side by side run at memory speed (1 ms for 2048 x 2048).
    constexpr std::uint64_t kPrime = 1099511628211ull;
    constexpr int kLanes = 16;
    std::uint64_t lane[kLanes];
    for (int l = 0; l < kLanes; ++l) lane[l] = 14695981039346656037ull + static_cast<std::uint64_t>(l);
    const float* data = W.data();
    const Eigen::Index size = W.size();
    Eigen::Index k = 0;
    for (; k + 2 * kLanes <= size; k += 2 * kLanes) {
        std::uint64_t words[kLanes];
        std::memcpy(words, data + k, sizeof words);
        for (int l = 0; l < kLanes; ++l) lane[l] = (lane[l] ^ words[l]) * kPrime;
    }
    for (; k < size; ++k) {
        std::uint32_t bits;
        std::memcpy(&bits, data + k, sizeof bits);
        lane[0] = (lane[0] ^ bits) * kPrime;
    }
    std::uint64_t digest = (static_cast<std::uint64_t>(W.rows()) * kPrime) ^ static_cast<std::uint64_t>(W.cols());
    for (const std::uint64_t value : lane) digest = (digest ^ value) * kPrime;
    return digest;
}

void check_layer_matches_statistics(const Layer& layer, const CalibrationStats& stats) {
    if (layer.W.size() == 0) throw InputError("weight of " + layer.name + " is empty (zero size)");
    if (layer.d_in() != stats.d_in()) {
        std::ostringstream msg;
        msg << "inputs of " << layer.name << " have width " << stats.d_in() << "; weight has d_in = " << layer.d_in();
        throw InputError(msg.str());
    }
}

namespace {

// The values a method met, in the file's units, for a message that says why a result cannot be judged.
std::string value_ranges(const Layer& layer, const CalibrationStats& stats) {
    std::ostringstream text;
    text << "|X| up to " << (stats.max_abs.size() ? stats.max_abs.maxCoeff() / stats.input_scale : 0.0)
         << ", |W| up to " << (layer.W.size() ? layer.W.cwiseAbs().maxCoeff() : 0.0f);
    return text.str();
}

std::string inputs_and_weight(const Layer& layer, const CalibrationStats& stats) {
    return (stats.source.empty() ? std::string("inputs") : stats.source) + " with the weight of " + layer.name;
}

// tr(W C Wᵀ) = ‖XWᵀ‖²_F = 0: the layer produces no output on these inputs, so any Ŵ that keeps it
// silent is exact and E = 0/0 says nothing about the method; a non-finite energy cannot be judged.
void check_energy(const Layer& layer, const CalibrationStats& stats, double energy) {
    if (energy > 0 && std::isfinite(energy)) return;
    std::string why;
    if (!std::isfinite(energy)) {
        throw InputError(inputs_and_weight(layer, stats) + ": the output energy tr(W C Wᵀ) is not finite (" +
                         value_ranges(layer, stats) + "), so no error can be judged");
    }
    if (stats.max_abs.size() == 0 || stats.max_abs.maxCoeff() == 0.0) why = "every input value is 0";
    else if ((layer.W.array() == 0.0f).all()) why = "every weight is 0";
    else why = "X·Wᵀ = 0: the weight is nonzero only on input channels that are 0";
    throw InputError(inputs_and_weight(layer, stats) +
                     ": every method is exact: the layer's output energy is 0 on these inputs (" + why +
                     "), so there is no error to compare");
}

MatrixF times_power_of_two(const MatrixF& m, int e) {
    return (m.cast<double>() * std::ldexp(1.0, e)).cast<float>();   // 2^e itself may not be a float
}

}  // namespace

void validate_method(const MethodInfo& method, const Layer& layer, const CompressionParams& params) {
    for (const ParamSpec* spec : method.params)
        if (const auto value = spec->get(params)) check_param(*spec, *value, &layer);
    if (method.validate) method.validate(layer, params);
}

MethodResult run_method(const MethodInfo& method, const Layer& layer, const CalibrationStats& stats,
                        const CompressionParams& params, Progress& progress) {
    check_layer_matches_statistics(layer, stats);
    validate_method(method, layer, params);
    return run_method(method, layer, stats, params, progress, OutputError(layer.W, stats));
}

MethodResult run_method(const MethodInfo& method, const Layer& layer, const CalibrationStats& stats,
                        const CompressionParams& params, Progress& progress, const OutputError& error) {
    if (&error.weight() != &layer.W || &error.correlation() != &stats.C_float)
        throw std::logic_error("run_method: the shared OutputError belongs to another layer");
    check_layer_matches_statistics(layer, stats);
    validate_method(method, layer, params);
    check_energy(layer, stats, error.reference_energy());
    progress.check();
    const auto start = std::chrono::steady_clock::now();
    // A weight outside float32's comfortable range (1e20 overflows w², a subnormal one has few
    // digits) is compressed as W·2^-e and the result scaled back: rounding grids, masks and OBS
    // updates are all equivariant under a power of two, so this changes nothing but the range.
    // Ŵ and B are scaled back; AWQ's channel scales hold for W as they are. A method's own
    // absolute figures (obs_loss) are those of the scaled layer, as they are of the scaled C.
    const int e = range_exponent(layer.W.size() ? layer.W.cwiseAbs().maxCoeff() : 0.0);
    Layer scaled_layer;
    if (e != 0) {
        scaled_layer = layer;
        scaled_layer.W = times_power_of_two(layer.W, -e);
    }
    MethodResult result = method.run(e != 0 ? scaled_layer : layer, stats, params, progress);
    // The method's own closed form, in the units it ran in, if it is of this W, C and Ŵ.
    VectorD claimed_per_row;
    const ClosedFormError& closed = result.closed_form_error;
    if (closed.per_row.size() > 0 && closed.correlation == stats.C.data() &&
        closed.weight == (e != 0 ? scaled_layer.W : layer.W).data() &&
        closed.w_hat_digest == weight_digest(result.W_hat))
        claimed_per_row = closed.per_row * std::ldexp(1.0, 2 * e);
    if (e != 0) {
        MatrixF back = times_power_of_two(result.W_hat, e);
        // A grid's or an update's rounding may land a hair past W's largest magnitude; for W at
        // ±FLT_MAX that hair is past float32's range, so such an entry is held at ±FLT_MAX. Anything
        // further out is the method's own overflow and stays non-finite (reported below).
        const double hair = std::ldexp(static_cast<double>(FLT_MAX), -e) * (1.0 + 1e-6);
        for (Eigen::Index k = 0; k < back.size(); ++k)
            if (!std::isfinite(back.data()[k]) && std::isfinite(result.W_hat.data()[k]) &&
                std::fabs(static_cast<double>(result.W_hat.data()[k])) <= hair)
                back.data()[k] = std::copysign(FLT_MAX, result.W_hat.data()[k]);
        if (!back.allFinite() && result.W_hat.allFinite()) {
            std::ostringstream msg;
            msg.precision(3);
            msg << inputs_and_weight(layer, stats) << ": " << method.label << "'s Ŵ reaches "
                << std::ldexp(static_cast<double>(result.W_hat.cwiseAbs().maxCoeff()), e) << ", beyond float32's range (±"
                << FLT_MAX << "), for a W reaching " << layer.W.cwiseAbs().maxCoeff()
                << " (its grid or updates reach past W's own range); rescale the layer (E does not depend on W's scale)";
            throw InputError(msg.str());
        }
        // Scaled back into the subnormals Ŵ loses bits, and the closed form no longer describes it.
        if (claimed_per_row.size() > 0 && times_power_of_two(back, -e) != result.W_hat) claimed_per_row.resize(0);
        result.W_hat = std::move(back);
        if (result.B.size() > 0) result.B = times_power_of_two(result.B, e);
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.method = method.name;
    if (result.W_hat.rows() != layer.d_out() || result.W_hat.cols() != layer.d_in())
        throw std::logic_error(method.name + " returned a weight of the wrong shape");
    // A closed form saves a d_out x d_in² product per method; it is checked against rows of it.
    const std::optional<double> from_rows =
        claimed_per_row.size() > 0 ? error.relative_from_rows(result.W_hat, claimed_per_row) : std::nullopt;
    result.error_from_closed_form = from_rows.has_value();
    result.relative_output_error = from_rows ? *from_rows : error.relative(result.W_hat);
    if (!std::isfinite(result.relative_output_error)) {
        const bool finite = result.W_hat.allFinite();
        throw InputError(inputs_and_weight(layer, stats) + ": " + method.label +
                         (finite ? "'s error is not finite" : " produced a non-finite weight") + " (" +
                         value_ranges(layer, stats) + "), so its result cannot be judged");
    }
    const auto zeros = (result.W_hat.array() == 0.0f).count();
    result.sparsity = static_cast<double>(zeros) / static_cast<double>(result.W_hat.size());
    progress.report(1.0, method.label + " done");
    return result;
}

}  // namespace layerlens
