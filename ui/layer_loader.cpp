#include "layer_loader.h"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

#include "errors.h"
#include "progress.h"
#include "worker_priority.h"

namespace layerlens::ui {

namespace {

class LoadProgress : public Progress {
public:
    explicit LoadProgress(QPromise<LayerViewPtr>& promise) : promise_(promise) {}
    bool cancelled() const override { return promise_.isCanceled(); }

private:
    QPromise<LayerViewPtr>& promise_;
};

void loadLayer(QPromise<LayerViewPtr>& promise, const LayerSource& source) {
    lowerWorkerPriority();
    LoadProgress progress(promise);
    try {
        auto loaded = std::make_shared<const LoadedLayer>(load_layer(source, progress));
        promise.addResult(std::make_shared<const LayerViewData>(buildLayerViewData(loaded)));
    } catch (const Cancelled&) {
        // superseded by a newer load: nothing to say
    } catch (const std::exception& e) {
        // QtConcurrent would wrap this as QUnhandledException and lose the message, which
        // names the file, dataset and problem: carry it as a failed result instead.
        LayerViewData failed;
        failed.error = e.what();
        promise.addResult(std::make_shared<const LayerViewData>(std::move(failed)));
    }
}

}  // namespace

LayerLoader::LayerLoader(QObject* parent) : QObject(parent), run_(this) {
    qRegisterMetaType<LayerViewPtr>("layerlens::ui::LayerViewPtr");
}

LayerLoader::~LayerLoader() { run_.cancel(); }

void LayerLoader::load(const LayerSource& source) {
    auto* watcher = run_.begin();
    const int generation = run_.generation();
    const QString name = QString::fromStdString(source.describe());
    connect(watcher, &QFutureWatcher<LayerViewPtr>::finished, this, [this, watcher, generation, name] {
        if (!run_.isCurrent(generation)) return;
        try {
            watcher->future().waitForFinished();
            if (watcher->future().resultCount() == 0) return;   // cancelled
            const LayerViewPtr layer = watcher->future().result();
            if (!layer->error.empty())
                emit loadFailed(name, QString::fromStdString(layer->error));
            else
                emit layerLoaded(layer);
        } catch (const std::exception& e) {
            emit loadFailed(name, QString::fromUtf8(e.what()));
        }
    });
    watcher->setFuture(QtConcurrent::run(loadLayer, source));
}

}  // namespace layerlens::ui
