#include "fold_section.h"

#include <QToolButton>
#include <QVBoxLayout>

namespace layerlens::ui {

FoldSection::FoldSection(const QString& title, QWidget* body, QWidget* parent)
    : QWidget(parent), button_(new QToolButton(this)), body_(body) {
    button_->setText(title);
    button_->setCheckable(true);
    button_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button_->setArrowType(Qt::RightArrow);
    button_->setAutoRaise(true);
    button_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(button_);
    body_->setParent(this);
    body_->setContentsMargins(12, 0, 0, 4);
    layout->addWidget(body_);
    body_->setVisible(false);
    connect(button_, &QToolButton::toggled, this, [this](bool open) {
        body_->setVisible(open);
        button_->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    });
}

bool FoldSection::isOpen() const { return button_->isChecked(); }
void FoldSection::setOpen(bool open) { button_->setChecked(open); }

}  // namespace layerlens::ui
