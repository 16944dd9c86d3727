// lib/v8/platform.h: the process-wide V8 platform, for code that must pump
// its task queue.

#ifndef WASMHOST_LIB_V8_PLATFORM_H_
#define WASMHOST_LIB_V8_PLATFORM_H_

#include "v8.h"

namespace wasmhost::v8backend {

// Set by InitializeV8; never freed.
v8::Platform* V8Platform();

// Whether InitializeV8 succeeded, i.e. an Engine exists.
bool V8Initialized();

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_PLATFORM_H_
