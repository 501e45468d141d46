#pragma once
// The scatter's dot colours, declared once: the scatter draws with them and the grid's legend
// explains them with the same swatches.
#include <QColor>

namespace layerlens::ui {

// A channel the method protected or kept (AWQ scale, kept fraction, protected channels).
inline QColor scatterProtectedColour() { return QColor(230, 90, 20); }
// A channel the method hurt most (error per channel: higher is worse).
inline QColor scatterErrorColour() { return QColor(150, 40, 200); }
// The busiest channels a lesson rings (Teach › "show these channels in the comparison").
inline QColor scatterBusiestColour() { return QColor(0, 190, 255); }

}  // namespace layerlens::ui
