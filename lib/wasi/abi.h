// lib/wasi/abi.h: the wasi_snapshot_preview1 ABI: errno values, flags,
// rights bits and the byte layouts of the structs guests pass by pointer
// (from the preview 1 witx, "typenames.witx"). Little-endian, wasm32.

#ifndef WASMHOST_LIB_WASI_ABI_H_
#define WASMHOST_LIB_WASI_ABI_H_

#include <cstdint>

namespace wasmhost::wasi::abi {

// errno (u16 in the ABI; host functions return it as i32).
enum Errno : int32_t {
  kSuccess = 0,
  k2Big = 1,
  kAcces = 2,
  kAddrInUse = 3,
  kAddrNotAvail = 4,
  kAfNoSupport = 5,
  kAgain = 6,
  kAlready = 7,
  kBadf = 8,
  kBadMsg = 9,
  kBusy = 10,
  kCanceled = 11,
  kChild = 12,
  kConnAborted = 13,
  kConnRefused = 14,
  kConnReset = 15,
  kDeadlk = 16,
  kDestAddrReq = 17,
  kDom = 18,
  kDquot = 19,
  kExist = 20,
  kFault = 21,
  kFbig = 22,
  kHostUnreach = 23,
  kIdrm = 24,
  kIlseq = 25,
  kInProgress = 26,
  kIntr = 27,
  kInval = 28,
  kIo = 29,
  kIsConn = 30,
  kIsDir = 31,
  kLoop = 32,
  kMfile = 33,
  kMlink = 34,
  kMsgSize = 35,
  kMultihop = 36,
  kNameTooLong = 37,
  kNetDown = 38,
  kNetReset = 39,
  kNetUnreach = 40,
  kNfile = 41,
  kNoBufs = 42,
  kNoDev = 43,
  kNoEnt = 44,
  kNoExec = 45,
  kNoLck = 46,
  kNoLink = 47,
  kNoMem = 48,
  kNoMsg = 49,
  kNoProtoOpt = 50,
  kNoSpc = 51,
  kNoSys = 52,
  kNotConn = 53,
  kNotDir = 54,
  kNotEmpty = 55,
  kNotRecoverable = 56,
  kNotSock = 57,
  kNotSup = 58,
  kNotTy = 59,
  kNxio = 60,
  kOverflow = 61,
  kOwnerDead = 62,
  kPerm = 63,
  kPipe = 64,
  kProto = 65,
  kProtoNoSupport = 66,
  kProtoType = 67,
  kRange = 68,
  kRofs = 69,
  kSpipe = 70,
  kSrch = 71,
  kStale = 72,
  kTimedOut = 73,
  kTxtBsy = 74,
  kXdev = 75,
  kNotCapable = 76,
};

// filetype (u8).
enum Filetype : uint8_t {
  kFiletypeUnknown = 0,
  kFiletypeBlockDevice = 1,
  kFiletypeCharacterDevice = 2,
  kFiletypeDirectory = 3,
  kFiletypeRegularFile = 4,
  kFiletypeSocketDgram = 5,
  kFiletypeSocketStream = 6,
  kFiletypeSymbolicLink = 7,
};

// clockid (u32).
inline constexpr uint32_t kClockRealtime = 0;
inline constexpr uint32_t kClockMonotonic = 1;
inline constexpr uint32_t kClockProcessCputime = 2;
inline constexpr uint32_t kClockThreadCputime = 3;

// whence (u8).
inline constexpr uint32_t kWhenceSet = 0;
inline constexpr uint32_t kWhenceCur = 1;
inline constexpr uint32_t kWhenceEnd = 2;

// advice (u8): normal, sequential, random, willneed, dontneed, noreuse.
inline constexpr uint32_t kAdviceMax = 5;

// fdflags (u16).
inline constexpr uint32_t kFdflagAppend = 1 << 0;
inline constexpr uint32_t kFdflagDsync = 1 << 1;
inline constexpr uint32_t kFdflagNonblock = 1 << 2;
inline constexpr uint32_t kFdflagRsync = 1 << 3;
inline constexpr uint32_t kFdflagSync = 1 << 4;
inline constexpr uint32_t kFdflagsAll = 0x1f;

// oflags (u16).
inline constexpr uint32_t kOflagCreat = 1 << 0;
inline constexpr uint32_t kOflagDirectory = 1 << 1;
inline constexpr uint32_t kOflagExcl = 1 << 2;
inline constexpr uint32_t kOflagTrunc = 1 << 3;

// lookupflags (u32).
inline constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

// fstflags (u16).
inline constexpr uint32_t kFstAtim = 1 << 0;
inline constexpr uint32_t kFstAtimNow = 1 << 1;
inline constexpr uint32_t kFstMtim = 1 << 2;
inline constexpr uint32_t kFstMtimNow = 1 << 3;

// rights (u64).
inline constexpr uint64_t kRightFdDatasync = 1ull << 0;
inline constexpr uint64_t kRightFdRead = 1ull << 1;
inline constexpr uint64_t kRightFdSeek = 1ull << 2;
inline constexpr uint64_t kRightFdFdstatSetFlags = 1ull << 3;
inline constexpr uint64_t kRightFdSync = 1ull << 4;
inline constexpr uint64_t kRightFdTell = 1ull << 5;
inline constexpr uint64_t kRightFdWrite = 1ull << 6;
inline constexpr uint64_t kRightFdAdvise = 1ull << 7;
inline constexpr uint64_t kRightFdAllocate = 1ull << 8;
inline constexpr uint64_t kRightPathCreateDirectory = 1ull << 9;
inline constexpr uint64_t kRightPathCreateFile = 1ull << 10;
inline constexpr uint64_t kRightPathLinkSource = 1ull << 11;
inline constexpr uint64_t kRightPathLinkTarget = 1ull << 12;
inline constexpr uint64_t kRightPathOpen = 1ull << 13;
inline constexpr uint64_t kRightFdReaddir = 1ull << 14;
inline constexpr uint64_t kRightPathReadlink = 1ull << 15;
inline constexpr uint64_t kRightPathRenameSource = 1ull << 16;
inline constexpr uint64_t kRightPathRenameTarget = 1ull << 17;
inline constexpr uint64_t kRightPathFilestatGet = 1ull << 18;
inline constexpr uint64_t kRightPathFilestatSetSize = 1ull << 19;
inline constexpr uint64_t kRightPathFilestatSetTimes = 1ull << 20;
inline constexpr uint64_t kRightFdFilestatGet = 1ull << 21;
inline constexpr uint64_t kRightFdFilestatSetSize = 1ull << 22;
inline constexpr uint64_t kRightFdFilestatSetTimes = 1ull << 23;
inline constexpr uint64_t kRightPathSymlink = 1ull << 24;
inline constexpr uint64_t kRightPathRemoveDirectory = 1ull << 25;
inline constexpr uint64_t kRightPathUnlinkFile = 1ull << 26;
inline constexpr uint64_t kRightPollFdReadwrite = 1ull << 27;
inline constexpr uint64_t kRightSockShutdown = 1ull << 28;
inline constexpr uint64_t kRightSockAccept = 1ull << 29;

// What a regular file can be granted.
inline constexpr uint64_t kFileRights =
    kRightFdDatasync | kRightFdRead | kRightFdSeek | kRightFdFdstatSetFlags |
    kRightFdSync | kRightFdTell | kRightFdWrite | kRightFdAdvise |
    kRightFdAllocate | kRightFdFilestatGet | kRightFdFilestatSetSize |
    kRightFdFilestatSetTimes | kRightPollFdReadwrite;
// What a directory can be granted.
inline constexpr uint64_t kDirRights =
    kRightFdFdstatSetFlags | kRightFdSync | kRightFdDatasync | kRightFdAdvise |
    kRightPathCreateDirectory | kRightPathCreateFile | kRightPathLinkSource |
    kRightPathLinkTarget | kRightPathOpen | kRightFdReaddir |
    kRightPathReadlink | kRightPathRenameSource | kRightPathRenameTarget |
    kRightPathFilestatGet | kRightPathFilestatSetSize |
    kRightPathFilestatSetTimes | kRightFdFilestatGet |
    kRightFdFilestatSetTimes | kRightPathSymlink | kRightPathRemoveDirectory |
    kRightPathUnlinkFile;
// Rights that change the filesystem: never granted below a read-only
// preopen.
inline constexpr uint64_t kWriteRights =
    kRightFdWrite | kRightFdAllocate | kRightFdFilestatSetSize |
    kRightFdFilestatSetTimes | kRightPathCreateDirectory |
    kRightPathCreateFile | kRightPathLinkSource | kRightPathLinkTarget |
    kRightPathRenameSource | kRightPathRenameTarget |
    kRightPathFilestatSetSize | kRightPathFilestatSetTimes | kRightPathSymlink |
    kRightPathRemoveDirectory | kRightPathUnlinkFile;

// preopentype (u8).
inline constexpr uint8_t kPreopentypeDir = 0;

// eventtype (u8).
inline constexpr uint8_t kEventtypeClock = 0;
inline constexpr uint8_t kEventtypeFdRead = 1;
inline constexpr uint8_t kEventtypeFdWrite = 2;

// subclockflags (u16).
inline constexpr uint32_t kSubscriptionClockAbstime = 1 << 0;

// Struct layouts: sizes and field offsets in bytes.
// iovec / ciovec: buf u32 @0, buf_len u32 @4.
inline constexpr uint32_t kIovecSize = 8;
// fdstat: fs_filetype u8 @0, fs_flags u16 @2, fs_rights_base u64 @8,
// fs_rights_inheriting u64 @16.
inline constexpr uint32_t kFdstatSize = 24;
// filestat: dev @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40,
// mtim @48, ctim @56 (all u64 but filetype).
inline constexpr uint32_t kFilestatSize = 64;
// prestat: tag u8 @0, dir.pr_name_len u32 @4.
inline constexpr uint32_t kPrestatSize = 8;
// dirent: d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20;
// the name follows the 24 bytes.
inline constexpr uint32_t kDirentSize = 24;
// subscription: userdata u64 @0, tag u8 @8, then at @16 either
// clock {id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40} or
// fd_readwrite {file_descriptor u32 @16}.
inline constexpr uint32_t kSubscriptionSize = 48;
// event: userdata u64 @0, error u16 @8, type u8 @10,
// fd_readwrite {nbytes u64 @16, flags u16 @24}.
inline constexpr uint32_t kEventSize = 32;

}  // namespace wasmhost::wasi::abi

#endif  // WASMHOST_LIB_WASI_ABI_H_
