#pragma once
// The one "current channel" every view watches (linked hover): hovering channel j in any view
// of any column sets it, and every view draws j. Also the channels a lesson singled out.
#include <QObject>
#include <QVector>

namespace layerlens::ui {

class ChannelFocus : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    int channel() const { return channel_; }
    int row() const { return row_; }
    const QVector<int>& highlighted() const { return highlighted_; }

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

signals:
    void channelChanged(int channel);
    void highlightedChanged();

private:
    int channel_ = -1;
    int row_ = -1;
    QVector<int> highlighted_;
};

}  // namespace layerlens::ui
