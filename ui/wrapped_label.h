#pragma once
// A word-wrapped QLabel's height for its width is not passed up through splitters, scroll areas
// and folds, so its parent lays it out at the height of fewer lines and the lines overlap what
// follows (a refusal over the next field, a legend over a scrollbar). keepWrappedHeight makes the
// label keep, as its minimum height, the height its text needs at its current width on every
// resize; after a new text, fitWrappedHeight does it at once (QLabel says nothing of text changes).
class QLabel;

namespace layerlens::ui {

void keepWrappedHeight(QLabel* label);
void fitWrappedHeight(QLabel* label);

}  // namespace layerlens::ui
