// Tests of the code cache (EngineOptions::code_cache_dir and
// Engine::code_cache_stats() in wasmhost/engine.h): misses and writes, hits,
// corrupt, truncated and mismatched files, another module's file under this
// module's name, an unwritable directory, and a second process loading what
// the first stored.
//
// A process of its own with its own main: the cache directory is fixed by
// the first Engine::Create in the process. Every test compiles bytes no
// other test compiles (a fixture plus a custom section naming the test), so
// each has cache files of its own. The binary re-executes itself
// (/proc/self/exe --child ...) for the checks that need another process.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
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

constexpr absl::StatusCode kInvalidArgument =
    absl::StatusCode::kInvalidArgument;

// Set by main before any test runs.
std::string* cache_dir = nullptr;

// Every function compiled by TurboFan at Compile, so each compile has
// optimised code and writes its file at once (code_cache_tiered_test
// covers the background writes of tiering and lazy compilation).
EngineOptions CacheOptions(const std::string& directory) {
  EngineOptions options;
  options.code_cache_dir = directory;
  options.compile_tier = CompileTier::kOptimized;
  options.lazy_compilation = false;
  return options;
}

// The process's engine: the first Create (in main) set the cache up.
Engine CacheEngine() {
  absl::StatusOr<Engine> engine = Engine::Create(CacheOptions(*cache_dir));
  if (!engine.ok()) {
    std::fprintf(stderr, "Engine::Create: %s\n",
                 engine.status().ToString().c_str());
    std::abort();
  }
  return *engine;
}

void AppendLeb128(std::vector<uint8_t>& out, uint64_t value) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out.push_back(byte);
  } while (value != 0);
}

// `base` with a custom section "wasmhost-test" holding `tag` appended: the
// same code, different bytes, so a cache key of its own.
std::vector<uint8_t> Tagged(absl::Span<const uint8_t> base,
                            absl::string_view tag) {
  constexpr absl::string_view kName = "wasmhost-test";
  std::vector<uint8_t> payload;
  AppendLeb128(payload, kName.size());
  payload.insert(payload.end(), kName.begin(), kName.end());
  payload.insert(payload.end(), tag.begin(), tag.end());
  std::vector<uint8_t> bytes(base.begin(), base.end());
  bytes.push_back(0);  // custom section
  AppendLeb128(bytes, payload.size());
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

std::string TestName() {
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  return absl::StrCat(info->test_suite_name(), ".", info->name());
}

// cache_add.wat tagged with the current test's name (and `suffix`).
std::vector<uint8_t> AddModuleBytes(absl::string_view suffix = "") {
  return Tagged(fixtures::cache_add_wasm(), absl::StrCat(TestName(), suffix));
}

std::set<std::string> CacheFiles() {
  std::set<std::string> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(*cache_dir)) {
    files.insert(entry.path().string());
  }
  return files;
}

// The one file in `after` that is not in `before`, or "" (with a failure).
std::string NewFile(const std::set<std::string>& before,
                    const std::set<std::string>& after) {
  std::vector<std::string> added;
  for (const std::string& file : after) {
    if (before.count(file) == 0) added.push_back(file);
  }
  EXPECT_EQ(added.size(), 1u);
  return added.size() == 1 ? added[0] : "";
}

// Calls calc(a, b) on a new instance of `module`.
absl::StatusOr<int32_t> Calc(const Module& module, int32_t a, int32_t b) {
  absl::StatusOr<Instance> instance = Instance::Create(module, Linker());
  if (!instance.ok()) return instance.status();
  absl::StatusOr<TypedFunc<int32_t(int32_t, int32_t)>> calc =
      instance->GetFunc<int32_t(int32_t, int32_t)>("calc");
  if (!calc.ok()) return calc.status();
  return calc->Call(a, b);
}

// Stats after minus stats before.
CodeCacheStats Delta(const CodeCacheStats& before,
                     const CodeCacheStats& after) {
  CodeCacheStats delta;
  delta.hits = after.hits - before.hits;
  delta.misses = after.misses - before.misses;
  delta.rejected = after.rejected - before.rejected;
  delta.writes = after.writes - before.writes;
  return delta;
}

#define EXPECT_CACHE_DELTA(delta, h, m, r, w) \
  do {                                        \
    EXPECT_EQ((delta).hits, (h##u));          \
    EXPECT_EQ((delta).misses, (m##u));        \
    EXPECT_EQ((delta).rejected, (r##u));      \
    EXPECT_EQ((delta).writes, (w##u));        \
  } while (false)

// Compiles `bytes` (a first time: a miss and a write) and returns the file
// it wrote.
std::string CompileAndFindFile(absl::Span<const uint8_t> bytes) {
  const Engine engine = CacheEngine();
  const std::set<std::string> before = CacheFiles();
  const CodeCacheStats stats = engine.code_cache_stats();
  absl::StatusOr<Module> module = engine.Compile(bytes);
  EXPECT_TRUE(module.ok()) << module.status();
  EXPECT_CACHE_DELTA(Delta(stats, engine.code_cache_stats()), 0, 1, 0, 1);
  return NewFile(before, CacheFiles());
}

// Compiles `bytes` whose cache file was damaged: the file is rejected, the
// module compiles and works, and the file is rewritten so the next compile
// hits.
void ExpectRejectedThenRewritten(absl::Span<const uint8_t> bytes,
                                 const std::string& path,
                                 const std::string& damaged) {
  const Engine engine = CacheEngine();
  CodeCacheStats stats = engine.code_cache_stats();
  ASSERT_OK_AND_ASSIGN(Module module, engine.Compile(bytes));
  EXPECT_CACHE_DELTA(Delta(stats, engine.code_cache_stats()), 0, 0, 1, 1);
  EXPECT_THAT(Calc(module, 2, 3), IsOkAndHolds(5));
  EXPECT_NE(ReadFile(path), damaged);

  stats = engine.code_cache_stats();
  ASSERT_OK_AND_ASSIGN(Module again, engine.Compile(bytes));
  EXPECT_CACHE_DELTA(Delta(stats, engine.code_cache_stats()), 1, 0, 0, 0);
  EXPECT_THAT(Calc(again, 40, 2), IsOkAndHolds(42));
}

// File layout (lib/runtime/code_cache.cc): "WHCC", u32 format version,
// u64 fingerprint size, fingerprint, u64 size and the module record, u64
// size and the compiled bytes, u64 chunk count and the chunks of the
// original bytes (u8 0, u64 offset, u64 size: a range of the compiled
// bytes; u8 1, u64 size, bytes), u64 checksum, u64 code size, code.
constexpr size_t kVersionOffset = 4, kFingerprintSizeOffset = 8,
                 kFingerprintOffset = 16;

// Runs this binary again with `args`; returns its output and exit status.
struct ChildResult {
  std::string output;
  int status = -1;
};
ChildResult RunChild(const std::vector<std::string>& args) {
  std::string command = fs::read_symlink("/proc/self/exe").string();
  for (const std::string& arg : args) absl::StrAppend(&command, " '", arg, "'");
  absl::StrAppend(&command, " 2>&1");
  ChildResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t read;
  while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    result.output.append(buffer, read);
  }
  result.status = pclose(pipe);
  return result;
}

std::string WriteModuleFile(absl::Span<const uint8_t> bytes) {
  const std::string path = absl::StrCat(::testing::TempDir(), "module_",
                                        getpid(), "_", TestName(), ".wasm");
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  file.flush();
  return path;
}

// ---------------------------------------------------------------------------

TEST(CodeCacheTest, EngineKeepsTheDirectory) {
  EXPECT_EQ(CacheEngine().options().code_cache_dir, *cache_dir);
}

TEST(CodeCacheTest, FirstCompileMissesAndWritesAFile) {
  const Engine engine = CacheEngine();
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::set<std::string> before = CacheFiles();
  const CodeCacheStats stats = engine.code_cache_stats();
  ASSERT_OK_AND_ASSIGN(Module module, engine.Compile(bytes));
  EXPECT_CACHE_DELTA(Delta(stats, engine.code_cache_stats()), 0, 1, 0, 1);
  const std::string path = NewFile(before, CacheFiles());
  EXPECT_EQ(fs::path(path).extension(), ".wasmcode");
  const std::string contents = ReadFile(path);
  ASSERT_GT(contents.size(), kFingerprintOffset);
  EXPECT_EQ(contents.substr(0, 4), "WHCC");
  // No temporary file is left behind.
  for (const std::string& file : CacheFiles()) {
    EXPECT_EQ(file.find(".tmp"), std::string::npos) << file;
  }
  EXPECT_THAT(Calc(module, 2, 3), IsOkAndHolds(5));
}

TEST(CodeCacheTest, SecondCompileOfTheSameBytesHits) {
  const Engine engine = CacheEngine();
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  const std::string stored = ReadFile(path);
  const std::set<std::string> files = CacheFiles();

  const CodeCacheStats stats = engine.code_cache_stats();
  ASSERT_OK_AND_ASSIGN(Module module, engine.Compile(bytes));
  EXPECT_CACHE_DELTA(Delta(stats, engine.code_cache_stats()), 1, 0, 0, 0);
  EXPECT_THAT(Calc(module, 2, 3), IsOkAndHolds(5));
  EXPECT_THAT(Calc(module, -10, 4), IsOkAndHolds(-6));
  EXPECT_EQ(CacheFiles(), files);
  EXPECT_EQ(ReadFile(path), stored);
}

TEST(CodeCacheTest, ModuleWithMemoryAndGlobalsLoadsAndWorks) {
  const Engine engine = CacheEngine();
  const std::vector<uint8_t> bytes =
      Tagged(fixtures::pool_counter_wasm(), TestName());
  CompileAndFindFile(bytes);
  const CodeCacheStats stats = engine.code_cache_stats();
  ASSERT_OK_AND_ASSIGN(Module module, engine.Compile(bytes));
  EXPECT_CACHE_DELTA(Delta(stats, engine.code_cache_stats()), 1, 0, 0, 0);
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("bump"));
  EXPECT_THAT(bump.Call(), IsOkAndHolds(1001));
  EXPECT_THAT(bump.Call(), IsOkAndHolds(2002));
  EXPECT_THAT(instance.memory().ReadString(64, 17),
              IsOkAndHolds("pool fixture data"));
}

TEST(CodeCacheTest, InvalidModuleIsNotCached) {
  const Engine engine = CacheEngine();
  std::vector<uint8_t> bytes = AddModuleBytes();
  bytes.resize(bytes.size() - 20);  // cut into the custom section
  const std::set<std::string> before = CacheFiles();
  const CodeCacheStats stats = engine.code_cache_stats();
  EXPECT_STATUS(engine.Compile(bytes), kInvalidArgument, "invalid module");
  // Looked up before validation (a hit skips it), never stored.
  EXPECT_CACHE_DELTA(Delta(stats, engine.code_cache_stats()), 0, 1, 0, 0);
  EXPECT_EQ(CacheFiles(), before);
}

TEST(CodeCacheTest, CorruptFileIsRejectedAndRewritten) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  std::string contents = ReadFile(path);
  ASSERT_GT(contents.size(), 64u);
  for (size_t i = contents.size() / 2; i < contents.size() / 2 + 8; ++i) {
    contents[i] = static_cast<char>(contents[i] ^ 0x5a);
  }
  WriteFile(path, contents);
  ExpectRejectedThenRewritten(bytes, path, contents);
}

TEST(CodeCacheTest, CorruptCodeFailsTheChecksum) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  std::string contents = ReadFile(path);
  ASSERT_FALSE(contents.empty());
  contents.back() = static_cast<char>(contents.back() ^ 0x01);  // in the code
  WriteFile(path, contents);
  ExpectRejectedThenRewritten(bytes, path, contents);
}

// Two flips of the same bit position in words 32 bytes apart (the same
// lane of the checksum): a checksum whose lanes only xor and multiply
// would let them cancel.
TEST(CodeCacheTest, PairedBitFlipsInTheCodeFailTheChecksum) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  std::string contents = ReadFile(path);
  size_t at = kFingerprintSizeOffset;
  auto read_u64 = [&contents, &at] {
    uint64_t value = 0;
    std::memcpy(&value, &contents[at], 8);
    at += 8;
    return value;
  };
  for (int sized = 0; sized < 3; ++sized)
    at += read_u64();  // fp, record, compiled
  const uint64_t chunks = read_u64();
  for (uint64_t i = 0; i < chunks; ++i) {
    const char kind = contents[at++];
    if (kind == 0) {
      at += 16;
    } else {
      at += read_u64();
    }
  }
  at += 8;  // checksum
  const uint64_t code_size = read_u64();
  const size_t code_offset = at;
  ASSERT_EQ(code_offset + code_size, contents.size());
  ASSERT_GE(code_size, 128u);
  for (size_t word : {1, 2}) {
    char& top_byte = contents[code_offset + 32 * word + 7];
    top_byte = static_cast<char>(top_byte ^ 0x80);
  }
  WriteFile(path, contents);
  ExpectRejectedThenRewritten(bytes, path, contents);
}

// The compiled bytes' first section is one the rewrites added (the frame
// tag), so no comparison with the module being compiled covers it: the
// checksum must.
TEST(CodeCacheTest, CorruptRewrittenSectionFailsTheChecksum) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  std::string contents = ReadFile(path);
  size_t at = kFingerprintSizeOffset;
  for (int sized = 0; sized < 2; ++sized) {  // fingerprint, record
    uint64_t size = 0;
    std::memcpy(&size, &contents[at], 8);
    at += 8 + size;
  }
  uint64_t compiled_size = 0;
  std::memcpy(&compiled_size, &contents[at], 8);
  const size_t compiled = at + 8;
  ASSERT_GT(compiled_size, 16u);
  ASSERT_EQ(contents.substr(compiled, 4), std::string("\0asm", 4));
  ASSERT_EQ(contents[compiled + 8], 0);  // a custom section: the tag
  contents[compiled + 12] = static_cast<char>(contents[compiled + 12] ^ 0x01);
  WriteFile(path, contents);
  ExpectRejectedThenRewritten(bytes, path, contents);
}

TEST(CodeCacheTest, TruncatedFileIsRejected) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  std::string contents = ReadFile(path);
  contents.resize(contents.size() / 2);
  WriteFile(path, contents);
  ExpectRejectedThenRewritten(bytes, path, contents);
}

TEST(CodeCacheTest, FileCutAfterTheMagicIsRejected) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  const std::string contents = "WHCC";
  WriteFile(path, contents);
  ExpectRejectedThenRewritten(bytes, path, contents);
}

TEST(CodeCacheTest, EmptyFileIsRejected) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  WriteFile(path, "");
  ExpectRejectedThenRewritten(bytes, path, "");
}

TEST(CodeCacheTest, FileWithTrailingBytesIsRejected) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  const std::string contents = ReadFile(path) + "extra";
  WriteFile(path, contents);
  ExpectRejectedThenRewritten(bytes, path, contents);
}

TEST(CodeCacheTest, WrongMagicIsRejected) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  std::string contents = ReadFile(path);
  contents[0] = 'X';
  WriteFile(path, contents);
  ExpectRejectedThenRewritten(bytes, path, contents);
}

TEST(CodeCacheTest, OtherFormatVersionIsRejected) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  std::string contents = ReadFile(path);
  ASSERT_GT(contents.size(), kFingerprintSizeOffset);
  contents[kVersionOffset] = static_cast<char>(contents[kVersionOffset] + 1);
  WriteFile(path, contents);
  ExpectRejectedThenRewritten(bytes, path, contents);
}

TEST(CodeCacheTest, MismatchedEngineFingerprintIsRejected) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::string path = CompileAndFindFile(bytes);
  std::string contents = ReadFile(path);
  ASSERT_GT(contents.size(), kFingerprintOffset);
  uint64_t fingerprint_size = 0;
  std::memcpy(&fingerprint_size, contents.data() + kFingerprintSizeOffset,
              sizeof fingerprint_size);
  ASSERT_GT(fingerprint_size, 0u);
  ASSERT_LT(kFingerprintOffset + fingerprint_size, contents.size());
  // Same length, other contents: e.g. another V8 version or flags.
  const size_t last = kFingerprintOffset + fingerprint_size - 1;
  contents[kFingerprintOffset] =
      static_cast<char>(contents[kFingerprintOffset] ^ 0x20);
  contents[last] = static_cast<char>(contents[last] ^ 0x01);
  WriteFile(path, contents);
  ExpectRejectedThenRewritten(bytes, path, contents);
}

TEST(CodeCacheTest, AnotherModulesFileUnderThisNameIsRejected) {
  const Engine engine = CacheEngine();
  const std::vector<uint8_t> add_bytes = AddModuleBytes();
  const std::vector<uint8_t> sub_bytes =
      Tagged(fixtures::cache_sub_wasm(), TestName());
  const std::string add_path = CompileAndFindFile(add_bytes);
  const std::string sub_path = CompileAndFindFile(sub_bytes);
  ASSERT_NE(add_path, sub_path);
  // As if the file names collided: module A's file where B's belongs.
  const std::string add_contents = ReadFile(add_path);
  WriteFile(sub_path, add_contents);

  CodeCacheStats stats = engine.code_cache_stats();
  ASSERT_OK_AND_ASSIGN(Module sub, engine.Compile(sub_bytes));
  EXPECT_CACHE_DELTA(Delta(stats, engine.code_cache_stats()), 0, 0, 1, 1);
  EXPECT_THAT(Calc(sub, 5, 3), IsOkAndHolds(2));  // B's code, not A's 8
  EXPECT_NE(ReadFile(sub_path), add_contents);

  stats = engine.code_cache_stats();
  ASSERT_OK_AND_ASSIGN(Module sub_again, engine.Compile(sub_bytes));
  ASSERT_OK_AND_ASSIGN(Module add_again, engine.Compile(add_bytes));
  EXPECT_CACHE_DELTA(Delta(stats, engine.code_cache_stats()), 2, 0, 0, 0);
  EXPECT_THAT(Calc(sub_again, 5, 3), IsOkAndHolds(2));
  EXPECT_THAT(Calc(add_again, 5, 3), IsOkAndHolds(8));
}

TEST(CodeCacheTest, SecondProcessLoadsTheCode) {
  const std::vector<uint8_t> bytes = AddModuleBytes();
  CompileAndFindFile(bytes);
  const std::string module_path = WriteModuleFile(bytes);
  const ChildResult child = RunChild({"--child", *cache_dir, module_path});
  EXPECT_EQ(child.status, 0) << child.output;
  EXPECT_NE(child.output.find("compile=OK hits=1 misses=0 rejected=0 writes=0 "
                              "calc=12"),
            std::string::npos)
      << child.output;
}

TEST(CodeCacheTest, SecondProcessCompilesBytesItHasNotSeen) {
  // The child has the cache but not these bytes: a miss and a write there,
  // then a hit here.
  const Engine engine = CacheEngine();
  const std::vector<uint8_t> bytes = AddModuleBytes();
  const std::set<std::string> before = CacheFiles();
  const std::string module_path = WriteModuleFile(bytes);
  const ChildResult child = RunChild({"--child", *cache_dir, module_path});
  EXPECT_EQ(child.status, 0) << child.output;
  EXPECT_NE(child.output.find("compile=OK hits=0 misses=1 rejected=0 writes=1 "
                              "calc=12"),
            std::string::npos)
      << child.output;
  NewFile(before, CacheFiles());
  const CodeCacheStats stats = engine.code_cache_stats();
  ASSERT_OK_AND_ASSIGN(Module module, engine.Compile(bytes));
  EXPECT_CACHE_DELTA(Delta(stats, engine.code_cache_stats()), 1, 0, 0, 0);
  EXPECT_THAT(Calc(module, 7, 5), IsOkAndHolds(12));
}

TEST(CodeCacheTest, UnwritableDirectoryNeverFailsCompile) {
  // The directory is fixed per process: a child uses one under a regular
  // file, where nothing can be created.
  const std::string file =
      absl::StrCat(::testing::TempDir(), "not_a_directory_", getpid());
  WriteFile(file, "a regular file");
  const std::string module_path = WriteModuleFile(AddModuleBytes());
  const ChildResult child =
      RunChild({"--child", absl::StrCat(file, "/cache"), module_path});
  EXPECT_EQ(child.status, 0) << child.output;
  EXPECT_NE(child.output.find("compile=OK hits=0 misses=1 rejected=0 writes=0 "
                              "calc=12"),
            std::string::npos)
      << child.output;
}

TEST(CodeCacheTest, MissingDirectoryNeverFailsCompile) {
  const std::string missing =
      absl::StrCat(::testing::TempDir(), "no_such_dir_", getpid(), "/cache");
  const std::string module_path = WriteModuleFile(AddModuleBytes());
  const ChildResult child = RunChild({"--child", missing, module_path});
  EXPECT_EQ(child.status, 0) << child.output;
  EXPECT_NE(child.output.find("compile=OK hits=0 misses=1 rejected=0 writes=0 "
                              "calc=12"),
            std::string::npos)
      << child.output;
}

// The child: creates the engine with the cache in argv[2], compiles the
// module in argv[3], calls calc(7, 5) and prints the cache's stats.
int ChildMain(const std::string& directory, const std::string& module_path) {
  absl::StatusOr<Engine> engine = Engine::Create(CacheOptions(directory));
  if (!engine.ok()) {
    std::printf("engine=%s\n", engine.status().ToString().c_str());
    return 1;
  }
  const std::string contents = ReadFile(module_path);
  const std::vector<uint8_t> bytes(contents.begin(), contents.end());
  absl::StatusOr<Module> module = engine->Compile(bytes);
  if (!module.ok()) {
    std::printf("compile=%s\n", module.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<int32_t> result = Calc(*module, 7, 5);
  const CodeCacheStats stats = engine->code_cache_stats();
  std::printf(
      "compile=OK hits=%llu misses=%llu rejected=%llu writes=%llu "
      "calc=%d\n",
      static_cast<unsigned long long>(stats.hits),
      static_cast<unsigned long long>(stats.misses),
      static_cast<unsigned long long>(stats.rejected),
      static_cast<unsigned long long>(stats.writes),
      result.ok() ? *result : -1);
  return result.ok() ? 0 : 1;
}

}  // namespace
}  // namespace wasmhost

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--child") {
    return wasmhost::ChildMain(argv[2], argv[3]);
  }
  ::testing::InitGoogleTest(&argc, argv);
  static std::string directory = wasmhost::testing::MakeTempDir();
  wasmhost::cache_dir = &directory;
  wasmhost::CacheEngine();  // the first Engine::Create in the process
  return RUN_ALL_TESTS();
}
