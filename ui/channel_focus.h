#pragma once
// The one "current channel" every view watches (linked hover): hovering channel j in any view
// of any column sets it, and every view draws j. Also the channels a lesson singled out, and
// the groups of channels another view marks in the comparison (each its own colour and shape,
// with a title and labels the comparison's legend shows, so a mark is never unexplained).
#include <QColor>
#include <QObject>
#include <QString>
#include <QVector>

namespace layerlens::ui {

struct ChannelMarks {
    enum class Shape { Ring, Square };
    QString label;          // what the channels are: "entered the top 1% on set B"
    QColor colour;
    Shape shape = Shape::Ring;
    QVector<int> channels;
};

class ChannelFocus : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    int channel() const { return channel_; }
    int row() const { return row_; }
    const QVector<int>& highlighted() const { return highlighted_; }
    const QVector<ChannelMarks>& marks() const { return marks_; }
    // Who marked them and why ("Calibration check of layers.3.w2").
    const QString& marksTitle() const { return marksTitle_; }

public slots:
    // channel −1 = none; row −1 when the hover was not over a single weight.
    void setChannel(int channel, int row = -1) {
        if (channel == channel_ && row == row_) return;
        channel_ = channel;
        row_ = row;
        emit channelChanged(channel_);
    }
    void setHighlighted(const QVector<int>& channels) {
        highlighted_ = channels;
        emit highlightedChanged();
    }
    void setMarks(const QVector<ChannelMarks>& marks, const QString& title) {
        marks_ = marks;
        marksTitle_ = title;
        emit marksChanged();
    }
    void clearMarks() {
        if (marks_.isEmpty()) return;
        setMarks({}, {});
    }

signals:
    void channelChanged(int channel);
    void highlightedChanged();
    void marksChanged();

private:
    int channel_ = -1;
    int row_ = -1;
    QVector<int> highlighted_;
    QVector<ChannelMarks> marks_;
    QString marksTitle_;
};

}  // namespace layerlens::ui
