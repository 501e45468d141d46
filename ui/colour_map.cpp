#include "colour_map.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace layerlens::ui {

QRgb infernoColour(double t) {
    // Nine samples of matplotlib's inferno, linearly interpolated.
    static constexpr std::array<std::array<int, 3>, 9> stops = {{{0, 0, 4},
                                                                 {31, 12, 72},
                                                                 {85, 15, 109},
                                                                 {136, 34, 106},
                                                                 {186, 54, 85},
                                                                 {227, 89, 51},
                                                                 {249, 140, 10},
                                                                 {249, 201, 50},
                                                                 {252, 255, 164}}};
    t = std::clamp(t, 0.0, 1.0) * (stops.size() - 1);
    const size_t k = std::min<size_t>(static_cast<size_t>(t), stops.size() - 2);
    const double f = t - static_cast<double>(k);
    auto mix = [&](int c) { return static_cast<int>(stops[k][c] + f * (stops[k + 1][c] - stops[k][c]) + 0.5); };
    return qRgb(mix(0), mix(1), mix(2));
}

double colourPosition(double value, double low, double high, bool logScale) {
    if (!(high > low)) return 0.0;
    if (logScale) {
        if (value <= low || low <= 0) return 0.0;
        return std::clamp(std::log(value / low) / std::log(high / low), 0.0, 1.0);
    }
    return std::clamp((value - low) / (high - low), 0.0, 1.0);
}

}  // namespace layerlens::ui
