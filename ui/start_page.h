#pragma once
// What the window shows instead of empty tabs when the file it was asked to open (on the command
// line, from Recent files, dropped) could not be read and nothing else is loaded: why, in the
// window rather than in a dialog over an empty one, and the two ways on: the built-in demo layer
// or File › Open.
#include <QWidget>

class QLabel;
class QPushButton;

namespace layerlens::ui {

class StartPage : public QWidget {
    Q_OBJECT
public:
    explicit StartPage(QWidget* parent = nullptr);
    void showFailure(const QString& source, const QString& message);
    QString message() const;

signals:
    void demoRequested();
    void openRequested();

private:
    QLabel* title_;
    QLabel* message_;
};

}  // namespace layerlens::ui
