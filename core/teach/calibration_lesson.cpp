#include "calibration_lesson.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "../progress.h"

namespace layerlens::teach {

MatrixF shuffle_channels(const MatrixF& X, std::uint64_t seed) {
    std::vector<Eigen::Index> perm(static_cast<size_t>(X.cols()));
    std::iota(perm.begin(), perm.end(), Eigen::Index{0});
    std::mt19937_64 engine(seed);
    // Fisher–Yates by hand: std::shuffle's sequence differs between standard libraries.
    for (size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[engine() % i]);
    MatrixF shuffled(X.rows(), X.cols());
    for (Eigen::Index j = 0; j < X.cols(); ++j) shuffled.col(j) = X.col(perm[static_cast<size_t>(j)]);
    return shuffled;
}

namespace {
VectorD mean_abs(const MatrixF& X) {
    return X.rows() ? VectorD(X.cast<double>().cwiseAbs().colwise().mean().transpose()) : VectorD::Zero(X.cols());
}
}  // namespace

CalibrationLesson run_calibration_lesson(const CalibrationLessonSpec& spec, Progress& progress) {
    CalibrationLesson lesson;
    lesson.spec = spec;
    progress.report(0.0, "building the demo layer");
    const DemoLayer demo = make_demo_layer(spec.demo);
    progress.check();
    const Eigen::Index half = demo.X.rows() / 2;
    const MatrixF served = demo.X.bottomRows(demo.X.rows() - half);
    MatrixF calibration;
    switch (spec.kind) {
        case CalibrationKind::Honest:
            calibration = demo.X.topRows(half);
            lesson.calibration_set = "the first half of the real tokens";
            break;
        case CalibrationKind::ShuffledChannels:
            calibration = shuffle_channels(demo.X.topRows(half), spec.seed);
            lesson.calibration_set = "the first half of the real tokens with their channels shuffled";
            break;
        case CalibrationKind::OtherTraffic: {
            DemoSpec other = spec.demo;
            other.seed = spec.demo.seed + spec.seed;
            calibration = make_demo_layer(other).X.topRows(half);
            lesson.calibration_set = "the tokens of another layer";
            break;
        }
    }
    lesson.served_set = "the second half of the real tokens";
    lesson.calibration_traffic = mean_abs(calibration);
    lesson.served_traffic = mean_abs(served);
    lesson.loud_channels = demo.outlier_channels;
    progress.check();

    CalibrationCheckRequest request;
    request.points = method_points({"awq", "gptq"}, spec.params);
    request.resamples = spec.resamples;
    request.seed = spec.seed;
    // The top set holds as many channels as the demo made loud, so "overlap" asks whether the
    // calibration set finds the loud channels.
    const double d_in = static_cast<double>(demo.layer.d_in());
    request.top_fraction = std::clamp(static_cast<double>(std::max<size_t>(1, demo.outlier_channels.size())) / d_in,
                                      1.0 / d_in, 1.0);
    SubProgress rest(progress, 0.05, 1.0);
    lesson.check = check_calibration(demo.layer, calibration, &served, request, rest);
    return lesson;
}

}  // namespace layerlens::teach
