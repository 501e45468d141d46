#include "export_files.h"

#include <QImage>
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

void savePaintedPng(QSize size, const PaintFunction& paint, const QString& path, qreal scale) {
    // At the screen's pixel ratio, as a grab would be: sharp on a high-density screen.
    QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(Qt::transparent);
    {
        QPainter painter(&image);
        paint(painter);
    }
    QSaveFile file(path);
    open(file);
    if (!image.save(&file, "PNG")) {
        file.cancelWriting();
        fail(path, file.error() != QFileDevice::NoError ? file.errorString() : "PNG encoding failed");
    }
    commit(file);
}

void savePaintedSvg(QSize size, const PaintFunction& paint, const QString& path, const QString& title) {
    QSaveFile file(path);
    open(file);
    QSvgGenerator svg;
    svg.setOutputDevice(&file);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(title);
    svg.setDescription("LayerLens export");
    {
        QPainter painter(&svg);
        paint(painter);
    }
    if (file.error() != QFileDevice::NoError) {
        file.cancelWriting();
        fail(path, file.errorString());
    }
    commit(file);
}

namespace {

constexpr int kCaptionHeight = 24;

// A view on a tab that was never shown has not been laid out: it is still at Qt's default
// 100 x 30-ish size, which exports as a thumbnail with its caption cut, and rendering it runs
// its pending resize and layout mid-paint (the picture then cuts the wider view). Such a view is
// settled first (a one-pixel grab delivers what is pending) and given at least a readable size;
// a visible one exports as it is seen.
void ensureReadableSize(QWidget* widget) {
    if (widget->isVisible()) return;
    auto settle = [widget] { (void)widget->grab(QRect(0, 0, 1, 1)); };
    settle();
    const QSize readable = widget->size().expandedTo(widget->sizeHint()).expandedTo(QSize(720, 400));
    if (readable == widget->size()) return;
    widget->resize(readable);
    settle();
}

QSize captionedSize(const QWidget* widget, const QString& caption) {
    return widget->size() + QSize(0, caption.isEmpty() ? 0 : kCaptionHeight);
}

void paintCaptioned(QPainter& painter, QWidget* widget, const QString& caption) {
    painter.fillRect(QRect(QPoint(0, 0), captionedSize(widget, caption)), widget->palette().color(QPalette::Window));
    int top = 0;
    if (!caption.isEmpty()) {
        painter.fillRect(QRect(0, 0, widget->width(), kCaptionHeight), widget->palette().color(QPalette::Window));
        painter.setPen(widget->palette().color(QPalette::WindowText));
        QFont bold = widget->font();
        bold.setBold(true);
        painter.setFont(bold);
        painter.drawText(QRect(6, 0, widget->width() - 12, kCaptionHeight), Qt::AlignLeft | Qt::AlignVCenter,
                         painter.fontMetrics().elidedText(caption, Qt::ElideMiddle, widget->width() - 12));
        top = kCaptionHeight;
    }
    widget->render(&painter, QPoint(0, top), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
}

}  // namespace

void saveWidgetPng(QWidget* widget, const QString& path, const QString& caption) {
    ensureReadableSize(widget);
    savePaintedPng(captionedSize(widget, caption), [&](QPainter& p) { paintCaptioned(p, widget, caption); }, path,
                   widget->devicePixelRatioF());
}

void saveWidgetSvg(QWidget* widget, const QString& path, const QString& title, const QString& caption) {
    ensureReadableSize(widget);
    savePaintedSvg(captionedSize(widget, caption), [&](QPainter& p) { paintCaptioned(p, widget, caption); }, path, title);
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
