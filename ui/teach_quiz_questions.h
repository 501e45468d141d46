#pragma once
// The self-check of the Teach tab: the AWQ document's "Pause and recall" and its interview
// questions, in short words of our own. Each option says why it is right or wrong. One wrong
// option per question is flagged as the common wrong answer: for the interview questions the one
// the document names, for the recall questions the misconception the lesson warns about.
#include <QString>
#include <QVector>

namespace layerlens::ui {

struct TeachQuizOption {
    QString text;
    QString feedback;             // shown when the learner picks this option
    bool right = false;
    bool commonMistake = false;   // the document's "common wrong answer to avoid"
};

struct TeachQuizQuestion {
    QString part;        // "Pause and recall" or "Interview"
    QString question;
    QVector<TeachQuizOption> options;
};

QVector<TeachQuizQuestion> teachQuizQuestions();

}  // namespace layerlens::ui
