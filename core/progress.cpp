#include "progress.h"

#include "errors.h"

namespace layerlens {

void Progress::check() const {
    if (cancelled()) throw Cancelled();
}

}  // namespace layerlens
