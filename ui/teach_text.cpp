#include "teach_text.h"

#include <QFrame>
#include <QLabel>
#include <QScrollArea>
#include <algorithm>
#include <cmath>

namespace layerlens::ui {

QLabel* teachParagraph(const QString& html) {
    auto* label = new QLabel(html);
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QWidget* teachScrollPage(QWidget* body) {
    auto* scroll = new QScrollArea;
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(body);
    scroll->setWidgetResizable(true);
    return scroll;
}

QString teachPercent(double fraction) {
    if (!std::isfinite(fraction)) return "∞";
    const double percent = 100.0 * fraction;
    if (percent == 0.0) return "0%";
    if (std::abs(percent) < 0.001) return percent > 0 ? "< 0.001%" : "> −0.001%";
    // Three significant digits, never in exponent form.
    const int decimals = std::clamp(2 - static_cast<int>(std::floor(std::log10(std::abs(percent)))), 0, 3);
    return QString::number(percent, 'f', decimals).replace('-', QChar(0x2212)) + "%";
}

QString teachNumber(double value, int decimals) {
    QString text = QString::number(value, 'f', decimals);
    // 0.30 → 0.3, 4.00 → 4: the classroom reads fewer digits.
    if (text.contains('.')) {
        while (text.endsWith('0')) text.chop(1);
        if (text.endsWith('.')) text.chop(1);
    }
    if (text == "-0") text = "0";
    return text.replace('-', QChar(0x2212));
}

}  // namespace layerlens::ui
