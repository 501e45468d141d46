#pragma once
// A tab whose content can be wider or taller than a small window (1024 x 700): the content goes
// into a scroll area that fills the tab, so the tab scrolls instead of forcing the whole window
// to its minimum size (which pushed the window past the screen) or clipping what does not fit.
#include <QFrame>
#include <QScrollArea>
#include <QVBoxLayout>

namespace layerlens::ui {

// Lays `page` out as one scroll area and returns the layout to fill, on the scrolled widget.
inline QVBoxLayout* scrollingLayout(QWidget* page) {
    auto* scroll = new QScrollArea(page);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* content = new QWidget(scroll);
    scroll->setWidget(content);
    auto* outer = new QVBoxLayout(page);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);
    return new QVBoxLayout(content);
}

}  // namespace layerlens::ui
