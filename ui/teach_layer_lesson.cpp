#include "teach_layer_lesson.h"

namespace layerlens::ui {

void TeachLayerLesson::setLayer(const LayerViewPtr& layer) {
    if (layer == layer_) return;
    layer_ = layer;
    ran_.reset();
    clearResult();
    if (layer_ && isVisible()) rerun();
}

bool TeachLayerLesson::rerun() {
    if (!layer_) return false;
    ran_ = layer_;
    startRun(layer_);
    return true;
}

void TeachLayerLesson::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (layer_ && ran_ != layer_) rerun();
}

}  // namespace layerlens::ui
