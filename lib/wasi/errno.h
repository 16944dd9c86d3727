// lib/wasi/errno.h: host (Linux) errno values, and the statuses of sinks and
// sources, to WASI errno values.

#ifndef WASMHOST_LIB_WASI_ERRNO_H_
#define WASMHOST_LIB_WASI_ERRNO_H_

#include "absl/status/status.h"
#include "lib/wasi/abi.h"

namespace wasmhost::wasi {

// The WASI errno for the Linux errno `host_errno`; EIO for one WASI has no
// name for. EXDEV stays EXDEV here: only path resolution turns it into
// ENOTCAPABLE (see OpenBeneath).
abi::Errno FromHostErrno(int host_errno);

// The WASI errno the guest sees for the status an OutputSink or InputSource
// returned (the table in wasmhost/wasi.h): the code absl::ErrnoToStatus
// gives for EPIPE, ENOSPC, EFBIG and EACCES maps back to them, anything
// else is EIO.
abi::Errno FromStatus(const absl::Status& status);

}  // namespace wasmhost::wasi

#endif  // WASMHOST_LIB_WASI_ERRNO_H_
