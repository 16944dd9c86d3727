// wasmhost/wasmhost.h: the whole public API in one include.

#ifndef WASMHOST_WASMHOST_H_
#define WASMHOST_WASMHOST_H_

#include "wasmhost/engine.h"    // IWYU pragma: export
#include "wasmhost/errors.h"    // IWYU pragma: export
#include "wasmhost/global.h"    // IWYU pragma: export
#include "wasmhost/instance.h"  // IWYU pragma: export
#include "wasmhost/limits.h"    // IWYU pragma: export
#include "wasmhost/linker.h"    // IWYU pragma: export
#include "wasmhost/memory.h"    // IWYU pragma: export
#include "wasmhost/module.h"    // IWYU pragma: export
#include "wasmhost/pool.h"      // IWYU pragma: export
#include "wasmhost/table.h"     // IWYU pragma: export
#include "wasmhost/value.h"     // IWYU pragma: export
#include "wasmhost/wasi.h"      // IWYU pragma: export

#endif  // WASMHOST_WASMHOST_H_
