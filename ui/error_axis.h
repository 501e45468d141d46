#pragma once
// The y axis every chart of E uses (loss curve, sweep): log or linear, the same labels, and no
// minor grid lines, which would read as reference lines.
class QAbstractAxis;

namespace layerlens::ui {
QAbstractAxis* makeErrorAxis(bool logarithmic);
}
