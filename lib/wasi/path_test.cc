#include "lib/wasi/path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "lib/wasi/abi.h"

namespace wasmhost::wasi {
namespace {

TEST(CheckPathTest, Rejects) {
  EXPECT_EQ(CheckPath(""), abi::kNoEnt);
  EXPECT_EQ(CheckPath("/etc/passwd"), abi::kNotCapable);
  EXPECT_EQ(CheckPath("/"), abi::kNotCapable);
  EXPECT_EQ(CheckPath(std::string("a\0b", 3)), abi::kIlseq);
  EXPECT_EQ(CheckPath("a/b"), abi::kSuccess);
  EXPECT_EQ(CheckPath("../x"), abi::kSuccess);  // The kernel refuses it.
}

TEST(SplitPathTest, Components) {
  SplitPathResult r = SplitPath("a");
  EXPECT_EQ(r.parent, "");
  EXPECT_EQ(r.last, "a");
  EXPECT_FALSE(r.trailing_slash);

  r = SplitPath("a/b/c");
  EXPECT_EQ(r.parent, "a/b");
  EXPECT_EQ(r.last, "c");

  r = SplitPath("a/b/c//");
  EXPECT_EQ(r.parent, "a/b");
  EXPECT_EQ(r.last, "c");
  EXPECT_TRUE(r.trailing_slash);

  r = SplitPath("a//b");
  EXPECT_EQ(r.parent, "a");
  EXPECT_EQ(r.last, "b");

  r = SplitPath("a/..");
  EXPECT_EQ(r.parent, "a");
  EXPECT_EQ(r.last, "..");
}

class OpenBeneathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "/path_test_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    root_ = templ;
    ASSERT_EQ(::mkdir((root_ + "/box").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((root_ + "/box/sub").c_str(), 0755), 0);
    int fd = ::open((root_ + "/box/sub/f").c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
    fd = ::open((root_ + "/outside").c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
    ASSERT_EQ(::symlink("/", (root_ + "/box/to_root").c_str()), 0);
    ASSERT_EQ(::symlink("../outside", (root_ + "/box/to_outside").c_str()), 0);
    ASSERT_EQ(::symlink("sub/f", (root_ + "/box/to_f").c_str()), 0);
    box_ = ScopedFd(::open((root_ + "/box").c_str(), O_PATH | O_DIRECTORY));
    ASSERT_TRUE(box_.valid());
  }

  int Open(const std::string& path, int flags, abi::Errno* error) {
    return OpenBeneath(box_.get(), path, flags, 0, error);
  }

  std::string root_;
  ScopedFd box_;
};

TEST_F(OpenBeneathTest, InsideOpens) {
  abi::Errno error = abi::kSuccess;
  ScopedFd f(Open("sub/f", O_RDONLY, &error));
  EXPECT_TRUE(f.valid());
  ScopedFd g(Open("sub/../sub/f", O_RDONLY, &error));
  EXPECT_TRUE(g.valid());
  ScopedFd h(Open("to_f", O_RDONLY, &error));
  EXPECT_TRUE(h.valid());
}

TEST_F(OpenBeneathTest, EscapesAreNotCapable) {
  for (const char* path : {"../outside", "sub/../../outside", "/etc/passwd",
                           "to_root/etc/passwd", "to_outside"}) {
    abi::Errno error = abi::kSuccess;
    EXPECT_EQ(Open(path, O_RDONLY, &error), -1) << path;
    EXPECT_EQ(error, abi::kNotCapable) << path;
  }
}

TEST_F(OpenBeneathTest, NoFollowOnSymlinkIsLoop) {
  abi::Errno error = abi::kSuccess;
  EXPECT_EQ(Open("to_f", O_RDONLY | O_NOFOLLOW, &error), -1);
  EXPECT_EQ(error, abi::kLoop);
}

TEST_F(OpenBeneathTest, MissingIsNoEnt) {
  abi::Errno error = abi::kSuccess;
  EXPECT_EQ(Open("nope", O_RDONLY, &error), -1);
  EXPECT_EQ(error, abi::kNoEnt);
}

TEST_F(OpenBeneathTest, OpenParent) {
  HostFd same;
  EXPECT_EQ(OpenParent(box_.get(), "", &same), abi::kSuccess);
  EXPECT_EQ(same.get(), box_.get());
  HostFd sub;
  EXPECT_EQ(OpenParent(box_.get(), "sub", &sub), abi::kSuccess);
  EXPECT_GE(sub.get(), 0);
  EXPECT_NE(sub.get(), box_.get());
  HostFd escaped;
  EXPECT_EQ(OpenParent(box_.get(), "..", &escaped), abi::kNotCapable);
  EXPECT_EQ(escaped.get(), -1);
  EXPECT_EQ(OpenParent(box_.get(), "missing", &escaped), abi::kNoEnt);
}

TEST(HostFdTest, ClosesOnlyWhatItOwns) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  {
    HostFd borrowed = HostFd::Borrow(pipe_fds[0]);
  }
  EXPECT_NE(::fcntl(pipe_fds[0], F_GETFD), -1);  // still open
  {
    HostFd owned{ScopedFd(pipe_fds[1])};
  }
  EXPECT_EQ(::fcntl(pipe_fds[1], F_GETFD), -1);
  ::close(pipe_fds[0]);
}

}  // namespace
}  // namespace wasmhost::wasi
