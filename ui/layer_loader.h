#pragma once
// Loads a layer (weight, streamed statistics) and its per-channel view data off the GUI
// thread. A newer load supersedes an older one; the older one's result is dropped.
#include <QFutureWatcher>
#include <QObject>
#include <memory>

#include "layer_source.h"
#include "view_data.h"
#include "worker_run.h"

namespace layerlens::ui {

using LayerViewPtr = std::shared_ptr<const LayerViewData>;

class LayerLoader : public QObject {
    Q_OBJECT
public:
    explicit LayerLoader(QObject* parent = nullptr);
    ~LayerLoader() override;
    void load(const LayerSource& source);
    bool isLoading() const { return run_.isRunning(); }

signals:
    void layerLoaded(const layerlens::ui::LayerViewPtr& layer);
    void loadFailed(const QString& source, const QString& message);

private:
    WorkerRun<LayerViewPtr> run_;
};

}  // namespace layerlens::ui

Q_DECLARE_METATYPE(layerlens::ui::LayerViewPtr)
