#pragma once
// Tick values for a log scale of E shared by the layer map's colour bar and bars: every decade
// between low and high, and 2 and 5 times each when the range spans two decades or less, so a
// scale always shows at least a few labelled values. The label is the value's shortest text.
#include <QString>
#include <vector>

namespace layerlens::ui {

std::vector<double> logTicks(double low, double high);
QString tickLabel(double value);

}  // namespace layerlens::ui
