#pragma once
// Writing what the user exports: a widget as PNG or SVG, text (CSV, JSON) — every file written
// to a temporary name and renamed on success (QSaveFile), so a failure (unwritable folder, full
// disk) leaves any earlier file intact. Each throws std::runtime_error naming the path and why.
#include <QSize>
#include <QString>
#include <functional>

class QPainter;
class QWidget;

namespace layerlens::ui {

// A picture of `size` that `paint` draws, as PNG or SVG: the shared path of every export.
using PaintFunction = std::function<void(QPainter&)>;
void savePaintedPng(QSize size, const PaintFunction& paint, const QString& path, qreal scale = 1.0);
void savePaintedSvg(QSize size, const PaintFunction& paint, const QString& path, const QString& title);

// A widget as it is on screen; with a non-empty `caption`, under a band that names it
// ("AWQ · scatter · layers.2.feed_forward.w2"), so an exported view says what it shows.
void saveWidgetPng(QWidget* widget, const QString& path, const QString& caption = {});
void saveWidgetSvg(QWidget* widget, const QString& path, const QString& title, const QString& caption = {});
void saveText(const QByteArray& bytes, const QString& path);

}  // namespace layerlens::ui
