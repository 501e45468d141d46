#pragma once
// Writing what the user exports: a widget as PNG or SVG, text (CSV, JSON) — every file written
// to a temporary name and renamed on success (QSaveFile), so a failure (unwritable folder, full
// disk) leaves any earlier file intact. Each throws std::runtime_error naming the path and why.
#include <QString>

class QWidget;

namespace layerlens::ui {

void saveWidgetPng(QWidget* widget, const QString& path);
void saveWidgetSvg(QWidget* widget, const QString& path, const QString& title);
void saveText(const QByteArray& bytes, const QString& path);

}  // namespace layerlens::ui
