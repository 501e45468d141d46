#pragma once
// The Open dialog's name filter, from the layer format registry (core/io/layer_format.h):
// "Layer files (*.h5 *.hdf5 *.hdf);;HDF5 (*.h5 *.hdf5 *.hdf);;All files (*)". Formats are
// detected by content, so "All files" is always offered: a layer file may have any name.
#include <QString>

namespace layerlens::ui {

QString layerFileFilter();

}  // namespace layerlens::ui
