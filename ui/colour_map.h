#pragma once
// One perceptually ordered colour map (inferno: dark = quiet, yellow = hot) for every heatmap
// and the colour bar, linear or logarithmic between a shared low and high.
#include <QColor>
#include <QRgb>

namespace layerlens::ui {

// t in [0, 1].
QRgb infernoColour(double t);
// Position of value in [low, high] on the chosen scale, clamped to [0, 1].
double colourPosition(double value, double low, double high, bool logScale);

}  // namespace layerlens::ui
