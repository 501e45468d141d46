// The Calibration view's files: the second calibration set chosen, the charts exported as PNG or
// SVG and the table as the CLI's CSV (CalibrationView's file half; calibration_view.cpp holds its
// widgets and its run).
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QPushButton>

#include "calibration_model.h"
#include "calibration_penalty_chart.h"
#include "calibration_tokens_chart.h"
#include "calibration_view.h"
#include "export_files.h"
#include "file_filters.h"

namespace layerlens::ui {

QPushButton* CalibrationView::buildExportButton() {
    auto* button = new QPushButton("Export", this);
    button->setToolTip("The penalty chart or the token curve as PNG or SVG; the table as CSV (the CLI's --csv).");
    auto* menu = new QMenu(button);
    menu->addAction("Penalty chart as PNG or SVG…", this,
                    [this] { chooseAndExport(&CalibrationView::exportChart, "calibration_penalty"); });
    menu->addAction("Token curve as PNG or SVG…", this,
                    [this] { chooseAndExport(&CalibrationView::exportTokensChart, "calibration_tokens"); });
    menu->addAction("Table as CSV…", this, &CalibrationView::chooseAndExportCsv);
    button->setMenu(menu);
    return button;
}

QString CalibrationView::reportExport(const QString& path, const std::function<void()>& write) {
    try {
        if (!model_->run()) throw std::runtime_error("nothing to export yet: run the check first");
        write();
    } catch (const std::exception& e) {
        const QString message = "Export failed: " + QString::fromUtf8(e.what());
        showError(message);
        emit failed(message);
        return message;
    }
    showStatus("Wrote " + path + ".");
    return {};
}

QString CalibrationView::writeView(QWidget* view, const QString& path) {
    return reportExport(path, [&] {
        const QString title = "LayerLens calibration check " + QString::fromStdString(model_->run()->source);
        // The title also as a caption above the chart, so the picture says what it shows.
        if (path.endsWith(".svg", Qt::CaseInsensitive)) saveWidgetSvg(view, path, title, title);
        else saveWidgetPng(view, path, title);
    });
}

QString CalibrationView::exportChart(const QString& path) { return writeView(penaltyChart_, path); }
QString CalibrationView::exportTokensChart(const QString& path) { return writeView(tokensChart_, path); }

QString CalibrationView::exportCsv(const QString& path) {
    return reportExport(path, [&] { saveText(model_->toCsv().toUtf8(), path); });
}

void CalibrationView::chooseSecondInputs() {
    if (!interactive_) return;
    const QString start = source_.path.empty() ? QString() : QFileInfo(QString::fromStdString(source_.path)).path();
    const QString path = QFileDialog::getOpenFileName(
        this, "Second calibration set: the same layer's inputs (HDF5 with the layer's group, or .npy)", start, layerFileFilter());
    if (!path.isEmpty()) setSecondInputs(path);
}

void CalibrationView::chooseAndExport(QString (CalibrationView::*write)(const QString&), const QString& name) {
    const QString path = QFileDialog::getSaveFileName(this, "Export " + name, name + ".png", "PNG (*.png);;SVG (*.svg)");
    if (!path.isEmpty()) (this->*write)(path);
}

void CalibrationView::chooseAndExportCsv() {
    const QString path = QFileDialog::getSaveFileName(this, "Export the table as CSV", "calibration.csv", "CSV (*.csv)");
    if (!path.isEmpty()) exportCsv(path);
}

}  // namespace layerlens::ui
