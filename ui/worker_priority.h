#pragma once
// Workers (and the OpenMP threads they start, which inherit it) run at a lower priority than the
// GUI thread, so on a busy 2-core machine the event loop still gets the CPU within milliseconds.
namespace layerlens::ui {
void lowerWorkerPriority();
}
