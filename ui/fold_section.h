#pragma once
// A collapsible section: a flat arrow button with the title over a body that shows only when
// the section is open. Closed by default, so a panel of many methods stays short.
#include <QWidget>

class QToolButton;

namespace layerlens::ui {

class FoldSection : public QWidget {
    Q_OBJECT
public:
    FoldSection(const QString& title, QWidget* body, QWidget* parent = nullptr);
    bool isOpen() const;
    void setOpen(bool open);
    QWidget* body() const { return body_; }
    QToolButton* button() const { return button_; }

private:
    QToolButton* button_;
    QWidget* body_;
};

}  // namespace layerlens::ui
