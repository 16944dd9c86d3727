#include "lib/wasi/errno.h"

#include <cerrno>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "lib/wasi/abi.h"

namespace wasmhost::wasi {
namespace {

TEST(ErrnoTest, MapsByNameNotByNumber) {
  EXPECT_EQ(FromHostErrno(0), abi::kSuccess);
  EXPECT_EQ(FromHostErrno(EBADF), 8);
  EXPECT_EQ(FromHostErrno(EEXIST), 20);
  EXPECT_EQ(FromHostErrno(EFAULT), 21);
  EXPECT_EQ(FromHostErrno(EINVAL), 28);
  EXPECT_EQ(FromHostErrno(EISDIR), 31);
  EXPECT_EQ(FromHostErrno(ELOOP), 32);
  EXPECT_EQ(FromHostErrno(ENOENT), 44);
  EXPECT_EQ(FromHostErrno(ENOSYS), 52);
  EXPECT_EQ(FromHostErrno(ENOTDIR), 54);
  EXPECT_EQ(FromHostErrno(ENOTEMPTY), 55);
  EXPECT_EQ(FromHostErrno(ENOTSUP), 58);
  EXPECT_EQ(FromHostErrno(EPERM), 63);
  EXPECT_EQ(FromHostErrno(ESPIPE), 70);
  EXPECT_EQ(FromHostErrno(EXDEV), 75);
  EXPECT_EQ(abi::kNotCapable, 76);
}

TEST(ErrnoTest, UnnamedHostErrnoIsEio) {
  EXPECT_EQ(FromHostErrno(ECHRNG), abi::kIo);
  EXPECT_EQ(FromHostErrno(EKEYEXPIRED), abi::kIo);
}

TEST(ErrnoTest, SinkStatusesMapBackToTheHostErrnoTheyCameFrom) {
  EXPECT_EQ(FromStatus(absl::OkStatus()), abi::kSuccess);
  // What a sink writing to a host descriptor returns (OutputSink::ToFd).
  EXPECT_EQ(FromStatus(absl::ErrnoToStatus(EPIPE, "w")), abi::kPipe);
  EXPECT_EQ(FromStatus(absl::ErrnoToStatus(ENOSPC, "w")), abi::kNoSpc);
  EXPECT_EQ(FromStatus(absl::ErrnoToStatus(EFBIG, "w")), abi::kFbig);
  EXPECT_EQ(FromStatus(absl::ErrnoToStatus(EACCES, "w")), abi::kAcces);
  EXPECT_EQ(FromStatus(absl::ErrnoToStatus(EIO, "w")), abi::kIo);
  // Codes no host errno explains.
  EXPECT_EQ(FromStatus(absl::UnavailableError("gone")), abi::kIo);
  EXPECT_EQ(FromStatus(absl::InternalError("bug")), abi::kIo);
  EXPECT_EQ(FromStatus(absl::CancelledError("stop")), abi::kIo);
}

}  // namespace
}  // namespace wasmhost::wasi
