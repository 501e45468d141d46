// `calibration`: is the calibration set good enough? The layer's salient channels and every
// method's result under resampling of its tokens, and against a second set (core/calibration/).
#include <iostream>

#include "calibration/calibration_check.h"
#include "commands.h"
#include "errors.h"
#include "stderr_progress.h"

namespace layerlens::cli {

int run_calibration(const Options& options) {
    if (!options.source_given) throw ParameterError("calibration needs a layer file or --demo");
    if (options.source.demo && !options.inputs2_path.empty())
        throw ParameterError("--inputs2 needs a layer file (the demo has only its own inputs)");
    StderrProgress progress("calibration", options.quiet);
    progress.begin("inputs");
    const LayerWithInputs loaded = load_layer_with_inputs(options.source, progress);
    MatrixF second;
    if (!options.inputs2_path.empty()) second = load_second_inputs(options.inputs2_path, loaded.layer, options.source.limits, progress);
    progress.begin("check");
    CalibrationCheckRequest request;
    request.points = options.calibration_points;
    request.resamples = options.resamples;
    request.seed = options.calibration_seed;
    request.first_source = loaded.inputs_source;
    if (!options.inputs2_path.empty()) request.second_source = options.inputs2_path;
    const CalibrationCheck check = check_calibration(loaded.layer, loaded.X, options.inputs2_path.empty() ? nullptr : &second,
                                                     request, progress);
    progress.finish();
    if (options.json) std::cout << calibration_check_json(loaded.layer.name, check);
    else if (options.csv) std::cout << calibration_check_csv(loaded.layer.name, check);
    else std::cout << loaded.source << "\n" << calibration_check_table(loaded.layer.name, check);
    return kExitOk;
}

}  // namespace layerlens::cli
