#pragma once
// What every background runner (model evaluation, layer map, calibration) does with the watcher
// of a run it no longer wants: stop listening to it, ask its worker to stop, and delete it once
// the worker has let go of it (a watcher deleted under a running future would lose its end).
#include <QFutureWatcher>
#include <QObject>

namespace layerlens::ui {

template <class Event>
void retireWatcher(QObject* owner, QFutureWatcher<Event>*& watcher) {
    if (!watcher) return;
    watcher->disconnect(owner);
    if (watcher->isFinished()) {
        watcher->deleteLater();
    } else {
        watcher->cancel();
        QObject::connect(watcher, &QFutureWatcher<Event>::finished, watcher, &QObject::deleteLater);
    }
    watcher = nullptr;
}

}  // namespace layerlens::ui
