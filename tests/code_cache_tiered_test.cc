// Tests of the code cache with tiering (EngineOptions::code_cache_dir with
// the default CompileTier::kTiered): Compile serves Liftoff code at once
// and the file is written in the background once V8 has optimised some of
// the module (CodeCacheStats::pending); a module dropped before that is
// never written; a corrupt file is still ignored; a later compile of the
// same bytes loads what the background wrote.
//
// A process of its own with its own main: the cache directory is fixed by
// the first Engine::Create in the process.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

namespace fs = std::filesystem;
using testing::IsOkAndHolds;
using testing::ReadFile;
using testing::WriteFile;

// Set by main before any test runs.
std::string* cache_dir = nullptr;

Engine CacheEngine() {
  EngineOptions options;
  options.code_cache_dir = *cache_dir;
  absl::StatusOr<Engine> engine = Engine::Create(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "Engine::Create: %s\n",
                 engine.status().ToString().c_str());
    std::abort();
  }
  return *engine;
}

// cache_hot.wat with a custom section naming the current test: bytes no
// other test compiles.
std::vector<uint8_t> HotModuleBytes() {
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name = absl::StrCat("wasmhost-test", info->name());
  std::vector<uint8_t> bytes(fixtures::cache_hot_wasm().begin(),
                             fixtures::cache_hot_wasm().end());
  bytes.push_back(0);  // a custom section; the name is short (< 128 bytes)
  bytes.push_back(static_cast<uint8_t>(1 + name.size()));
  bytes.push_back(static_cast<uint8_t>(name.size()));
  bytes.insert(bytes.end(), name.begin(), name.end());
  return bytes;
}

size_t CountFiles() {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(*cache_dir)) {
    (void)entry;
    ++count;
  }
  return count;
}

// Waits up to `timeout` for `done`; returns whether it came true.
template <typename Predicate>
bool WaitFor(Predicate done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

// Runs work() until V8 has optimised it, as a server's hot path would.
void RunHot(const Module& module) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(auto work, instance.GetFunc<int32_t(int32_t)>("work"));
  for (int i = 0; i < 20; ++i) {
    EXPECT_THAT(work.Call(100000), IsOkAndHolds(705082704));  // sum mod 2^32
  }
}

absl::StatusOr<int32_t> Calc(const Module& module, int32_t a, int32_t b) {
  absl::StatusOr<Instance> instance = Instance::Create(module, Linker());
  if (!instance.ok()) return instance.status();
  absl::StatusOr<TypedFunc<int32_t(int32_t, int32_t)>> calc =
      instance->GetFunc<int32_t(int32_t, int32_t)>("calc");
  if (!calc.ok()) return calc.status();
  return calc->Call(a, b);
}

TEST(CodeCacheTieredTest, WrittenInTheBackgroundOnceOptimized) {
  const Engine engine = CacheEngine();
  const std::vector<uint8_t> bytes = HotModuleBytes();
  const CodeCacheStats before = engine.code_cache_stats();
  const size_t files = CountFiles();
  ASSERT_OK_AND_ASSIGN(Module module, engine.Compile(bytes));
  // Served at once, at Liftoff: nothing to write yet.
  CodeCacheStats stats = engine.code_cache_stats();
  EXPECT_EQ(stats.misses, before.misses + 1);
  EXPECT_EQ(stats.writes, before.writes);
  EXPECT_EQ(stats.pending, before.pending + 1);
  EXPECT_THAT(Calc(module, 2, 3), IsOkAndHolds(5));

  RunHot(module);
  EXPECT_TRUE(WaitFor(
      [&] { return engine.code_cache_stats().writes == before.writes + 1; },
      absl::Seconds(60)));
  stats = engine.code_cache_stats();
  EXPECT_EQ(stats.pending, before.pending);
  EXPECT_EQ(CountFiles(), files + 1);

  ASSERT_OK_AND_ASSIGN(Module again, engine.Compile(bytes));
  stats = engine.code_cache_stats();
  EXPECT_EQ(stats.hits, before.hits + 1);
  EXPECT_EQ(stats.pending, before.pending);  // a hit is not written again
  EXPECT_THAT(Calc(again, 40, 2), IsOkAndHolds(42));
  RunHot(again);
}

TEST(CodeCacheTieredTest, ModuleDroppedBeforeOptimizedIsNeverWritten) {
  const Engine engine = CacheEngine();
  const CodeCacheStats before = engine.code_cache_stats();
  const size_t files = CountFiles();
  {
    ASSERT_OK_AND_ASSIGN(Module module, engine.Compile(HotModuleBytes()));
    EXPECT_THAT(Calc(module, 1, 1), IsOkAndHolds(2));
    EXPECT_EQ(engine.code_cache_stats().pending, before.pending + 1);
  }
  EXPECT_TRUE(WaitFor(
      [&] { return engine.code_cache_stats().pending == before.pending; },
      absl::Seconds(10)));
  EXPECT_EQ(engine.code_cache_stats().writes, before.writes);
  EXPECT_EQ(CountFiles(), files);
}

TEST(CodeCacheTieredTest, CorruptFileIsIgnoredAndReplaced) {
  const Engine engine = CacheEngine();
  const std::vector<uint8_t> bytes = HotModuleBytes();
  const CodeCacheStats before = engine.code_cache_stats();
  {
    ASSERT_OK_AND_ASSIGN(Module module, engine.Compile(bytes));
    RunHot(module);
    ASSERT_TRUE(WaitFor(
        [&] { return engine.code_cache_stats().writes == before.writes + 1; },
        absl::Seconds(60)));
  }
  std::string path;
  for (const auto& entry : fs::directory_iterator(*cache_dir)) {
    if (path.empty() ||
        fs::last_write_time(entry.path()) > fs::last_write_time(path)) {
      path = entry.path().string();
    }
  }
  std::string contents = ReadFile(path);
  ASSERT_GT(contents.size(), 64u);
  contents[contents.size() - 9] ^= 0x5a;  // in the code
  WriteFile(path, contents);

  ASSERT_OK_AND_ASSIGN(Module module, engine.Compile(bytes));
  const CodeCacheStats stats = engine.code_cache_stats();
  EXPECT_EQ(stats.rejected, before.rejected + 1);
  EXPECT_EQ(stats.hits, before.hits);
  // Written again: at once when V8 still holds the optimised code of the
  // dropped module (its native module cache shares code by bytes), else
  // once optimised again.
  EXPECT_THAT(Calc(module, 5, 3), IsOkAndHolds(8));
  RunHot(module);
  EXPECT_TRUE(WaitFor(
      [&] { return engine.code_cache_stats().writes == before.writes + 2; },
      absl::Seconds(60)));
  EXPECT_NE(ReadFile(path), contents);
}

}  // namespace
}  // namespace wasmhost

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  static std::string directory = wasmhost::testing::MakeTempDir();
  wasmhost::cache_dir = &directory;
  wasmhost::CacheEngine();  // the first Engine::Create in the process
  return RUN_ALL_TESTS();
}
