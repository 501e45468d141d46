#pragma once
// The command line of layerlens-cli, parsed into one struct. Every malformed flag or value
// throws ParameterError naming it (exit code 2).
#include <string>
#include <vector>

#include "layer_source.h"
#include "method.h"

namespace layerlens::cli {

struct Options {
    std::string command;                 // info | run | compare | sweep | bench | methods
    LayerSource source;
    bool source_given = false;
    std::vector<std::string> methods;    // --method / --methods
    CompressionParams params;
    bool json = false, csv = false;
    std::string export_path;
    bool force = false;
    int threads = 0;
    std::vector<double> sweep_sparsities;
    std::vector<int> sweep_bits;
    std::vector<std::string> bench_shapes;
    long long bench_tokens = 2048;
    bool all_layers = false;             // compare/run every layer of the file
    bool names_only = false;             // methods --names: one comma-separated line
};

Options parse_options(int argc, char** argv);
std::string usage();

}  // namespace layerlens::cli
