#pragma once
// What a hostile HDF5 header can claim that libhdf5 would act on: a dataset far larger than the
// bytes the file stores (unwritten chunks read as the fill value: hours of "tokens" from a 3 KB
// file, or a width whose one chunk of rows cannot be allocated), chunks larger than the dataset
// (libhdf5 1.10 copies past its buffer), data in external files or virtual sources. Checked on
// every weight, bias and inputs dataset before a read, so such a file is an InputError.
#include <hdf5.h>

#include <string>
#include <vector>

namespace layerlens {

// "" when the dataset's storage can hold what its shape declares, else why not (no prefix).
std::string hdf5_storage_problem(hid_t dataset, const std::vector<hsize_t>& dims, size_t type_size);

}  // namespace layerlens
