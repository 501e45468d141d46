#pragma once
// One hostile-file sequence shared by the libFuzzer targets (fuzz_layer_file.cpp) and the
// regression test (tests/core/test_hostile_files.cpp): everything the CLI and the GUI do to a
// layer file, driven through one LayerFormat directly (no detection by content).
#include <cstddef>
#include <string>
#include <vector>

namespace layerlens {
class LayerFormat;
}

namespace layerlens::fuzz {

// The registered format called `name` ("HDF5", "safetensors", "NumPy", "llama2.c"), or nullptr.
const LayerFormat* find_format(const std::string& name);

// Every registered format's name, comma separated (for messages).
std::string registered_format_names();

struct ExerciseOutcome {
    std::size_t layers_listed = 0;
    std::size_t layers_read = 0;         // read_layer succeeded
    std::size_t inputs_streamed = 0;     // open_inputs + for_each_chunk succeeded
    std::size_t rows_streamed = 0;
    std::vector<std::string> refusals;   // InputError / ParameterError messages: expected outcomes
};

// list_layers(path); then for every listed layer read_layer(path, name, {64 MiB}) and
// open_inputs(path, name, 0) streaming every chunk through a Progress that never cancels.
// InputError and ParameterError are caught per step (a refused layer does not stop the next one)
// and recorded. Everything else propagates: another exception type (std::bad_alloc, Cancelled,
// std::out_of_range, ...) is a finding. Also throws std::logic_error when HDF5 identifiers are
// left open after the sequence (a leaked file, dataset or dataspace handle).
ExerciseOutcome exercise_format(const LayerFormat& format, const std::string& path);

constexpr std::size_t kFuzzMaxWeightBytes = std::size_t{64} << 20;

}  // namespace layerlens::fuzz
