#include "exercise_format.h"

#include <hdf5.h>

#include <algorithm>
#include <stdexcept>

#include "errors.h"
#include "input_source.h"
#include "io/layer_format.h"
#include "progress.h"

namespace layerlens::fuzz {

namespace {

// A contract the readers promise (layer_format.h, errors.h) and did not keep.
[[noreturn]] void violated(const std::string& what) { throw std::logic_error("contract violation: " + what); }

// HDF5 identifiers of every kind open in the process (files, groups, datasets, types, spaces,
// attributes). HDF5's own property lists and error stacks are not counted.
ssize_t open_hdf5_objects() { return H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); }

// As accumulate_statistics (calibration_stats.cpp) picks it: 64 MiB of float rows, 256..4096
// (divided in two steps: sizeof(float) * width overflows for a hostile width).
Eigen::Index chunk_rows_for(Eigen::Index width) {
    return std::clamp<Eigen::Index>((Eigen::Index{64} << 20) / static_cast<Eigen::Index>(sizeof(float)) / width, 256, 4096);
}

template <typename F>
bool expected_refusal(ExerciseOutcome& outcome, F&& step) {
    try {
        step();
        return true;
    } catch (const InputError& e) {
        outcome.refusals.emplace_back(std::string("InputError: ") + e.what());
    } catch (const ParameterError& e) {
        outcome.refusals.emplace_back(std::string("ParameterError: ") + e.what());
    }
    return false;
}

}  // namespace

const LayerFormat* find_format(const std::string& name) {
    for (const LayerFormat* f : layer_formats())
        if (f->name() == name) return f;
    return nullptr;
}

std::string registered_format_names() {
    std::string names;
    for (const LayerFormat* f : layer_formats()) names += (names.empty() ? "" : ", ") + f->name();
    return names;
}

ExerciseOutcome exercise_format(const LayerFormat& format, const std::string& path) {
    const ssize_t hdf5_objects_before = open_hdf5_objects();
    ExerciseOutcome outcome;
    std::vector<LayerInfo> layers;
    if (!expected_refusal(outcome, [&] { layers = format.list_layers(path); })) return outcome;
    outcome.layers_listed = layers.size();

    Progress never_cancels;
    for (const LayerInfo& info : layers) {
        expected_refusal(outcome, [&] {
            const Layer layer = format.read_layer(path, info.name, ReadLimits{kFuzzMaxWeightBytes});
            const auto bytes = static_cast<double>(layer.W.size()) * sizeof(float);
            if (bytes > static_cast<double>(kFuzzMaxWeightBytes))
                violated(info.name + ": read_layer returned " + std::to_string(layer.W.rows()) + " x " +
                         std::to_string(layer.W.cols()) + ", over ReadLimits::max_weight_bytes");
            if (layer.W.size() == 0) violated(info.name + ": read_layer returned an empty weight");
            if (!layer.W.allFinite()) violated(info.name + ": read_layer returned a non-finite weight (InputError expected)");
            if (layer.bias.size() != 0 && layer.bias.size() != layer.W.rows())
                violated(info.name + ": bias of " + std::to_string(layer.bias.size()) + " for d_out " +
                         std::to_string(layer.W.rows()));
            if (info.problem.empty() && (layer.W.rows() != info.d_out || layer.W.cols() != info.d_in))
                violated(info.name + ": list_layers said " + std::to_string(info.d_out) + " x " + std::to_string(info.d_in) +
                         ", read_layer returned " + std::to_string(layer.W.rows()) + " x " + std::to_string(layer.W.cols()));
            ++outcome.layers_read;
        });
        expected_refusal(outcome, [&] {
            const std::unique_ptr<InputSource> inputs = format.open_inputs(path, info.name, 0);
            if (!inputs) violated(info.name + ": open_inputs returned null");
            const Eigen::Index n = inputs->n_tokens(), d = inputs->width();
            // accumulate_statistics refuses zero-width inputs before streaming them; so do we
            // (n tokens of nothing could be 2^60 iterations of nothing).
            if (d <= 0) {
                outcome.refusals.emplace_back("zero-width inputs: " + inputs->description());
                return;
            }
            const Eigen::Index max_rows = chunk_rows_for(d);
            Eigen::Index next_row = 0;
            inputs->for_each_chunk(max_rows, [&](const MatrixF& chunk, Eigen::Index first_row) {
                if (first_row != next_row || chunk.rows() <= 0 || chunk.rows() > max_rows || chunk.cols() != d)
                    violated(inputs->description() + ": chunk of " + std::to_string(chunk.rows()) + " x " +
                             std::to_string(chunk.cols()) + " at row " + std::to_string(first_row) + "; expected row " +
                             std::to_string(next_row) + ", at most " + std::to_string(max_rows) + " x " + std::to_string(d));
                next_row += chunk.rows();
            }, never_cancels);
            if (next_row != n)
                violated(inputs->description() + ": streamed " + std::to_string(next_row) + " rows of " + std::to_string(n));
            outcome.rows_streamed += static_cast<std::size_t>(next_row);
            ++outcome.inputs_streamed;
        });
    }
    const ssize_t hdf5_objects_after = open_hdf5_objects();
    if (hdf5_objects_after != hdf5_objects_before)
        violated(path + ": " + std::to_string(hdf5_objects_after - hdf5_objects_before) +
                 " HDF5 identifiers left open by " + format.name() + "'s reader");
    return outcome;
}

}  // namespace layerlens::fuzz
