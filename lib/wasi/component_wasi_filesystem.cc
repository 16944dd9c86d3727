// WASI 0.2's wasi:filesystem (types, preopens) on the preview-1 context's
// preopens: the same host directories, read-only rule and path resolution
// (path.h: every path is opened by the kernel with RESOLVE_BENEATH below a
// descriptor, so ".." and symlinks cannot leave it, and no error names a
// host path). Functions beyond what the WASI adapters and common guests
// use (set-times, set-times-at, link-at) return `unsupported`.

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/wasi/abi.h"
#include "lib/wasi/component_wasi.h"
#include "lib/wasi/host_io.h"
#include "lib/wasi/path.h"

namespace wasmhost::wasi::p2 {
namespace {

constexpr absl::string_view kTypes = "wasi:filesystem/types";

// descriptor-type's cases.
enum DescriptorType : uint32_t {
  kUnknown = 0,
  kBlockDevice = 1,
  kCharacterDevice = 2,
  kDirectory = 3,
  kFifo = 4,
  kSymbolicLink = 5,
  kRegularFile = 6,
  kSocket = 7,
};

// descriptor-flags' bits.
constexpr uint32_t kFlagRead = 1 << 0;
constexpr uint32_t kFlagWrite = 1 << 1;
constexpr uint32_t kFlagMutateDirectory = 1 << 5;
// open-flags' bits.
constexpr uint32_t kOpenCreate = 1 << 0;
constexpr uint32_t kOpenDirectory = 1 << 1;
constexpr uint32_t kOpenExclusive = 1 << 2;
constexpr uint32_t kOpenTruncate = 1 << 3;
// path-flags' symlink-follow.
constexpr uint32_t kSymlinkFollow = 1 << 0;

uint32_t TypeOfFiletype(uint8_t filetype) {
  switch (filetype) {
    case abi::kFiletypeBlockDevice:
      return kBlockDevice;
    case abi::kFiletypeCharacterDevice:
      return kCharacterDevice;
    case abi::kFiletypeDirectory:
      return kDirectory;
    case abi::kFiletypeRegularFile:
      return kRegularFile;
    case abi::kFiletypeSymbolicLink:
      return kSymbolicLink;
    case abi::kFiletypeSocketDgram:
    case abi::kFiletypeSocketStream:
      return kSocket;
    default:
      return kUnknown;
  }
}

uint32_t TypeOfMode(mode_t mode) {
  if (S_ISFIFO(mode)) return kFifo;
  return TypeOfFiletype(FiletypeOf(mode));
}

Val OptionalDatetime(const struct timespec& ts) {
  return Val::Some(Val::Record(
      {{"seconds", Val::U64(static_cast<uint64_t>(ts.tv_sec))},
       {"nanoseconds", Val::U32(static_cast<uint32_t>(ts.tv_nsec))}}));
}

Val DescriptorStat(const struct stat& st) {
  return Val::Record(
      {{"type", Val::Enum(TypeOfMode(st.st_mode))},
       {"link-count", Val::U64(st.st_nlink)},
       {"size", Val::U64(static_cast<uint64_t>(st.st_size))},
       {"data-access-timestamp", OptionalDatetime(st.st_atim)},
       {"data-modification-timestamp", OptionalDatetime(st.st_mtim)},
       {"status-change-timestamp", OptionalDatetime(st.st_ctim)}});
}

// A hash that is the same for the same file: its inode and device.
Val MetadataHash(const struct stat& st) {
  return Val::Record(
      {{"lower", Val::U64(st.st_ino)}, {"upper", Val::U64(st.st_dev)}});
}

// What a descriptor method body returns: its result Val, or a WASI errno
// (given to the guest as Err(error-code)).
struct Outcome {
  Outcome(Val v) : value(std::move(v)) {}  // NOLINT: implicit by design.
  Outcome(abi::Errno e) : error(e) {}      // NOLINT
  static Outcome Errno(int32_t e) {
    return Outcome(static_cast<abi::Errno>(e));
  }
  // Ok without a payload (result<_, error-code>).
  static Outcome Unit() { return Outcome(abi::kSuccess); }
  std::optional<Val> value;
  abi::Errno error = abi::kSuccess;
};

using DescriptorBody = std::function<absl::StatusOr<Outcome>(
    WasiContextImpl&, Descriptor&, absl::Span<const Val>)>;

// A descriptor method: args[0] is the descriptor; an errno becomes
// Err(error-code), a value Ok(value) unless `raw` (is-same-object).
ContextFunc Method(DescriptorBody body, bool raw = false) {
  return [body = std::move(body), raw](
             WasiContextImpl& context, absl::Span<const Val> args,
             std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(Descriptor * self,
                              ResourceOf<Descriptor>(context, args[0]));
    WASMHOST_ASSIGN_OR_RETURN(Outcome outcome, body(context, *self, args));
    if (outcome.error != abi::kSuccess) {
      results.push_back(ErrorResult(outcome.error));
    } else if (raw) {
      results.push_back(*std::move(outcome.value));
    } else {
      results.push_back(Val::Ok(std::move(outcome.value)));
    }
    return absl::OkStatus();
  };
}

// A path argument below directory descriptor `dir`, checked and split,
// with the parent directory opened (beneath `dir`).
struct PathAt {
  SplitPathResult split;
  HostFd parent;
};

abi::Errno ResolveParent(const Descriptor& dir, const std::string& path,
                         PathAt* out) {
  if (!dir.is_dir) return abi::kNotDir;
  if (abi::Errno e = CheckPath(path)) return e;
  out->split = SplitPath(path);
  return OpenParent(dir.host.get(), out->split.parent, &out->parent);
}

// Changing anything below `dir` needs it writable: below a read-only
// preopen the guest gets read-only (EROFS).
abi::Errno CheckMutable(const Descriptor& dir) {
  if (!dir.is_dir) return abi::kNotDir;
  if (dir.read_only || !dir.mutate) return abi::kRofs;
  return abi::kSuccess;
}

bool IsDotOrDotDot(const std::string& name) {
  return name == "." || name == "..";
}

absl::StatusOr<Outcome> OpenAt(WasiContextImpl& context, Descriptor& dir,
                               absl::Span<const Val> args) {
  const uint32_t path_flags = args[1].flags();
  const std::string& path = args[2].string();
  const uint32_t open_flags = args[3].flags();
  const uint32_t flags = args[4].flags();
  if (!dir.is_dir) return Outcome(abi::kNotDir);
  if (abi::Errno e = CheckPath(path)) return Outcome(e);
  const bool write = (flags & kFlagWrite) != 0;
  const bool changes = write || (open_flags & (kOpenCreate | kOpenTruncate)) ||
                       (flags & kFlagMutateDirectory);
  if (changes && (dir.read_only || !dir.mutate)) return Outcome(abi::kRofs);
  const bool read = (flags & kFlagRead) != 0;
  int host_flags = O_NOCTTY | (write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY);
  if (open_flags & kOpenCreate) host_flags |= O_CREAT;
  if (open_flags & kOpenDirectory) host_flags |= O_DIRECTORY;
  if (open_flags & kOpenExclusive) host_flags |= O_EXCL;
  if (open_flags & kOpenTruncate) host_flags |= O_TRUNC;
  if ((path_flags & kSymlinkFollow) == 0) host_flags |= O_NOFOLLOW;
  abi::Errno error = abi::kSuccess;
  ScopedFd host(OpenBeneath(dir.host.get(), path, host_flags, 0666, &error));
  if (!host.valid()) return Outcome(error);
  struct stat st;
  if (::fstat(host.get(), &st) != 0) return Outcome::Errno(HostError());
  Descriptor opened;
  opened.host = HostFd(std::move(host));
  opened.is_dir = S_ISDIR(st.st_mode);
  opened.read_only = dir.read_only;
  opened.read = read;
  opened.write = write;
  opened.mutate = opened.is_dir && !dir.read_only && dir.mutate &&
                  (flags & kFlagMutateDirectory) != 0;
  WASMHOST_ASSIGN_OR_RETURN(Val handle,
                            NewResource(context, std::move(opened)));
  return Outcome(std::move(handle));
}

// A stream over the file `self` at `offset`, with a descriptor of its own
// (the stream outlives a dropped descriptor, as WASI allows).
absl::StatusOr<Outcome> FileStream(WasiContextImpl& context, Descriptor& self,
                                   uint64_t offset, bool output, bool append) {
  if (self.is_dir) return Outcome(abi::kIsDir);
  if (output ? !self.write : !self.read) return Outcome(abi::kBadf);
  ScopedFd file = Duplicate(self.host.get());
  if (!file.valid()) return Outcome::Errno(HostError());
  Object object;
  if (output) {
    OutputStream stream;
    stream.kind = StreamKind::kFile;
    stream.file = std::move(file);
    stream.offset = offset;
    stream.append = append;
    object = std::move(stream);
  } else {
    InputStream stream;
    stream.kind = StreamKind::kFile;
    stream.file = std::move(file);
    stream.offset = offset;
    object = std::move(stream);
  }
  WASMHOST_ASSIGN_OR_RETURN(Val handle,
                            NewResource(context, std::move(object)));
  return Outcome(std::move(handle));
}

absl::StatusOr<Outcome> ReadDirectory(WasiContextImpl& context,
                                      Descriptor& self, absl::Span<const Val>) {
  if (!self.is_dir) return Outcome(abi::kNotDir);
  std::vector<HostDirEntry> host;
  if (int32_t e = ListDirectory(self.host.get(), &host)) {
    return Outcome::Errno(e);
  }
  DirectoryList list;
  for (HostDirEntry& entry : host) {
    // WASI 0.2 lists neither "." nor "..".
    if (IsDotOrDotDot(entry.name)) continue;
    list.entries.push_back({std::move(entry.name),
                            static_cast<uint8_t>(TypeOfFiletype(entry.type))});
  }
  WASMHOST_ASSIGN_OR_RETURN(Val handle, NewResource(context, std::move(list)));
  return Outcome(std::move(handle));
}

// What a method gives of a stat: DescriptorStat, MetadataHash or TypeOf.
using StatResult = Val (*)(const struct stat& st);

Val TypeOf(const struct stat& st) { return Val::Enum(TypeOfMode(st.st_mode)); }

// A method giving `result` of the descriptor's own stat.
ContextFunc StatMethod(StatResult result) {
  return Method([result](WasiContextImpl&, Descriptor& self,
                         absl::Span<const Val>) -> absl::StatusOr<Outcome> {
    struct stat st;
    if (::fstat(self.host.get(), &st) != 0) {
      return Outcome::Errno(HostError());
    }
    return Outcome(result(st));
  });
}

// stat-at's and metadata-hash-at's lookup.
abi::Errno StatAt(const Descriptor& dir, absl::Span<const Val> args,
                  struct stat* st) {
  if (!dir.is_dir) return abi::kNotDir;
  const std::string& path = args[2].string();
  if (abi::Errno e = CheckPath(path)) return e;
  return StatBeneath(dir.host.get(), path,
                     (args[1].flags() & kSymlinkFollow) != 0, st);
}

// A method giving `result` of the stat of path args[2] below the
// directory.
ContextFunc StatAtMethod(StatResult result) {
  return Method(
      [result](WasiContextImpl&, Descriptor& self,
               absl::Span<const Val> args) -> absl::StatusOr<Outcome> {
        struct stat st;
        if (abi::Errno e = StatAt(self, args, &st)) return Outcome(e);
        return Outcome(result(st));
      });
}

// A method syncing a file with `sync` (fsync or fdatasync); a directory
// has nothing to sync.
ContextFunc SyncMethod(int (*sync)(int fd)) {
  return Method([sync](WasiContextImpl&, Descriptor& self,
                       absl::Span<const Val>) -> absl::StatusOr<Outcome> {
    if (!self.is_dir && sync(self.host.get()) != 0) {
      return Outcome::Errno(HostError());
    }
    return Outcome::Unit();
  });
}

// A method that changes the entry `path` (args[1]) below the directory.
using EntryChange = int (*)(int parent, const char* name);

ContextFunc ChangeEntry(EntryChange change) {
  return Method(
      [change](WasiContextImpl&, Descriptor& self,
               absl::Span<const Val> args) -> absl::StatusOr<Outcome> {
        if (abi::Errno e = CheckMutable(self)) return Outcome(e);
        PathAt at;
        if (abi::Errno e = ResolveParent(self, args[1].string(), &at)) {
          return Outcome(e);
        }
        if (IsDotOrDotDot(at.split.last)) return Outcome(abi::kInval);
        if (change(at.parent.get(), at.split.last.c_str()) != 0) {
          return Outcome::Errno(HostError());
        }
        return Outcome::Unit();
      });
}

ContextFunc Unsupported() {
  return Method([](WasiContextImpl&, Descriptor&,
                   absl::Span<const Val>) -> absl::StatusOr<Outcome> {
    return Outcome(abi::kNotSup);
  });
}

}  // namespace

uint32_t ErrorCode(int32_t error) {
  // error-code's cases, in the WIT's order.
  enum : uint32_t {
    kAccess,
    kWouldBlock,
    kAlready,
    kBadDescriptor,
    kBusy,
    kDeadlock,
    kQuota,
    kExist,
    kFileTooLarge,
    kIllegalByteSequence,
    kInProgress,
    kInterrupted,
    kInvalid,
    kIo,
    kIsDirectory,
    kLoop,
    kTooManyLinks,
    kMessageSize,
    kNameTooLong,
    kNoDevice,
    kNoEntry,
    kNoLock,
    kInsufficientMemory,
    kInsufficientSpace,
    kNotDirectory,
    kNotEmpty,
    kNotRecoverable,
    kUnsupported,
    kNoTty,
    kNoSuchDevice,
    kOverflow,
    kNotPermitted,
    kPipe,
    kReadOnly,
    kInvalidSeek,
    kTextFileBusy,
    kCrossDevice,
  };
  switch (error) {
    case abi::kAcces:
      return kAccess;
    case abi::kAgain:
      return kWouldBlock;
    case abi::kAlready:
      return kAlready;
    case abi::kBadf:
      return kBadDescriptor;
    case abi::kBusy:
      return kBusy;
    case abi::kDeadlk:
      return kDeadlock;
    case abi::kDquot:
      return kQuota;
    case abi::kExist:
      return kExist;
    case abi::kFbig:
      return kFileTooLarge;
    case abi::kIlseq:
      return kIllegalByteSequence;
    case abi::kInProgress:
      return kInProgress;
    case abi::kIntr:
      return kInterrupted;
    case abi::kInval:
      return kInvalid;
    case abi::kIsDir:
      return kIsDirectory;
    case abi::kLoop:
      return kLoop;
    case abi::kMlink:
      return kTooManyLinks;
    case abi::kMsgSize:
      return kMessageSize;
    case abi::kNameTooLong:
      return kNameTooLong;
    case abi::kNoDev:
      return kNoDevice;
    case abi::kNoEnt:
      return kNoEntry;
    case abi::kNoLck:
      return kNoLock;
    case abi::kNoMem:
      return kInsufficientMemory;
    case abi::kNoSpc:
      return kInsufficientSpace;
    case abi::kNotDir:
      return kNotDirectory;
    case abi::kNotEmpty:
      return kNotEmpty;
    case abi::kNotRecoverable:
      return kNotRecoverable;
    case abi::kNotSup:
    case abi::kNoSys:
      return kUnsupported;
    case abi::kNotTy:
      return kNoTty;
    case abi::kNxio:
      return kNoSuchDevice;
    case abi::kOverflow:
      return kOverflow;
    // An escape from a preopen (preview 1's ENOTCAPABLE) is not-permitted.
    case abi::kPerm:
    case abi::kNotCapable:
      return kNotPermitted;
    case abi::kPipe:
      return kPipe;
    case abi::kRofs:
      return kReadOnly;
    case abi::kSpipe:
      return kInvalidSeek;
    case abi::kTxtBsy:
      return kTextFileBusy;
    case abi::kXdev:
      return kCrossDevice;
    default:
      return kIo;
  }
}

absl::Status AddFilesystem(component::Linker& linker) {
  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "descriptor"));
  WASMHOST_RETURN_IF_ERROR(
      DefineResource(linker, kTypes, "directory-entry-stream"));
  using Body = absl::StatusOr<Outcome>;
  const std::pair<absl::string_view, ContextFunc> kMethods[] = {
      {"read-via-stream", Method([](WasiContextImpl& c, Descriptor& self,
                                    absl::Span<const Val> args) {
         return FileStream(c, self, args[1].u64(), false, false);
       })},
      {"write-via-stream", Method([](WasiContextImpl& c, Descriptor& self,
                                     absl::Span<const Val> args) {
         return FileStream(c, self, args[1].u64(), true, false);
       })},
      {"append-via-stream",
       Method([](WasiContextImpl& c, Descriptor& self, absl::Span<const Val>) {
         return FileStream(c, self, 0, true, true);
       })},
      {"advise",
       Method([](WasiContextImpl&, Descriptor&, absl::Span<const Val>) -> Body {
         return Outcome::Unit();  // Only a hint.
       })},
      {"sync-data", SyncMethod(::fdatasync)},
      {"sync", SyncMethod(::fsync)},
      {"get-flags", Method([](WasiContextImpl&, Descriptor& self,
                              absl::Span<const Val>) -> Body {
         uint32_t flags = (self.read ? kFlagRead : 0) |
                          (self.write ? kFlagWrite : 0) |
                          (self.mutate ? kFlagMutateDirectory : 0);
         return Outcome(Val::Flags(flags));
       })},
      {"get-type", StatMethod(TypeOf)},
      {"set-size", Method([](WasiContextImpl&, Descriptor& self,
                             absl::Span<const Val> args) -> Body {
         if (self.is_dir) return Outcome(abi::kIsDir);
         if (!self.write) return Outcome(abi::kBadf);
         if (args[1].u64() > INT64_MAX) return Outcome(abi::kInval);
         if (::ftruncate(self.host.get(), static_cast<off_t>(args[1].u64())) !=
             0) {
           return Outcome::Errno(HostError());
         }
         return Outcome::Unit();
       })},
      {"read", Method([](WasiContextImpl&, Descriptor& self,
                         absl::Span<const Val> args) -> Body {
         if (self.is_dir) return Outcome(abi::kIsDir);
         if (!self.read) return Outcome(abi::kBadf);
         std::string buffer(std::min<uint64_t>(args[1].u64(), 1 << 20), '\0');
         ssize_t n;
         do {
           n = ::pread(self.host.get(), buffer.data(), buffer.size(),
                       static_cast<off_t>(args[2].u64()));
         } while (n < 0 && errno == EINTR);
         if (n < 0) return Outcome::Errno(HostError());
         const bool end = n == 0 && !buffer.empty();
         buffer.resize(static_cast<size_t>(n));
         return Outcome(
             Val::Tuple({Val::Bytes(std::move(buffer)), Val::Bool(end)}));
       })},
      {"write", Method([](WasiContextImpl&, Descriptor& self,
                          absl::Span<const Val> args) -> Body {
         if (self.is_dir) return Outcome(abi::kIsDir);
         if (!self.write) return Outcome(abi::kBadf);
         const absl::string_view bytes = args[1].bytes();
         ssize_t n;
         do {
           n = ::pwrite(self.host.get(), bytes.data(), bytes.size(),
                        static_cast<off_t>(args[2].u64()));
         } while (n < 0 && errno == EINTR);
         if (n < 0) return Outcome::Errno(HostError());
         return Outcome(Val::U64(static_cast<uint64_t>(n)));
       })},
      {"read-directory", Method(ReadDirectory)},
      {"create-directory-at", ChangeEntry([](int parent, const char* name) {
         return ::mkdirat(parent, name, 0777);
       })},
      {"stat", StatMethod(DescriptorStat)},
      {"stat-at", StatAtMethod(DescriptorStat)},
      {"set-times", Unsupported()},
      {"set-times-at", Unsupported()},
      {"link-at", Unsupported()},
      {"open-at", Method(OpenAt)},
      {"readlink-at", Method([](WasiContextImpl&, Descriptor& self,
                                absl::Span<const Val> args) -> Body {
         PathAt at;
         if (abi::Errno e = ResolveParent(self, args[1].string(), &at)) {
           return Outcome(e);
         }
         std::vector<char> target(PATH_MAX);
         ssize_t n = ::readlinkat(at.parent.get(), at.split.last.c_str(),
                                  target.data(), target.size());
         if (n < 0) return Outcome::Errno(HostError());
         return Outcome(
             Val::String(std::string(target.data(), static_cast<size_t>(n))));
       })},
      {"remove-directory-at", ChangeEntry([](int parent, const char* name) {
         return ::unlinkat(parent, name, AT_REMOVEDIR);
       })},
      {"rename-at", Method([](WasiContextImpl& c, Descriptor& self,
                              absl::Span<const Val> args) -> Body {
         WASMHOST_ASSIGN_OR_RETURN(Descriptor * to_dir,
                                   ResourceOf<Descriptor>(c, args[2]));
         if (abi::Errno e = CheckMutable(self)) return Outcome(e);
         if (abi::Errno e = CheckMutable(*to_dir)) return Outcome(e);
         PathAt from;
         PathAt to;
         if (abi::Errno e = ResolveParent(self, args[1].string(), &from)) {
           return Outcome(e);
         }
         if (abi::Errno e = ResolveParent(*to_dir, args[3].string(), &to)) {
           return Outcome(e);
         }
         if (IsDotOrDotDot(from.split.last) || IsDotOrDotDot(to.split.last)) {
           return Outcome(abi::kBusy);
         }
         if (::renameat(from.parent.get(), from.split.last.c_str(),
                        to.parent.get(), to.split.last.c_str()) != 0) {
           return Outcome::Errno(HostError());
         }
         return Outcome::Unit();
       })},
      {"symlink-at", Method([](WasiContextImpl&, Descriptor& self,
                               absl::Span<const Val> args) -> Body {
         // The target is only text: resolving through the link happens
         // below a descriptor, where an absolute or escaping target fails.
         const std::string& target = args[1].string();
         if (target.empty()) return Outcome(abi::kNoEnt);
         if (target.find('\0') != std::string::npos)
           return Outcome(abi::kIlseq);
         if (abi::Errno e = CheckMutable(self)) return Outcome(e);
         PathAt at;
         if (abi::Errno e = ResolveParent(self, args[2].string(), &at)) {
           return Outcome(e);
         }
         if (IsDotOrDotDot(at.split.last)) return Outcome(abi::kExist);
         if (::symlinkat(target.c_str(), at.parent.get(),
                         at.split.last.c_str()) != 0) {
           return Outcome::Errno(HostError());
         }
         return Outcome::Unit();
       })},
      {"unlink-file-at", ChangeEntry([](int parent, const char* name) {
         return ::unlinkat(parent, name, 0);
       })},
      {"is-same-object",
       Method(
           [](WasiContextImpl& c, Descriptor& self,
              absl::Span<const Val> args) -> Body {
             WASMHOST_ASSIGN_OR_RETURN(Descriptor * other,
                                       ResourceOf<Descriptor>(c, args[1]));
             struct stat a;
             struct stat b;
             bool same = ::fstat(self.host.get(), &a) == 0 &&
                         ::fstat(other->host.get(), &b) == 0 &&
                         a.st_ino == b.st_ino && a.st_dev == b.st_dev;
             return Outcome(Val::Bool(same));
           },
           /*raw=*/true)},
      {"metadata-hash", StatMethod(MetadataHash)},
      {"metadata-hash-at", StatAtMethod(MetadataHash)},
  };
  for (const auto& [name, func] : kMethods) {
    WASMHOST_RETURN_IF_ERROR(DefineFunc(
        linker, kTypes, absl::StrCat("[method]descriptor.", name), func));
  }
  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, kTypes, "[method]directory-entry-stream.read-directory-entry",
      [](WasiContextImpl& context, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(DirectoryList * list,
                                  ResourceOf<DirectoryList>(context, args[0]));
        if (list->next == list->entries.size()) {
          results.push_back(Val::Ok(Val::None()));
          return absl::OkStatus();
        }
        const DirectoryList::Entry& entry = list->entries[list->next++];
        results.push_back(Val::Ok(
            Val::Some(Val::Record({{"type", Val::Enum(entry.type)},
                                   {"name", Val::String(entry.name)}}))));
        return absl::OkStatus();
      }));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, kTypes, "filesystem-error-code",
      [](WasiContextImpl& context, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(IoError * error,
                                  ResourceOf<IoError>(context, args[0]));
        results.push_back(error->code ? Val::Some(Val::Enum(*error->code))
                                      : Val::None());
        return absl::OkStatus();
      }));

  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, "wasi:filesystem/preopens", "get-directories",
      [](WasiContextImpl& context, absl::Span<const Val>,
         std::vector<Val>& results) -> absl::Status {
        std::vector<Val> list;
        for (uint32_t i = 0; i < context.preopens().size(); ++i) {
          const WasiContextImpl::PreopenDir& preopen = context.preopens()[i];
          Descriptor dir;
          dir.host = HostFd::Borrow(preopen.host.get());
          dir.preopen = i;
          dir.is_dir = true;
          dir.read_only = preopen.read_only;
          dir.read = true;
          dir.write = false;
          dir.mutate = !preopen.read_only;
          WASMHOST_ASSIGN_OR_RETURN(Val handle,
                                    NewResource(context, std::move(dir)));
          list.push_back(
              Val::Tuple({std::move(handle), Val::String(preopen.name)}));
        }
        results.push_back(Val::List(std::move(list)));
        return absl::OkStatus();
      }));
  return absl::OkStatus();
}

}  // namespace wasmhost::wasi::p2
