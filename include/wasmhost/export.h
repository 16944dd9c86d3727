// wasmhost/export.h: symbol visibility for building wasmhost as a shared
// library (the C API ships one). Static builds need nothing.

#ifndef WASMHOST_EXPORT_H_
#define WASMHOST_EXPORT_H_

#if defined(WASMHOST_SHARED_LIBRARY) && defined(__GNUC__)
#define WASMHOST_EXPORT __attribute__((visibility("default")))
#else
#define WASMHOST_EXPORT
#endif

#endif  // WASMHOST_EXPORT_H_
