#pragma once
// "If your calibration traffic is fake, salience estimates become fake too. Then you protect the
// wrong places." (the AWQ lesson, section 4), on a small demo layer whose real inputs X we have:
// the methods are calibrated on one set of tokens and judged on the traffic the layer serves.
// The served traffic is always the second half of X; the calibration set is the first half as it
// is (honest), with its channels shuffled (the hot channels move), or the inputs of another demo
// layer (someone else's traffic). check_calibration gives the overlap of the two sets' top
// channels and each method's cross-calibration penalty E_served(Ŵ calibrated on the set) /
// E_served(Ŵ calibrated on the served traffic) − 1.
#include <cstdint>
#include <string>

#include "../calibration/calibration_check.h"
#include "../demo_layer.h"

namespace layerlens::teach {

enum class CalibrationKind { Honest, ShuffledChannels, OtherTraffic };

struct CalibrationLessonSpec {
    // Small enough for a classroom machine to finish in about a second.
    DemoSpec demo{128, 256, 2048};
    CalibrationKind kind = CalibrationKind::ShuffledChannels;
    std::uint64_t seed = 1;   // the shuffle, the other layer (demo seed + seed) and the resamples
    int resamples = 2;        // check_calibration's minimum: the lesson needs only the two sets
    CompressionParams params;   // the methods' budget (their defaults: INT4 g128)
};

struct CalibrationLesson {
    CalibrationLessonSpec spec;
    std::string calibration_set, served_set;   // for people: "the first half with its channels shuffled"
    VectorD calibration_traffic, served_traffic;   // a_j of each set
    std::vector<int> loud_channels;   // where the demo put its loud channels (the served traffic's)
    CalibrationCheck check;           // set A = the calibration set, B = the served traffic
};

// Builds the demo layer and the two sets, runs AWQ and GPTQ through check_calibration with the
// top set as large as the demo's count of loud channels.
CalibrationLesson run_calibration_lesson(const CalibrationLessonSpec& spec, Progress& progress);

// X with its columns permuted by a seeded shuffle: column j of the result is column perm[j] of X.
MatrixF shuffle_channels(const MatrixF& X, std::uint64_t seed);

}  // namespace layerlens::teach
