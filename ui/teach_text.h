#pragma once
// Small pieces every lesson of the Teach tab is made of: a wrapped paragraph, a scrolling page (so
// the classroom's large text scrolls rather than clips), and the way numbers are written.
#include <QString>

class QLabel;
class QWidget;

namespace layerlens::ui {

QLabel* teachParagraph(const QString& html = {});
// The body in a frameless scroll area that resizes it to its width.
QWidget* teachScrollPage(QWidget* body);
// E and shares as percentages with three significant digits: "0.412%", "37.5%", "< 0.001%".
QString teachPercent(double fraction);
// Up to three significant digits without an exponent for everyday values: "0.21", "−0.7", "4".
QString teachNumber(double value, int decimals = 2);

}  // namespace layerlens::ui
