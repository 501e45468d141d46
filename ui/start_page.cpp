#include "start_page.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace layerlens::ui {

StartPage::StartPage(QWidget* parent) : QWidget(parent), title_(new QLabel(this)), message_(new QLabel(this)) {
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.4);
    big.setBold(true);
    title_->setFont(big);
    title_->setWordWrap(true);
    message_->setObjectName("start_message");
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    message_->setMaximumWidth(720);
    auto* demo = new QPushButton("Open the built-in demo layer", this);
    demo->setObjectName("start_demo");
    demo->setToolTip("A synthetic 512 x 1024 layer with a few busy input channels: the AWQ picture at a glance.");
    demo->setDefault(true);
    auto* open = new QPushButton("Open another file…", this);
    open->setObjectName("start_open");
    open->setToolTip("File › Open (Ctrl+O): HDF5, safetensors, NumPy .npy or a llama2.c checkpoint.");
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(demo);
    buttons->addWidget(open);
    buttons->addStretch();
    auto* column = new QVBoxLayout;
    column->addWidget(title_);
    column->addWidget(message_);
    column->addSpacing(12);
    column->addLayout(buttons);
    auto* layout = new QVBoxLayout(this);
    layout->addStretch(1);
    auto* centre = new QHBoxLayout;
    centre->addStretch(1);
    centre->addLayout(column, 3);
    centre->addStretch(1);
    layout->addLayout(centre);
    layout->addStretch(2);
    connect(demo, &QPushButton::clicked, this, &StartPage::demoRequested);
    connect(open, &QPushButton::clicked, this, &StartPage::openRequested);
}

void StartPage::showFailure(const QString& source, const QString& message) {
    title_->setText("Cannot open " + source);
    message_->setText(message);
}

QString StartPage::message() const { return title_->text() + "\n" + message_->text(); }

}  // namespace layerlens::ui
