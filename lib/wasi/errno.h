// lib/wasi/errno.h: host (Linux) errno values to WASI errno values.

#ifndef WASMHOST_LIB_WASI_ERRNO_H_
#define WASMHOST_LIB_WASI_ERRNO_H_

#include "lib/wasi/abi.h"

namespace wasmhost::wasi {

// The WASI errno for the Linux errno `host_errno`; EIO for one WASI has no
// name for. EXDEV stays EXDEV here: only path resolution turns it into
// ENOTCAPABLE (see OpenBeneath).
abi::Errno FromHostErrno(int host_errno);

}  // namespace wasmhost::wasi

#endif  // WASMHOST_LIB_WASI_ERRNO_H_
