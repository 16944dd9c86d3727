// tests/test_util.h: helpers shared by the tests of the public API.
//
//   SharedEngine()        the process's Engine, created with default options
//   MeteredEngine()       an Engine that meters fuel
//   StatusIs(code, m)     gmock matcher for absl::Status / absl::StatusOr<T>
//   IsOk()                gmock matcher: the status is OK
//   IsOkAndHolds(m)       gmock matcher: OK StatusOr whose value matches m
//   EXPECT_OK, ASSERT_OK, EXPECT_STATUS, ASSERT_OK_AND_ASSIGN
//   ExpectTrap(...)       asserts an Aborted trap status and its TrapInfo
//   CallGuest(lease, name, args...)
//                         calls a leased instance's int32_t export
//
// Debian's Abseil (20220623) ships no status matchers, so they live here,
// once.

#ifndef WASMHOST_TESTS_TEST_UTIL_H_
#define WASMHOST_TESTS_TEST_UTIL_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::testing {

// The Engine every test in the binary shares, made by Engine::Create() with
// default options on first use (V8 initialises once per process). Aborts
// the test binary if the engine cannot be created.
const Engine& SharedEngine();

// An Engine with EngineOptions::consume_fuel, made on first use, for the
// suites that meter fuel (each a process of its own: V8's flags are set
// once per process). Aborts the test binary if it cannot be created.
const Engine& MeteredEngine();

// SharedEngine().Compile(bytes).
absl::StatusOr<Module> Compile(absl::Span<const uint8_t> bytes);

// Compiles `bytes` and instantiates them on the calling thread.
absl::StatusOr<Instance> Instantiate(absl::Span<const uint8_t> bytes,
                                     const Linker& linker = Linker(),
                                     const InstanceOptions& options = {});

// Host files for tests that give guests a filesystem.

// A new, empty directory under the test's temporary directory.
std::string MakeTempDir();
// Writes `contents` to `path`, replacing the file; failing fails the test.
void WriteFile(const std::string& path, absl::string_view contents);
// The contents of `path`; empty when it cannot be read.
std::string ReadFile(const std::string& path);
// Whether `path` names anything, a dangling symlink included.
bool PathExists(const std::string& path);

// What escape tests attack: ROOT/secret (holding "top secret\n") outside
// the directory ROOT/sandbox that a guest gets as its preopen.
struct SandboxLayout {
  std::string root;
  std::string sandbox;
};
SandboxLayout MakeSandboxLayout();

namespace internal {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

class StatusIsMatcher {
 public:
  StatusIsMatcher(absl::StatusCode code,
                  ::testing::Matcher<const std::string&> message)
      : code_(code), message_(std::move(message)) {}

  template <typename T>
  bool MatchAndExplain(const T& value,
                       ::testing::MatchResultListener* listener) const {
    const absl::Status& status = GetStatus(value);
    *listener << "whose status is " << status;
    if (status.code() != code_) return false;
    return message_.MatchAndExplain(std::string(status.message()), listener);
  }

  void DescribeTo(std::ostream* os) const {
    *os << "has status code " << absl::StatusCodeToString(code_)
        << " and a message that ";
    message_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "does not have status code " << absl::StatusCodeToString(code_)
        << " or has a message that ";
    message_.DescribeNegationTo(os);
  }

 private:
  absl::StatusCode code_;
  ::testing::Matcher<const std::string&> message_;
};

}  // namespace internal

// Matches an absl::Status or absl::StatusOr<T> with `code` and a message
// matching `message` (e.g. ::testing::HasSubstr("at offset")).
inline ::testing::PolymorphicMatcher<internal::StatusIsMatcher> StatusIs(
    absl::StatusCode code, ::testing::Matcher<const std::string&> message) {
  return ::testing::MakePolymorphicMatcher(
      internal::StatusIsMatcher(code, std::move(message)));
}
inline ::testing::PolymorphicMatcher<internal::StatusIsMatcher> StatusIs(
    absl::StatusCode code) {
  return StatusIs(code, ::testing::_);
}
inline ::testing::PolymorphicMatcher<internal::StatusIsMatcher> IsOk() {
  return StatusIs(absl::StatusCode::kOk);
}

// Matches an OK absl::StatusOr<T> whose value matches `inner`.
MATCHER_P(IsOkAndHolds, inner, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

// Calls the leased instance's export `name` as int32_t(Args...): its
// result, or the status of the lookup (NotFound, InvalidArgument for another
// signature) or of the call.
template <typename... Args>
absl::StatusOr<int32_t> CallGuest(Lease& lease, absl::string_view name,
                                  Args... args) {
  absl::StatusOr<TypedFunc<int32_t(Args...)>> func =
      lease->GetFunc<int32_t(Args...)>(name);
  if (!func.ok()) return func.status();
  return func->Call(args...);
}

// Asserts that `status` is an Aborted trap of `kind` whose TrapInfo message
// contains `message`, and whose innermost backtrace frame is the function
// `function_name` (as the name section stores it, without '$') at
// `function_index`.
void ExpectTrap(const absl::Status& status, TrapKind kind,
                absl::string_view message, absl::string_view function_name,
                uint32_t function_index);

}  // namespace wasmhost::testing

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::wasmhost::testing::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::wasmhost::testing::IsOk())
// Expects `expr` (a Status or StatusOr) to have `code` and `substring` in
// its message.
#define EXPECT_STATUS(expr, code, substring)         \
  EXPECT_THAT((expr), ::wasmhost::testing::StatusIs( \
                          (code), ::testing::HasSubstr(substring)))

#define WASMHOST_TEST_CONCAT_INNER_(a, b) a##b
#define WASMHOST_TEST_CONCAT_(a, b) WASMHOST_TEST_CONCAT_INNER_(a, b)
// Asserts that the StatusOr `rexpr` is OK and moves its value into `lhs`
// (which may declare a variable: `ASSERT_OK_AND_ASSIGN(auto x, F());`).
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                       \
  WASMHOST_TEST_ASSIGN_IMPL_(WASMHOST_TEST_CONCAT_(status_or_, __LINE__), lhs, \
                             rexpr)
#define WASMHOST_TEST_ASSIGN_IMPL_(status_or, lhs, rexpr) \
  auto status_or = (rexpr);                               \
  ASSERT_TRUE(status_or.ok()) << status_or.status();      \
  lhs = std::move(status_or).value()

#endif  // WASMHOST_TESTS_TEST_UTIL_H_
