// The public half of wasmhost/wasi.h: sinks and sources, the context
// factory, the linker definitions and running commands and reactors.

#include "wasmhost/wasi.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/wasi/abi.h"
#include "lib/wasi/context.h"
#include "lib/wasi/guest_memory.h"
#include "lib/wasi/pool_hooks.h"
#include "wasmhost/errors.h"

namespace wasmhost::wasi {
namespace {

constexpr absl::string_view kModule = "wasi_snapshot_preview1";

// Defines `name` as a host function calling `method` on the caller's
// context, with the guest's memory; ENOSYS for an instance without one.
template <typename... Args>
absl::Status DefineMethod(Linker& linker, absl::string_view name,
                          int32_t (WasiContextImpl::*method)(GuestMemory&,
                                                             Args...)) {
  return linker.Define(
      kModule, name, [method](Caller& caller, Args... args) -> int32_t {
        // Every WasiContext is a WasiContextImpl: its constructor is only
        // reachable through WasiContext::Create.
        auto* context =
            static_cast<WasiContextImpl*>(caller.context<WasiContext>());
        if (context == nullptr) return abi::kNoSys;
        GuestMemory memory(caller.memory().data());
        return (context->*method)(memory, args...);
      });
}

}  // namespace

OutputSink OutputSink::ToFd(int fd) {
  return OutputSink([fd](absl::string_view bytes) -> absl::Status {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return absl::ErrnoToStatus(
            errno, absl::StrCat("writing to host descriptor ", fd));
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  });
}

InputSource InputSource::FromString(std::string data) {
  // Each copy of the source (each context made from the same options)
  // reads the data from its start.
  return InputSource(
      [data = std::move(data), pos = size_t{0}](
          absl::Span<uint8_t> buffer) mutable -> absl::StatusOr<size_t> {
        size_t n = std::min(buffer.size(), data.size() - pos);
        std::memcpy(buffer.data(), data.data() + pos, n);
        pos += n;
        return n;
      });
}

InputSource InputSource::FromFd(int fd) {
  return InputSource(
      [fd](absl::Span<uint8_t> buffer) -> absl::StatusOr<size_t> {
        while (true) {
          ssize_t n = ::read(fd, buffer.data(), buffer.size());
          if (n >= 0) return static_cast<size_t>(n);
          if (errno != EINTR) {
            return absl::ErrnoToStatus(errno, "reading the stdin descriptor");
          }
        }
      });
}

absl::StatusOr<std::unique_ptr<WasiContext>> WasiContext::Create(
    WasiOptions options) {
  WASMHOST_ASSIGN_OR_RETURN(std::unique_ptr<WasiContextImpl> context,
                            WasiContextImpl::Create(std::move(options)));
  return std::unique_ptr<WasiContext>(std::move(context));
}

absl::Status AddToLinker(Linker& linker) {
  using C = WasiContextImpl;
  // The ABI's own order (the witx's), so a missing one stands out.
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "args_get", &C::ArgsGet));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "args_sizes_get", &C::ArgsSizesGet));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "environ_get", &C::EnvironGet));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "environ_sizes_get", &C::EnvironSizesGet));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "clock_res_get", &C::ClockResGet));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "clock_time_get", &C::ClockTimeGet));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_advise", &C::FdAdvise));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_allocate", &C::FdAllocate));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_close", &C::FdClose));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_datasync", &C::FdDatasync));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "fd_fdstat_get", &C::FdFdstatGet));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "fd_fdstat_set_flags", &C::FdFdstatSetFlags));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "fd_fdstat_set_rights", &C::FdFdstatSetRights));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "fd_filestat_get", &C::FdFilestatGet));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "fd_filestat_set_size", &C::FdFilestatSetSize));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "fd_filestat_set_times", &C::FdFilestatSetTimes));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_pread", &C::FdPread));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "fd_prestat_get", &C::FdPrestatGet));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "fd_prestat_dir_name", &C::FdPrestatDirName));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_pwrite", &C::FdPwrite));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_read", &C::FdRead));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_readdir", &C::FdReaddir));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_renumber", &C::FdRenumber));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_seek", &C::FdSeek));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_sync", &C::FdSync));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_tell", &C::FdTell));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "fd_write", &C::FdWrite));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "path_create_directory", &C::PathCreateDirectory));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "path_filestat_get", &C::PathFilestatGet));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "path_filestat_set_times",
                                        &C::PathFilestatSetTimes));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "path_link", &C::PathLink));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "path_open", &C::PathOpen));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "path_readlink", &C::PathReadlink));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "path_remove_directory", &C::PathRemoveDirectory));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "path_rename", &C::PathRename));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "path_symlink", &C::PathSymlink));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "path_unlink_file", &C::PathUnlinkFile));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "poll_oneoff", &C::PollOneoff));
  // proc_exit needs no context: leaving is never a capability. The status
  // (kind kGuestExit) traps the guest, poisons the instance and reaches the
  // caller unchanged.
  WASMHOST_RETURN_IF_ERROR(
      linker.Define(kModule, "proc_exit", [](uint32_t code) -> absl::Status {
        return GuestExitStatus(static_cast<int32_t>(code));
      }));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "proc_raise", &C::ProcRaise));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "sched_yield", &C::SchedYield));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "random_get", &C::RandomGet));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "sock_accept", &C::SockAccept));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "sock_recv", &C::SockRecv));
  WASMHOST_RETURN_IF_ERROR(DefineMethod(linker, "sock_send", &C::SockSend));
  WASMHOST_RETURN_IF_ERROR(
      DefineMethod(linker, "sock_shutdown", &C::SockShutdown));
  return absl::OkStatus();
}

absl::StatusOr<int> RunCommand(Instance& instance, const CallOptions& options) {
  absl::StatusOr<TypedFunc<void()>> start = instance.GetFunc<void()>("_start");
  if (!start.ok()) {
    return absl::NotFoundError(absl::StrCat(
        "the module is not a WASI command: no _start () -> () export (",
        start.status().message(), ")"));
  }
  absl::Status status = start->Call(options);
  if (status.ok()) return 0;
  if (std::optional<int> code = GetExitCode(status)) return *code;
  return status;
}

absl::Status InitializeReactor(Instance& instance, const CallOptions& options) {
  absl::StatusOr<TypedFunc<void()>> initialize =
      instance.GetFunc<void()>("_initialize");
  if (absl::IsNotFound(initialize.status())) return absl::OkStatus();
  if (!initialize.ok()) return initialize.status();
  return initialize->Call(options);
}

absl::Status ConfigurePool(PoolOptions& options, WasiOptions wasi_options) {
  WASMHOST_RETURN_IF_ERROR(SetWasiPoolHooks(options, std::move(wasi_options)));
  options.initialize_instance = [next = std::move(options.initialize_instance)](
                                    Instance& instance) -> absl::Status {
    WASMHOST_RETURN_IF_ERROR(InitializeReactor(instance));
    return next ? next(instance) : absl::OkStatus();
  };
  return absl::OkStatus();
}

std::optional<int> GetExitCode(const absl::Status& status) {
  return GetErrorInfo(status).exit_code;
}

}  // namespace wasmhost::wasi
