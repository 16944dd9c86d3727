// WASI 0.2's wasi:io (error, poll, streams), wasi:cli, wasi:clocks and
// wasi:random on the preview-1 context's capabilities: the same stdio
// sinks and source, args, environment, (virtual) clocks and (seeded)
// randomness. Streams never block: stdio sinks and files take every byte
// at once, so every stream pollable is ready.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/wasi/abi.h"
#include "lib/wasi/component_wasi.h"
#include "lib/wasi/errno.h"
#include "wasmhost/errors.h"
#include "wasmhost/wasi.h"

namespace wasmhost::wasi::p2 {
namespace {

using component::Caller;

// At most this much per read or splice, and check-write's permit.
constexpr uint64_t kMaxTransfer = 1 << 20;
// get-random-bytes beyond this traps: the guest would need the memory.
constexpr uint64_t kMaxRandomBytes = 1 << 26;

absl::StatusOr<WasiContextImpl*> ContextOf(Caller& caller,
                                           absl::string_view name) {
  // Every WasiContext is a WasiContextImpl (WasiContext::Create).
  auto* context = static_cast<WasiContextImpl*>(caller.context<WasiContext>());
  if (context == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("WASI 0.2 function ", name,
                     " called by a component instance without a "
                     "WasiContext (InstanceOptions::SetContext)"));
  }
  return context;
}

// A function returning `value` whatever the arguments.
ContextFunc Returns(Val value) {
  return [value = std::move(value)](WasiContextImpl&, absl::Span<const Val>,
                                    std::vector<Val>& results) {
    results.push_back(value);
    return absl::OkStatus();
  };
}

// Err(last-operation-failed) with `error`, a host stream's failure.
absl::StatusOr<Val> HostStreamFailed(WasiContextImpl& context, IoError error) {
  WASMHOST_ASSIGN_OR_RETURN(Val handle, NewResource(context, std::move(error)));
  return Val::Err(Val::Variant(0, std::move(handle)));
}

absl::StatusOr<Val> Read(WasiContextImpl& context, InputStream& stream,
                         uint64_t len) {
  if (stream.closed) return Val::Err(StreamClosed());
  if (stream.kind == StreamKind::kHost) {
    absl::StatusOr<std::optional<std::string>> chunk =
        stream.host_read(std::min(len, kMaxTransfer));
    if (!chunk.ok()) {
      if (!stream.host_error) return chunk.status();
      stream.closed = true;
      return HostStreamFailed(context, stream.host_error(chunk.status()));
    }
    if (!chunk->has_value()) {
      stream.closed = true;
      return Val::Err(StreamClosed());
    }
    return Val::Ok(Val::Bytes(*std::move(*chunk)));
  }
  std::string buffer(std::min(len, kMaxTransfer), '\0');
  if (buffer.empty()) return Val::Ok(Val::Bytes(""));
  size_t got = 0;
  int32_t error = abi::kSuccess;
  if (stream.kind == StreamKind::kStdio) {
    error = context.ReadStdin(reinterpret_cast<uint8_t*>(buffer.data()),
                              buffer.size(), &got);
  } else {
    ssize_t n;
    do {
      n = ::pread(stream.file.get(), buffer.data(), buffer.size(),
                  static_cast<off_t>(stream.offset));
    } while (n < 0 && errno == EINTR);
    if (n < 0) error = HostError();
    if (n > 0) got = static_cast<size_t>(n);
  }
  if (error != abi::kSuccess) {
    WASMHOST_ASSIGN_OR_RETURN(Val failed,
                              StreamFailed(context, error, "read failed"));
    return Val::Err(std::move(failed));
  }
  if (got == 0) {
    stream.closed = true;
    return Val::Err(StreamClosed());
  }
  stream.offset += got;
  buffer.resize(got);
  return Val::Ok(Val::Bytes(std::move(buffer)));
}

absl::StatusOr<Val> Write(WasiContextImpl& context, OutputStream& stream,
                          absl::string_view bytes) {
  if (stream.closed) return Val::Err(StreamClosed());
  if (stream.kind == StreamKind::kHost) {
    absl::Status written = stream.host_write(bytes);
    if (!written.ok()) {
      if (!stream.host_error) return written;
      stream.closed = true;
      return HostStreamFailed(context, stream.host_error(written));
    }
    return Val::Ok();
  }
  int32_t error = abi::kSuccess;
  std::string message;
  if (stream.kind == StreamKind::kStdio) {
    absl::Status written = context.WriteStdio(stream.to_stderr, bytes);
    if (!written.ok()) {
      error = FromStatus(written);
      message = std::string(written.message());
    }
  } else {
    if (stream.append) {
      struct stat st;
      if (::fstat(stream.file.get(), &st) == 0) {
        stream.offset = static_cast<uint64_t>(st.st_size);
      } else {
        error = HostError();
      }
    }
    while (error == abi::kSuccess && !bytes.empty()) {
      ssize_t n = ::pwrite(stream.file.get(), bytes.data(), bytes.size(),
                           static_cast<off_t>(stream.offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        error = HostError();
        break;
      }
      stream.offset += static_cast<uint64_t>(n);
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    message = "write failed";
  }
  if (error != abi::kSuccess) {
    // A failed write ends the stream, as wasi:io/streams specifies.
    stream.closed = true;
    WASMHOST_ASSIGN_OR_RETURN(Val failed,
                              StreamFailed(context, error, message));
    return Val::Err(std::move(failed));
  }
  return Val::Ok();
}

// A method over the stream behind args[0].
template <typename T>
ContextFunc StreamMethod(std::function<absl::StatusOr<Val>(
                             WasiContextImpl&, T&, absl::Span<const Val>)>
                             method) {
  return [method](WasiContextImpl& context, absl::Span<const Val> args,
                  std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(T * stream, ResourceOf<T>(context, args[0]));
    WASMHOST_ASSIGN_OR_RETURN(Val result, method(context, *stream, args));
    results.push_back(std::move(result));
    return absl::OkStatus();
  };
}

ContextFunc ReadMethod() {
  return StreamMethod<InputStream>([](WasiContextImpl& context,
                                      InputStream& stream,
                                      absl::Span<const Val> args) {
    return Read(context, stream, args[1].u64());
  });
}

ContextFunc SkipMethod() {
  return StreamMethod<InputStream>(
      [](WasiContextImpl& context, InputStream& stream,
         absl::Span<const Val> args) -> absl::StatusOr<Val> {
        WASMHOST_ASSIGN_OR_RETURN(Val read,
                                  Read(context, stream, args[1].u64()));
        if (read.case_index() != 0) return read;
        return Val::Ok(Val::U64(read.payload()->bytes().size()));
      });
}

ContextFunc WriteMethod() {
  return StreamMethod<OutputStream>([](WasiContextImpl& context,
                                       OutputStream& stream,
                                       absl::Span<const Val> args) {
    // Host-function arguments hold list<u8> as Val::Bytes.
    return Write(context, stream, args[1].bytes());
  });
}

ContextFunc WriteZeroesMethod() {
  return StreamMethod<OutputStream>(
      [](WasiContextImpl& context, OutputStream& stream,
         absl::Span<const Val> args) -> absl::StatusOr<Val> {
        if (args[1].u64() > kMaxTransfer) {
          return absl::InvalidArgumentError(
              "write-zeroes: more than check-write permits");
        }
        return Write(context, stream, std::string(args[1].u64(), '\0'));
      });
}

ContextFunc SpliceMethod() {
  return StreamMethod<OutputStream>(
      [](WasiContextImpl& context, OutputStream& stream,
         absl::Span<const Val> args) -> absl::StatusOr<Val> {
        WASMHOST_ASSIGN_OR_RETURN(InputStream * source,
                                  ResourceOf<InputStream>(context, args[1]));
        WASMHOST_ASSIGN_OR_RETURN(Val read,
                                  Read(context, *source, args[2].u64()));
        if (read.case_index() != 0) return read;
        const absl::string_view bytes = read.payload()->bytes();
        WASMHOST_ASSIGN_OR_RETURN(Val written, Write(context, stream, bytes));
        if (written.case_index() != 0) return written;
        return Val::Ok(Val::U64(bytes.size()));
      });
}

ContextFunc FlushMethod() {
  return StreamMethod<OutputStream>(
      [](WasiContextImpl&, OutputStream& stream,
         absl::Span<const Val>) -> absl::StatusOr<Val> {
        if (stream.closed) return Val::Err(StreamClosed());
        return Val::Ok();
      });
}

ContextFunc CheckWriteMethod() {
  return StreamMethod<OutputStream>(
      [](WasiContextImpl&, OutputStream& stream,
         absl::Span<const Val>) -> absl::StatusOr<Val> {
        if (stream.closed) return Val::Err(StreamClosed());
        return Val::Ok(Val::U64(kMaxTransfer));
      });
}

// A pollable that is ready at once (streams never block).
ContextFunc ReadyPollable() {
  return [](WasiContextImpl& context, absl::Span<const Val>,
            std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(Val pollable, NewResource(context, Pollable{}));
    results.push_back(std::move(pollable));
    return absl::OkStatus();
  };
}

// How long until `pollable` is ready; 0 when it is.
uint64_t Remaining(WasiContextImpl& context, const Pollable& pollable) {
  if (!pollable.monotonic_deadline) return 0;
  uint64_t now = 0;
  if (context.Now(abi::kClockMonotonic, /*tick=*/false, &now) !=
      abi::kSuccess) {
    return 0;
  }
  return *pollable.monotonic_deadline > now ? *pollable.monotonic_deadline - now
                                            : 0;
}

// get-stdin (`input`), get-stdout or get-stderr: a new stdio stream.
ContextFunc Stdio(bool input, bool to_stderr) {
  return [input, to_stderr](WasiContextImpl& context, absl::Span<const Val>,
                            std::vector<Val>& results) -> absl::Status {
    Object object;
    if (input) {
      object = InputStream{};
    } else {
      OutputStream stream;
      stream.to_stderr = to_stderr;
      object = std::move(stream);
    }
    WASMHOST_ASSIGN_OR_RETURN(Val handle,
                              NewResource(context, std::move(object)));
    results.push_back(std::move(handle));
    return absl::OkStatus();
  };
}

Val Datetime(uint64_t nanos) {
  return Val::Record(
      {{"seconds", Val::U64(nanos / 1000000000u)},
       {"nanoseconds", Val::U32(static_cast<uint32_t>(nanos % 1000000000u))}});
}

// The clock `id` read (ticking the virtual clock) or its resolution, made
// a Val by `make`.
ContextFunc Clock(uint32_t id, bool resolution, Val (*make)(uint64_t)) {
  return [id, resolution, make](WasiContextImpl& context, absl::Span<const Val>,
                                std::vector<Val>& results) -> absl::Status {
    uint64_t nanos = 0;
    int32_t error = resolution ? context.Resolution(id, &nanos)
                               : context.Now(id, /*tick=*/true, &nanos);
    if (error != abi::kSuccess) {
      return absl::InternalError(
          absl::StrCat("WASI 0.2: reading clock ", id, " failed"));
    }
    results.push_back(make(nanos));
    return absl::OkStatus();
  };
}

absl::Status RandomBytes(WasiContextImpl& context, uint8_t* data, size_t size) {
  if (context.FillRandom(data, size) != abi::kSuccess) {
    return absl::InternalError("WASI 0.2: the host's getrandom failed");
  }
  return absl::OkStatus();
}

ContextFunc RandomList() {
  return [](WasiContextImpl& context, absl::Span<const Val> args,
            std::vector<Val>& results) -> absl::Status {
    if (args[0].u64() > kMaxRandomBytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "WASI 0.2: more than ", kMaxRandomBytes, " random bytes asked for"));
    }
    std::string bytes(args[0].u64(), '\0');
    WASMHOST_RETURN_IF_ERROR(RandomBytes(
        context, reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
    results.push_back(Val::Bytes(std::move(bytes)));
    return absl::OkStatus();
  };
}

absl::StatusOr<uint64_t> RandomU64(WasiContextImpl& context) {
  uint64_t value = 0;
  WASMHOST_RETURN_IF_ERROR(
      RandomBytes(context, reinterpret_cast<uint8_t*>(&value), sizeof(value)));
  return value;
}

ContextFunc RandomU64Func() {
  return [](WasiContextImpl& context, absl::Span<const Val>,
            std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(uint64_t value, RandomU64(context));
    results.push_back(Val::U64(value));
    return absl::OkStatus();
  };
}

// A copy of `object` made for a pool's image (`into` null: a preopen
// descriptor keeps only its index) or from the image into `into`'s table
// (a preopen descriptor borrows that context's directory). Every host
// descriptor is duplicated: the copy shares the open file, whose offset
// file streams never use (they keep their own).
absl::StatusOr<Object> CopyObject(const Object& object,
                                  const WasiContextImpl* into) {
  auto duplicate = [](int fd) -> absl::StatusOr<ScopedFd> {
    if (fd < 0) return ScopedFd();
    ScopedFd copy = Duplicate(fd);
    if (!copy.valid()) {
      return absl::ErrnoToStatus(
          errno, "WASI 0.2: copying a descriptor for the pool's image");
    }
    return copy;
  };
  if (const auto* in = std::get_if<InputStream>(&object)) {
    InputStream copy;
    copy.kind = in->kind;
    WASMHOST_ASSIGN_OR_RETURN(copy.file, duplicate(in->file.get()));
    copy.offset = in->offset;
    copy.closed = in->closed;
    return copy;
  }
  if (const auto* out = std::get_if<OutputStream>(&object)) {
    OutputStream copy;
    copy.kind = out->kind;
    copy.to_stderr = out->to_stderr;
    WASMHOST_ASSIGN_OR_RETURN(copy.file, duplicate(out->file.get()));
    copy.offset = out->offset;
    copy.append = out->append;
    copy.closed = out->closed;
    return copy;
  }
  if (const auto* descriptor = std::get_if<Descriptor>(&object)) {
    Descriptor copy;
    copy.preopen = descriptor->preopen;
    copy.is_dir = descriptor->is_dir;
    copy.read_only = descriptor->read_only;
    copy.read = descriptor->read;
    copy.write = descriptor->write;
    copy.mutate = descriptor->mutate;
    if (!descriptor->preopen.has_value()) {
      WASMHOST_ASSIGN_OR_RETURN(ScopedFd fd, duplicate(descriptor->host.get()));
      copy.host = HostFd(std::move(fd));
    } else if (into != nullptr) {
      if (*descriptor->preopen >= into->preopens().size()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "WASI 0.2: the pool's image holds preopen ", *descriptor->preopen,
            ", which this instance's WasiContext does not have"));
      }
      copy.host =
          HostFd::Borrow(into->preopens()[*descriptor->preopen].host.get());
    }
    return copy;
  }
  // The others own no host resource.
  if (const auto* pollable = std::get_if<Pollable>(&object)) return *pollable;
  if (const auto* list = std::get_if<DirectoryList>(&object)) return *list;
  if (const auto* error = std::get_if<IoError>(&object)) return *error;
  return std::get<Network>(object);
}

// What a fresh-state pool keeps of a 0.2 resource (HostResourceImage): a
// copy of the object, put back into the instance's table at the same rep.
component::HostResourceImage ObjectImage() {
  component::HostResourceImage image;
  image.capture =
      [](Caller& caller,
         uint32_t rep) -> absl::StatusOr<std::shared_ptr<const void>> {
    WASMHOST_ASSIGN_OR_RETURN(WasiContextImpl * context,
                              ContextOf(caller, "(the pool's image)"));
    const Object* object = context->resources().Find(rep);
    if (object == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "WASI 0.2: the component holds a handle to object ", rep,
          ", which its WasiContext no longer has (was the context reset "
          "before the pool's image was taken?)"));
    }
    WASMHOST_ASSIGN_OR_RETURN(Object copy, CopyObject(*object, nullptr));
    return std::make_shared<const Object>(std::move(copy));
  };
  image.restore = [](Caller& caller, uint32_t rep,
                     const void* captured) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(WasiContextImpl * context,
                              ContextOf(caller, "(the pool's image)"));
    // `captured` is what capture above made.
    WASMHOST_ASSIGN_OR_RETURN(
        Object copy,
        CopyObject(*static_cast<const Object*>(captured), context));
    if (!context->resources().Put(rep, std::move(copy))) {
      return absl::InternalError(
          absl::StrCat("WASI 0.2: object ", rep, " is beyond the table"));
    }
    return absl::OkStatus();
  };
  return image;
}

}  // namespace

absl::Status DefineFunc(component::Linker& linker, absl::string_view interface,
                        absl::string_view name, ContextFunc func) {
  std::string qualified = absl::StrCat(interface, "#", name);
  return linker.Instance(Interface(interface))
      .Define(name,
              [func = std::move(func), qualified](
                  Caller& caller, absl::Span<const Val> args,
                  std::vector<Val>& results) -> absl::Status {
                WASMHOST_ASSIGN_OR_RETURN(WasiContextImpl * context,
                                          ContextOf(caller, qualified));
                return func(*context, args, results);
              });
}

absl::Status DefineResource(component::Linker& linker,
                            absl::string_view interface,
                            absl::string_view name) {
  return linker.Instance(Interface(interface))
      .DefineResourceWithCaller(
          name,
          [](Caller& caller, uint32_t rep) -> absl::Status {
            auto* context =
                static_cast<WasiContextImpl*>(caller.context<WasiContext>());
            // Gone with a Reset already, or never made: nothing to drop.
            if (context != nullptr) context->resources().Remove(rep);
            return absl::OkStatus();
          },
          ObjectImage());
}

absl::StatusOr<Val> NewResource(WasiContextImpl& context, Object object) {
  std::optional<uint32_t> rep = context.resources().Add(std::move(object));
  if (!rep) {
    return absl::ResourceExhaustedError(
        absl::StrCat("WASI 0.2: more than ", Resources::kMaxObjects,
                     " streams, descriptors and pollables open at once"));
  }
  return Val::Own(*rep);
}

absl::StatusOr<Val> StreamFailed(WasiContextImpl& context, int32_t error,
                                 std::string message) {
  IoError io_error;
  io_error.message = std::move(message);
  io_error.code = ErrorCode(error);
  WASMHOST_ASSIGN_OR_RETURN(Val handle,
                            NewResource(context, std::move(io_error)));
  return Val::Variant(0, std::move(handle));
}

absl::Status AddIo(component::Linker& linker) {
  constexpr absl::string_view kError = "wasi:io/error";
  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kError, "error"));
  WASMHOST_RETURN_IF_ERROR(
      DefineFunc(linker, kError, "[method]error.to-debug-string",
                 [](WasiContextImpl& context, absl::Span<const Val> args,
                    std::vector<Val>& results) -> absl::Status {
                   WASMHOST_ASSIGN_OR_RETURN(
                       IoError * error, ResourceOf<IoError>(context, args[0]));
                   results.push_back(Val::String(error->message));
                   return absl::OkStatus();
                 }));

  constexpr absl::string_view kPoll = "wasi:io/poll";
  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kPoll, "pollable"));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, kPoll, "[method]pollable.ready",
      [](WasiContextImpl& context, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(Pollable * pollable,
                                  ResourceOf<Pollable>(context, args[0]));
        results.push_back(Val::Bool(Remaining(context, *pollable) == 0));
        return absl::OkStatus();
      }));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, kPoll, "[method]pollable.block",
      [](WasiContextImpl& context, absl::Span<const Val> args,
         std::vector<Val>&) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(Pollable * pollable,
                                  ResourceOf<Pollable>(context, args[0]));
        context.Wait(Remaining(context, *pollable));
        return absl::OkStatus();
      }));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, kPoll, "poll",
      [](WasiContextImpl& context, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        absl::Span<const Val> in = args[0].elements();
        if (in.empty()) {
          return absl::InvalidArgumentError("WASI 0.2: poll of no pollables");
        }
        std::vector<uint64_t> remaining;
        for (const Val& handle : in) {
          WASMHOST_ASSIGN_OR_RETURN(Pollable * pollable,
                                    ResourceOf<Pollable>(context, handle));
          remaining.push_back(Remaining(context, *pollable));
        }
        // Wait for the first to be ready (on the virtual clock, jump to
        // it), then report every one that is.
        uint64_t wait = *std::min_element(remaining.begin(), remaining.end());
        context.Wait(wait);
        std::vector<Val> ready;
        for (size_t i = 0; i < remaining.size(); ++i) {
          if (remaining[i] <= wait) {
            ready.push_back(Val::U32(static_cast<uint32_t>(i)));
          }
        }
        results.push_back(Val::List(std::move(ready)));
        return absl::OkStatus();
      }));

  constexpr absl::string_view kStreams = "wasi:io/streams";
  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kStreams, "input-stream"));
  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kStreams, "output-stream"));
  const std::pair<absl::string_view, ContextFunc> kMethods[] = {
      {"[method]input-stream.read", ReadMethod()},
      {"[method]input-stream.blocking-read", ReadMethod()},
      {"[method]input-stream.skip", SkipMethod()},
      {"[method]input-stream.blocking-skip", SkipMethod()},
      {"[method]input-stream.subscribe", ReadyPollable()},
      {"[method]output-stream.check-write", CheckWriteMethod()},
      {"[method]output-stream.write", WriteMethod()},
      {"[method]output-stream.blocking-write-and-flush", WriteMethod()},
      {"[method]output-stream.flush", FlushMethod()},
      {"[method]output-stream.blocking-flush", FlushMethod()},
      {"[method]output-stream.subscribe", ReadyPollable()},
      {"[method]output-stream.write-zeroes", WriteZeroesMethod()},
      {"[method]output-stream.blocking-write-zeroes-and-flush",
       WriteZeroesMethod()},
      {"[method]output-stream.splice", SpliceMethod()},
      {"[method]output-stream.blocking-splice", SpliceMethod()},
  };
  for (const auto& [name, func] : kMethods) {
    WASMHOST_RETURN_IF_ERROR(DefineFunc(linker, kStreams, name, func));
  }
  return absl::OkStatus();
}

absl::Status AddCli(component::Linker& linker) {
  constexpr absl::string_view kEnvironment = "wasi:cli/environment";
  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, kEnvironment, "get-environment",
      [](WasiContextImpl& context, absl::Span<const Val>,
         std::vector<Val>& results) {
        std::vector<Val> pairs;
        for (absl::string_view entry : context.env()) {
          size_t eq = entry.find('=');
          pairs.push_back(
              Val::Tuple({Val::String(std::string(entry.substr(0, eq))),
                          Val::String(std::string(entry.substr(eq + 1)))}));
        }
        results.push_back(Val::List(std::move(pairs)));
        return absl::OkStatus();
      }));
  WASMHOST_RETURN_IF_ERROR(
      DefineFunc(linker, kEnvironment, "get-arguments",
                 [](WasiContextImpl& context, absl::Span<const Val>,
                    std::vector<Val>& results) {
                   std::vector<Val> args;
                   for (const std::string& arg : context.args()) {
                     args.push_back(Val::String(arg));
                   }
                   results.push_back(Val::List(std::move(args)));
                   return absl::OkStatus();
                 }));
  WASMHOST_RETURN_IF_ERROR(
      DefineFunc(linker, kEnvironment, "initial-cwd", Returns(Val::None())));

  // Leaving needs no context: it is never a capability. The status (kind
  // kGuestExit) traps the guest, poisons the instance and reaches the
  // caller unchanged, as preview 1's proc_exit.
  component::LinkerInstance exit = linker.Instance(Interface("wasi:cli/exit"));
  WASMHOST_RETURN_IF_ERROR(exit.Define(
      "exit", [](Caller&, absl::Span<const Val> args, std::vector<Val>&) {
        return GuestExitStatus(args[0].case_index() == 0 ? 0 : 1);
      }));
  WASMHOST_RETURN_IF_ERROR(
      exit.Define("exit-with-code",
                  [](Caller&, absl::Span<const Val> args, std::vector<Val>&) {
                    return GuestExitStatus(args[0].u8());
                  }));

  WASMHOST_RETURN_IF_ERROR(
      DefineFunc(linker, "wasi:cli/stdin", "get-stdin", Stdio(true, false)));
  WASMHOST_RETURN_IF_ERROR(
      DefineFunc(linker, "wasi:cli/stdout", "get-stdout", Stdio(false, false)));
  WASMHOST_RETURN_IF_ERROR(
      DefineFunc(linker, "wasi:cli/stderr", "get-stderr", Stdio(false, true)));

  // stdio is never a terminal (as in preview 1): no terminal is handed out.
  WASMHOST_RETURN_IF_ERROR(
      DefineResource(linker, "wasi:cli/terminal-input", "terminal-input"));
  WASMHOST_RETURN_IF_ERROR(
      DefineResource(linker, "wasi:cli/terminal-output", "terminal-output"));
  for (absl::string_view name : {"stdin", "stdout", "stderr"}) {
    WASMHOST_RETURN_IF_ERROR(
        DefineFunc(linker, absl::StrCat("wasi:cli/terminal-", name),
                   absl::StrCat("get-terminal-", name), Returns(Val::None())));
  }
  return absl::OkStatus();
}

absl::Status AddClocksAndRandom(component::Linker& linker) {
  constexpr absl::string_view kMonotonic = "wasi:clocks/monotonic-clock";
  WASMHOST_RETURN_IF_ERROR(
      DefineFunc(linker, kMonotonic, "now",
                 Clock(abi::kClockMonotonic, false,
                       [](uint64_t n) { return Val::U64(n); })));
  WASMHOST_RETURN_IF_ERROR(
      DefineFunc(linker, kMonotonic, "resolution",
                 Clock(abi::kClockMonotonic, true,
                       [](uint64_t n) { return Val::U64(n); })));
  for (bool duration : {false, true}) {
    WASMHOST_RETURN_IF_ERROR(DefineFunc(
        linker, kMonotonic,
        duration ? "subscribe-duration" : "subscribe-instant",
        [duration](WasiContextImpl& context, absl::Span<const Val> args,
                   std::vector<Val>& results) -> absl::Status {
          uint64_t deadline = args[0].u64();
          if (duration) {
            uint64_t now = 0;
            (void)context.Now(abi::kClockMonotonic, /*tick=*/false, &now);
            deadline = now + std::min(deadline, UINT64_MAX - now);
          }
          WASMHOST_ASSIGN_OR_RETURN(Val pollable,
                                    NewResource(context, Pollable{deadline}));
          results.push_back(std::move(pollable));
          return absl::OkStatus();
        }));
  }
  constexpr absl::string_view kWall = "wasi:clocks/wall-clock";
  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, kWall, "now", Clock(abi::kClockRealtime, false, Datetime)));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, kWall, "resolution", Clock(abi::kClockRealtime, true, Datetime)));

  // insecure and insecure-seed draw from the same source as random: the
  // seeded stream when WasiOptions::random_seed is set, so seeded runs
  // stay reproducible whichever interface a guest uses.
  WASMHOST_RETURN_IF_ERROR(DefineFunc(linker, "wasi:random/random",
                                      "get-random-bytes", RandomList()));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(linker, "wasi:random/random",
                                      "get-random-u64", RandomU64Func()));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(linker, "wasi:random/insecure",
                                      "get-insecure-random-bytes",
                                      RandomList()));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(linker, "wasi:random/insecure",
                                      "get-insecure-random-u64",
                                      RandomU64Func()));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, "wasi:random/insecure-seed", "insecure-seed",
      [](WasiContextImpl& context, absl::Span<const Val>,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(uint64_t low, RandomU64(context));
        WASMHOST_ASSIGN_OR_RETURN(uint64_t high, RandomU64(context));
        results.push_back(Val::Tuple({Val::U64(low), Val::U64(high)}));
        return absl::OkStatus();
      }));
  return absl::OkStatus();
}

}  // namespace wasmhost::wasi::p2
