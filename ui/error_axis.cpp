#include "error_axis.h"

#include <QLogValueAxis>
#include <QValueAxis>

namespace layerlens::ui {

QAbstractAxis* makeErrorAxis(bool logarithmic) {
    QAbstractAxis* result = nullptr;
    if (logarithmic) {
        auto* axis = new QLogValueAxis;
        axis->setLabelFormat("%.2g");
        axis->setBase(10);
        axis->setMinorTickCount(-1);
        axis->setMinorGridLineVisible(false);
        result = axis;
    } else {
        auto* axis = new QValueAxis;
        axis->setLabelFormat("%.3g");
        result = axis;
    }
    result->setTitleText("E");
    return result;
}

}  // namespace layerlens::ui
