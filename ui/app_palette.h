#pragma once
// The application's palettes: "light" and "dark" on the Fusion style, so the window (and its
// screenshots) look the same on every desktop, and "system" for the desktop's own. Every view
// draws with palette roles, so both read well; the few fixed colours (method colours, the scatter's
// dots) are chosen to stand out on white and on near-black alike.
#include <QString>
#include <QStringList>

namespace layerlens::ui {

inline QStringList paletteNames() { return {"system", "light", "dark"}; }
// Applies the palette named; false (nothing changed) for a name not in paletteNames().
bool applyPalette(const QString& name);

}  // namespace layerlens::ui
