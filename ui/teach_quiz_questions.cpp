#include "teach_quiz_questions.h"

#include "teach_text.h"

namespace layerlens::ui {

namespace {
// The document's two channels; the products are computed, not typed.
constexpr double kWeightA = 0.20, kTrafficA = 20.0, kWeightB = 1.20, kTrafficB = 0.5;

QString product(double w, double a) {
    return QString("%1 × %2 = %3").arg(teachNumber(w), teachNumber(a), teachNumber(w * a));
}

TeachQuizOption right(const QString& text, const QString& why) { return {text, "<b>Right.</b> " + why, true, false}; }
TeachQuizOption wrong(const QString& text, const QString& why, bool common = false) {
    return {text, (common ? "<b>Not quite — this is the common wrong answer.</b> " : "<b>Not quite.</b> ") + why, false, common};
}
}  // namespace

QVector<TeachQuizQuestion> teachQuizQuestions() {
    const QString a = product(kWeightA, kTrafficA), b = product(kWeightB, kTrafficB);
    const QString ratio = teachNumber(kTrafficA / kTrafficB, 1);
    return {
        {"Pause and recall",
         "Why is a small weight not automatically unimportant?",
         {wrong("It is unimportant: the smallest weights can always be dropped.",
                "That is judging by weight size alone. " + a + " is larger than " + b + ".", true),
          right("What reaches the output is weight × activation, and a small weight can sit on a busy channel.",
                "Importance is the contribution, and the contribution needs both numbers."),
          wrong("Small weights round more precisely, so they keep their value.",
                "On one grid every weight gets the same size of rounding error. What differs is the activation that "
                "multiplies it.")}},
        {"Pause and recall",
         "In the toy example, why did " + a + " matter more than " + b + "?",
         {wrong("Because " + teachNumber(kWeightA) + " happens to sit closer to a rounding level.",
                "The rounding step was the same for both weights. The activation made the difference."),
          wrong("It did not: " + teachNumber(kWeightB) + " is the bigger weight, so it matters more.",
                "Compare contributions, not weights: " + teachNumber(kWeightA * kTrafficA) + " against " +
                    teachNumber(kWeightB * kTrafficB) + ".",
                true),
          right("Its channel carried " + ratio + " times more activation, so its contribution was larger.",
                "The same rounding mistake is multiplied by " + teachNumber(kTrafficA) + " on channel A and by " +
                    teachNumber(kTrafficB) + " on channel B.")}},
        {"Pause and recall",
         "What does AWQ protect, using representative activations?",
         {right("The salient channels: the ones real activations use most.",
                "Busy channels get gentler rounding; calm channels absorb more of it."),
          wrong("The largest weights of the layer.",
                "AWQ is not impressed by weight size. It ranks channels by the traffic they carry.", true),
          wrong("The output rows with the most error.",
                "AWQ works on input channels, the columns of W: it scales a busy channel before rounding.")}},
        {"Pause and recall",
         "How is AWQ's question different from GPTQ's?",
         {wrong("GPTQ needs no calibration data; AWQ does.",
                "Both read calibration data. GPTQ uses it to repair the output after each column, AWQ to find the "
                "busy channels."),
          right("GPTQ asks “match the original outputs”; AWQ asks “which channels does real traffic lean on?”",
                "Output reconstruction against activation importance. The next lesson shows where each puts its error."),
          wrong("They ask the same thing under two names.",
                "Same data, different questions, and their errors land on different channels.", true)}},
        {"Interview",
         "Why does AWQ not rank channels by weight magnitude alone?",
         {right("A channel's effect is weight × activation; a small weight on a hot channel can beat a big one on a quiet channel.",
                "That is the whole AWQ idea in one line."),
          wrong("Because computing weight magnitudes would be too slow.",
                "They are cheap to compute. They are simply the wrong ranking: they ignore the activations."),
          wrong("Because the largest absolute weights are always the most important ones.",
                "That is exactly what AWQ rejects: large weights on quiet channels can take rounding with little damage.",
                true)}},
        {"Interview",
         "Why use activation salience and not only the output-reconstruction error?",
         {wrong("AWQ just copies GPTQ and renames the loss.",
                "GPTQ repairs the output column by column; AWQ rescales channels by their traffic before rounding. "
                "Different ideas.",
                true),
          right("AWQ wants to know which channels keep mattering under real inputs before it spends its precision.",
                "Salience decides where the budget goes; the error is what is left."),
          wrong("Because the output error cannot be measured.",
                "It can: E, the number this program shows for every method, is exactly that error.")}},
        {"Interview",
         "Why does AWQ not protect every channel equally?",
         {wrong("It should: uniform treatment is safer because it is fair to all channels.",
                "Fairness to channels is not the goal; the output is. Calm channels can take more rounding with little "
                "damage.",
                true),
          wrong("Equal protection is impossible on a quantisation grid.",
                "It is possible: plain round-to-nearest does just that. It spends precision where the traffic is light."),
          right("Low-bit compression is selective sacrifice: equal protection wastes the budget on paths that barely matter.",
                "Spend precision where traffic is, save it where traffic is not.")}},
        {"Interview",
         "Why not use AWQ instead of GPTQ for every model by default?",
         {right("Support, architecture and task sensitivity differ, so benchmark both on representative traffic.",
                "And then evaluate on the tasks you serve: code, JSON, tool calls, long prompts, other languages."),
          wrong("Because AWQ is always better: it uses activations.",
                "GPTQ uses activations too (through C), and on some layers it leaves less error.", true),
          wrong("Because GPTQ is always better: it matches the outputs.",
                "Neither wins everywhere. Measure on your model and your traffic.")}},
    };
}

}  // namespace layerlens::ui
