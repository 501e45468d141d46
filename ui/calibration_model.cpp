#include "calibration_model.h"

#include <QLocale>
#include <cmath>

#include "method_label.h"

namespace layerlens::ui {

namespace {

QString errorText(double E) { return std::isfinite(E) ? QString::number(E, 'g', 6) : QString("—"); }
QString percentText(double fraction) {
    return std::isfinite(fraction) ? QString::number(100.0 * fraction, 'f', 2) + "%" : QString("—");
}
double spreadOf(const MethodCalibration& m) { return m.error_mean > 0 ? m.error_std / m.error_mean : 0.0; }

}  // namespace

QString channelSetText(const std::vector<int>& channels, int shown) {
    QStringList names;
    for (size_t k = 0; k < channels.size() && static_cast<int>(k) < shown; ++k) names << QString::number(channels[k]);
    if (static_cast<int>(channels.size()) > shown) names << QString("… %1 more").arg(channels.size() - static_cast<size_t>(shown));
    return "{" + names.join(", ") + "}";
}

QString tokenCountText(double tokens) {
    const QLocale english(QLocale::English);
    if (tokens < 1e5) return english.toString(static_cast<qlonglong>(std::llround(tokens)));
    // An extrapolation: three digits are all it knows.
    const double digits = std::pow(10.0, std::floor(std::log10(tokens)) - 2);
    const double rounded = std::round(tokens / digits) * digits;
    if (rounded < 1e6) return english.toString(static_cast<qlonglong>(std::llround(rounded)));
    if (rounded < 1e9) return QString("%1 million").arg(QString::number(rounded / 1e6, 'g', 3));
    return QString("%1 billion").arg(QString::number(rounded / 1e9, 'g', 3));
}

CalibrationModel::CalibrationModel(QObject* parent) : QAbstractTableModel(parent) {}

void CalibrationModel::setRun(CalibrationRunPtr run) {
    beginResetModel();
    run_ = std::move(run);
    endResetModel();
    emit runChanged();
}

void CalibrationModel::clear() { setRun(nullptr); }

const MethodCalibration* CalibrationModel::method(int row) const {
    if (!run_ || row < 0 || row >= static_cast<int>(run_->check.methods.size())) return nullptr;
    return &run_->check.methods[static_cast<size_t>(row)];
}

int CalibrationModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !run_ ? 0 : static_cast<int>(run_->check.methods.size());
}

int CalibrationModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant CalibrationModel::data(const QModelIndex& index, int role) const {
    const MethodCalibration* m = method(index.row());
    if (!m || (role != Qt::DisplayRole && role != Qt::UserRole && role != Qt::TextAlignmentRole)) return {};
    if (role == Qt::TextAlignmentRole)
        return index.column() <= Budget ? QVariant(Qt::AlignLeft | Qt::AlignVCenter) : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    const bool text = role == Qt::DisplayRole;
    switch (index.column()) {
    case Method: return text ? methodLabel(m->method) : QString::fromStdString(m->method);
    case Budget: return QString::fromStdString(m->budget);
    case ErrorCalibratedOnA: return text ? QVariant(errorText(m->error_on_b_calibrated_on_a)) : QVariant(m->error_on_b_calibrated_on_a);
    case ErrorCalibratedOnB: return text ? QVariant(errorText(m->error_on_b_calibrated_on_b)) : QVariant(m->error_on_b_calibrated_on_b);
    case Penalty: return text ? QVariant(percentText(m->penalty)) : QVariant(m->penalty);
    case ResampleRange:
        return text ? QVariant(QString("%1 – %2").arg(errorText(m->error_min), errorText(m->error_max))) : QVariant(m->error_max - m->error_min);
    case Spread: return text ? QVariant(percentText(spreadOf(*m))) : QVariant(spreadOf(*m));
    case ChangedAvsB: return text ? QVariant(percentText(m->changed_fraction_a_vs_b)) : QVariant(m->changed_fraction_a_vs_b);
    case ChangedByResampling: return text ? QVariant(percentText(m->changed_fraction_mean)) : QVariant(m->changed_fraction_mean);
    default: return {};
    }
}

QVariant CalibrationModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    static const struct {
        const char* title;
        const char* tip;
    } columns[ColumnCount] = {
        {"Method", "The compression method."},
        {"Budget", "The budget it ran at: the method panel's, or the method's default when the panel does not check it."},
        {"E on B, calibrated on A", "The relative output error on set B of the layer compressed with set A as calibration data."},
        {"E on B, calibrated on B", "The same error when set B itself was the calibration data: the best the method can do on B."},
        {"Penalty", "E on B calibrated on A over E on B calibrated on B, minus 1: what calibrating on other data costs."},
        {"E over resamples", "The lowest and highest E, on all of the layer's tokens, of the method calibrated on each "
                             "bootstrap resample of those tokens."},
        {"Spread", "The standard deviation of E over the resamples, relative to its mean: the noise a penalty is compared with."},
        {"Changed A vs B", "The weights of Ŵ that differ between the calibrations on A and on B."},
        {"Changed by resampling", "The weights that differ from Ŵ calibrated on all of the layer's tokens, mean over the "
                                  "resamples."},
    };
    if (section < 0 || section >= ColumnCount) return {};
    if (role == Qt::DisplayRole) return QString(columns[section].title);
    if (role == Qt::ToolTipRole) return QString(columns[section].tip);
    return {};
}

QString CalibrationModel::overlapText() const {
    if (!run_) return {};
    const CalibrationCheck& c = run_->check;
    return QString("top-1% channels: A %1, B %2, overlap %3")
        .arg(channelSetText(c.top_a), channelSetText(c.top_b))
        .arg(c.overlap, 0, 'f', 2);
}

QString CalibrationModel::setsText() const {
    if (!run_) return {};
    const CalibrationCheck& c = run_->check;
    const QString b = run_->secondInputs.empty() ? QString::fromStdString(c.set_b)
                                                 : QString::fromStdString(run_->secondInputs);
    return QString("Set A = %1 (%2 tokens), set B = %3 (%4 tokens) of %5. The top set is the channels with the largest a_j "
                   "= mean |X_j|, the ones AWQ protects.")
        .arg(QString::fromStdString(c.set_a), tokenCountText(static_cast<double>(c.tokens_a)), b,
             tokenCountText(static_cast<double>(c.tokens_b)), QString::fromStdString(run_->source));
}

QString CalibrationModel::stabilityText() const {
    if (!run_) return {};
    const ChannelStability& s = run_->check.stability;
    // Resampled are all of the layer's own tokens (both halves when there is no second set).
    const CalibrationCheck& c = run_->check;
    const double tokens = static_cast<double>(run_->secondInputs.empty() ? c.tokens_a + c.tokens_b : c.tokens_a);
    QString text = QString("Under resampling (%1 resamples of the layer's %2 tokens, seed %3): top-set overlap %4, rank "
                           "correlation of a_j %5 — %6")
                       .arg(run_->resamples)
                       .arg(tokenCountText(tokens))
                       .arg(run_->seed)
                       .arg(s.mean_jaccard, 0, 'f', 2)
                       .arg(s.mean_rank_correlation, 0, 'f', 3)
                       .arg(s.stable ? "stable." : "unstable");
    if (!s.stable)
        text += s.tokens_for_stable_top ? QString(": an overlap of %1 would need about %2 tokens.")
                                              .arg(kStableJaccard)
                                              .arg(tokenCountText(*s.tokens_for_stable_top))
                                        : QString(": more tokens do not make it steadier here (the curve does not rise).");
    return text;
}

QString CalibrationModel::toCsv() const {
    if (!run_) return {};
    return QString::fromStdString(calibration_check_csv(run_->layer, run_->check));
}

}  // namespace layerlens::ui
