#include "wasmhost/export.h"

struct WASMHOST_EXPORT ExportHProbe {
  int value = 0;
};
[[maybe_unused]] static ExportHProbe export_h_probe;
