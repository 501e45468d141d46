#include "wrapped_label.h"

#include <QEvent>
#include <QLabel>
#include <algorithm>

namespace layerlens::ui {

namespace {

class WrappedHeightKeeper : public QObject {
public:
    explicit WrappedHeightKeeper(QLabel* label) : QObject(label), label_(label) {}

    bool eventFilter(QObject* watched, QEvent* event) override {
        if (watched == label_ && event->type() == QEvent::Resize) fit();
        return false;
    }

    void fit() { fitWrappedHeight(label_); }

private:
    QLabel* label_;
};

}  // namespace

void fitWrappedHeight(QLabel* label) {
    // A label not laid out yet has a made-up width; its first real resize fits it.
    if (!label->isVisible() || label->width() < 40) return;
    const int needed = label->text().isEmpty() ? 0 : label->heightForWidth(std::max(1, label->width()));
    if (needed >= 0 && needed != label->minimumHeight()) label->setMinimumHeight(needed);
}

void keepWrappedHeight(QLabel* label) { label->installEventFilter(new WrappedHeightKeeper(label)); }

}  // namespace layerlens::ui
