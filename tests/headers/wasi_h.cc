#include "wasmhost/wasi.h"

namespace wasmhost::wasi {
[[maybe_unused]] static WasiOptions wasi_h_options;
}  // namespace wasmhost::wasi
