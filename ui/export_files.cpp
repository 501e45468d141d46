#include "export_files.h"

#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>
#include <stdexcept>

namespace layerlens::ui {

namespace {

[[noreturn]] void fail(const QString& path, const QString& why) {
    throw std::runtime_error(QString("cannot write %1: %2").arg(path, why).toStdString());
}

void open(QSaveFile& file) {
    if (!file.open(QIODevice::WriteOnly)) fail(file.fileName(), file.errorString());
}

void commit(QSaveFile& file) {
    if (!file.commit()) fail(file.fileName(), file.errorString());
}

}  // namespace

void saveWidgetPng(QWidget* widget, const QString& path) {
    const QPixmap pixmap = widget->grab();
    QSaveFile file(path);
    open(file);
    if (!pixmap.save(&file, "PNG")) {
        file.cancelWriting();
        fail(path, file.error() != QFileDevice::NoError ? file.errorString() : "PNG encoding failed");
    }
    commit(file);
}

void saveWidgetSvg(QWidget* widget, const QString& path, const QString& title) {
    QSaveFile file(path);
    open(file);
    QSvgGenerator svg;
    svg.setOutputDevice(&file);
    svg.setSize(widget->size());
    svg.setViewBox(QRect(QPoint(0, 0), widget->size()));
    svg.setTitle(title);
    svg.setDescription("LayerLens export");
    {
        QPainter painter(&svg);
        widget->render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
    }
    if (file.error() != QFileDevice::NoError) {
        file.cancelWriting();
        fail(path, file.errorString());
    }
    commit(file);
}

void saveText(const QByteArray& bytes, const QString& path) {
    QSaveFile file(path);
    open(file);
    if (file.write(bytes) != bytes.size()) {
        file.cancelWriting();
        fail(path, file.errorString());
    }
    commit(file);
}

}  // namespace layerlens::ui
