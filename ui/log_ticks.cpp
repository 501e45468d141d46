#include "log_ticks.h"

#include <cmath>

namespace layerlens::ui {

std::vector<double> logTicks(double low, double high) {
    std::vector<double> ticks;
    if (!(low > 0) || !(high >= low)) return ticks;
    const int first = static_cast<int>(std::floor(std::log10(low))), last = static_cast<int>(std::ceil(std::log10(high)));
    const bool fine = last - first <= 2;
    // A relative slack so that a tick equal to an end (0.001 at low = 0.001) is kept.
    const double from = low * (1 - 1e-9), to = high * (1 + 1e-9);
    for (int decade = first; decade <= last; ++decade) {
        const double base = std::pow(10.0, decade);
        for (double step : {1.0, 2.0, 5.0}) {
            if (step != 1.0 && !fine) continue;
            const double value = step * base;
            if (value >= from && value <= to) ticks.push_back(value);
        }
    }
    return ticks;
}

QString tickLabel(double value) { return QString::number(value, 'g', 3); }

}  // namespace layerlens::ui
