// fuzz/wasi_fuzzer.cc: random sequences of WASI preview-1 filesystem calls
// against a preopen, with a canary file outside it. The guest
// (fuzz/wasi_driver.wat) only forwards each call to the host functions of
// wasi::AddToLinker, so the fuzzer chooses every argument: descriptors,
// paths (built from components such as "..", symlinks that point out of
// the sandbox, absolute paths, or raw bytes), flags, rights, offsets,
// buffer pointers and lengths (in or out of bounds).
//
// The tree, rebuilt for every input:
//   ROOT/canary-<random>   the canary: "CANARY:<random>", never to be read,
//                          written or named through the sandbox
//   ROOT/box/              preopened as /sandbox
//     file.txt, dir/inner.txt, up -> .., abs -> ROOT, self -> self
// Findings (abort): the canary's content or name appears in guest memory
// (the fuzzer never writes either), the canary changed, ROOT has an entry
// other than box/ and the canary, or anything a sanitizer reports.

#include <fuzzer/FuzzedDataProvider.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "fuzz/sanitizer_options.h"
#include "fuzz/wasi_driver.h"
#include "wasmhost/wasmhost.h"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "wasi_fuzzer: property violated: %s\n", what.c_str());
  std::abort();
}

// Guest memory layout (the driver's memory is 2 pages).
constexpr uint32_t kMemorySize = 2 * 65536;
constexpr uint32_t kIovecs = 0x100;   // up to 4 iovecs
constexpr uint32_t kResult = 0x200;   // result pointers
constexpr uint32_t kPathA = 0x1000;   // first path
constexpr uint32_t kPathB = 0x1400;   // second path
constexpr uint32_t kBuffer = 0x2000;  // data buffer, up to 0x8000 bytes
constexpr uint32_t kBufferMax = 0x8000;

struct Tree {
  fs::path root;
  fs::path box;
  std::string canary_name;
  std::string canary_content;
  struct stat canary_stat;
};

// Compares guest-visible bytes with a secret. Out of libFuzzer's sight: no
// coverage instrumentation (trace-cmp would hand the secret to the
// mutator) and no memcmp/memmem (libFuzzer hooks those for its
// dictionary), so the fuzzer cannot learn the secret and write it itself.
__attribute__((no_sanitize("coverage"))) bool SameBytes(const char* a,
                                                        const char* b,
                                                        size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

__attribute__((no_sanitize("coverage"))) bool Contains(
    const std::vector<uint8_t>& haystack, const std::string& needle) {
  if (needle.empty() || haystack.size() < needle.size()) return false;
  const char* h = reinterpret_cast<const char*>(haystack.data());
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (h[i] == needle[0] && SameBytes(h + i, needle.data(), needle.size())) {
      return true;
    }
  }
  return false;
}

std::string RandomHex(std::mt19937_64& rng) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(rng()));
  return text;
}

void WriteFile(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) Fail("cannot write " + path.string());
}

// Made once: the canary must keep its identity across inputs.
const Tree& TheTree() {
  static const Tree* tree = [] {
    auto* t = new Tree;
    std::mt19937_64 rng(std::random_device{}());
    std::string dir = (fs::temp_directory_path() / "wasi_fuzzer.XXXXXX");
    if (mkdtemp(dir.data()) == nullptr) Fail("mkdtemp");
    t->root = dir;
    t->box = t->root / "box";
    t->canary_name = "canary-" + RandomHex(rng);
    t->canary_content = "CANARY:" + RandomHex(rng) + RandomHex(rng);
    WriteFile(t->root / t->canary_name, t->canary_content);
    if (stat((t->root / t->canary_name).c_str(), &t->canary_stat) != 0) {
      Fail("stat canary");
    }
    return t;
  }();
  return *tree;
}

// The sandbox as each input starts it.
void ResetBox(const Tree& tree) {
  std::error_code error;
  fs::remove_all(tree.box, error);
  fs::create_directories(tree.box / "dir");
  WriteFile(tree.box / "file.txt", "hello, sandbox\n");
  WriteFile(tree.box / "dir" / "inner.txt", "inner\n");
  fs::create_directory_symlink("..", tree.box / "up");
  fs::create_directory_symlink(tree.root, tree.box / "abs");
  fs::create_symlink("self", tree.box / "self");
}

void CheckTree(const Tree& tree) {
  const fs::path canary = tree.root / tree.canary_name;
  struct stat now;
  if (lstat(canary.c_str(), &now) != 0) Fail("the canary is gone");
  if (!S_ISREG(now.st_mode) || now.st_ino != tree.canary_stat.st_ino ||
      now.st_size != tree.canary_stat.st_size ||
      now.st_mtim.tv_sec != tree.canary_stat.st_mtim.tv_sec ||
      now.st_mtim.tv_nsec != tree.canary_stat.st_mtim.tv_nsec ||
      now.st_mode != tree.canary_stat.st_mode) {
    Fail("the canary changed");
  }
  std::ifstream in(canary, std::ios::binary);
  std::stringstream content_stream;
  content_stream << in.rdbuf();
  const std::string content = content_stream.str();
  if (content.size() != tree.canary_content.size() ||
      !SameBytes(content.data(), tree.canary_content.data(), content.size())) {
    Fail("the canary was written");
  }
  for (const fs::directory_entry& e : fs::directory_iterator(tree.root)) {
    const std::string name = e.path().filename().string();
    const bool is_canary =
        name.size() == tree.canary_name.size() &&
        SameBytes(name.data(), tree.canary_name.data(), name.size());
    if (name != "box" && !is_canary) {
      Fail("something was created outside the sandbox: " + name);
    }
  }
}

// Neither the canary's content nor its name may reach the guest.
void CheckMemory(const Tree& tree, const wasmhost::Instance& instance,
                 const std::string& last_call) {
  std::vector<uint8_t> memory(kMemorySize);
  if (!instance.memory().Read(0, absl::MakeSpan(memory)).ok()) {
    Fail("cannot read guest memory");
  }
  for (const std::string* secret : {&tree.canary_content, &tree.canary_name}) {
    // The random part: a prefix match of a partial read counts too.
    const std::string needle =
        secret->substr(secret->find_first_of(":-") + 1, 12);
    if (Contains(memory, needle)) {
      Fail("the canary's " +
           std::string(secret == &tree.canary_name ? "name" : "content") +
           " reached guest memory after " + last_call);
    }
  }
}

// A path from sandbox-relevant components, or raw bytes.
std::string MakePath(FuzzedDataProvider& in) {
  static const char* const kParts[] = {
      ".",         "..",     "up",     "abs",     "self", "dir",  "file.txt",
      "inner.txt", "new",    "sub",    "",        "/",    "box",  "canary-",
      "tmp",       "dir/..", "up/box", "abs/box", "...",  "a\\b", "%2e%2e"};
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0) {
    return in.ConsumeRandomLengthString(64);
  }
  std::string path;
  if (in.ConsumeBool() && in.ConsumeBool()) path = "/";
  const int parts = in.ConsumeIntegralInRange<int>(1, 5);
  for (int i = 0; i < parts; ++i) {
    if (i > 0) path += in.ConsumeIntegralInRange<int>(0, 7) == 0 ? "//" : "/";
    path += kParts[in.ConsumeIntegralInRange<size_t>(0, std::size(kParts) - 1)];
  }
  return path;
}

class Driver {
 public:
  Driver(wasmhost::Instance& instance, FuzzedDataProvider& in)
      : instance_(instance), in_(in) {}

  // A descriptor: the preopen, stdio, one the guest got, or any number.
  int32_t Fd() {
    switch (in_.ConsumeIntegralInRange<int>(0, 5)) {
      case 0:
      case 1:
        return 3;
      case 2:
        return in_.ConsumeIntegralInRange<int32_t>(0, 2);
      case 3:
      case 4:
        return opened_.empty() ? 3
                               : opened_[in_.ConsumeIntegralInRange<size_t>(
                                     0, opened_.size() - 1)];
      default:
        return in_.ConsumeIntegral<int32_t>();
    }
  }
  // Writes a path at `at`; returns its length (sometimes a wrong one).
  int32_t Path(uint32_t at) {
    std::string path = MakePath(in_);
    if (path.size() > 0x3ff) path.resize(0x3ff);
    Write(at, path);
    if (in_.ConsumeIntegralInRange<int>(0, 15) == 0) {
      return in_.ConsumeIntegral<int32_t>();
    }
    return static_cast<int32_t>(path.size());
  }
  // A pointer: mostly the given one, sometimes anywhere (out of bounds).
  int32_t Ptr(uint32_t usual) {
    return in_.ConsumeIntegralInRange<int>(0, 15) == 0
               ? in_.ConsumeIntegral<int32_t>()
               : static_cast<int32_t>(usual);
  }
  // iovecs over the buffer; returns their count.
  int32_t Iovecs() {
    const int count = in_.ConsumeIntegralInRange<int>(0, 4);
    for (int i = 0; i < count; ++i) {
      const uint32_t len =
          in_.ConsumeIntegralInRange<uint32_t>(0, kBufferMax / 4);
      const uint32_t buf = kBuffer + i * (kBufferMax / 4);
      uint8_t entry[8];
      std::memcpy(entry, &buf, 4);
      std::memcpy(entry + 4, &len, 4);
      WriteBytes(kIovecs + 8 * i, entry, 8);
    }
    // Data to write: what the fuzzer chose, never a secret.
    Write(kBuffer, in_.ConsumeRandomLengthString(64));
    return count;
  }
  int32_t I32() { return in_.ConsumeIntegral<int32_t>(); }
  int64_t I64() {
    return in_.ConsumeBool() ? in_.ConsumeIntegralInRange<int64_t>(0, 4096)
                             : in_.ConsumeIntegral<int64_t>();
  }
  // Rights: all, none, or any.
  int64_t Rights() {
    switch (in_.ConsumeIntegralInRange<int>(0, 2)) {
      case 0:
        return -1;
      case 1:
        return 0;
      default:
        return in_.ConsumeIntegral<int64_t>();
    }
  }

  // Calls export `name`; remembers a descriptor path_open returned. A
  // call that fails (a trap or host error) poisons the instance: the
  // sequence ends.
  void Call(const std::string& name, std::vector<wasmhost::Val> args) {
    absl::StatusOr<wasmhost::Func> func = instance_.GetFunc(name);
    if (!func.ok()) Fail("driver lacks " + name);
    absl::StatusOr<std::vector<wasmhost::Val>> result = func->Call(args);
    if (!result.ok()) {
      failed_ = true;
      return;
    }
    if (result->size() != 1) Fail(name + ": not one result");
    if (name == "path_open" && result->at(0).i32() == 0) {
      uint32_t fd = 0;
      ReadBytes(kResult, &fd, 4);
      opened_.push_back(static_cast<int32_t>(fd));
    }
  }

 private:
  void Write(uint32_t at, const std::string& bytes) {
    WriteBytes(at, bytes.data(), bytes.size());
  }
  void WriteBytes(uint32_t at, const void* bytes, size_t size) {
    if (!instance_.memory()
             .Write(at, absl::MakeConstSpan(static_cast<const uint8_t*>(bytes),
                                            size))
             .ok()) {
      Fail("cannot write guest memory");
    }
  }
  void ReadBytes(uint32_t at, void* out, size_t size) {
    if (!instance_.memory()
             .Read(at, absl::MakeSpan(static_cast<uint8_t*>(out), size))
             .ok()) {
      Fail("cannot read guest memory");
    }
  }

  wasmhost::Instance& instance_;
  FuzzedDataProvider& in_;
  std::vector<int32_t> opened_;
  bool failed_ = false;

 public:
  bool failed() const { return failed_; }
};

using wasmhost::Val;

// One WASI call with generated arguments; returns its name.
std::string RandomCall(Driver& d, FuzzedDataProvider& in) {
  auto i32 = [](int32_t v) { return Val::I32(v); };
  auto i64 = [](int64_t v) { return Val::I64(v); };
  switch (in.ConsumeIntegralInRange<int>(0, 28)) {
    case 0: {
      // path_open: dirflags (follow symlinks or not), oflags, rights, fdflags.
      const int32_t fd = d.Fd();
      const int32_t dirflags = in.ConsumeIntegralInRange<int32_t>(0, 1);
      const int32_t len = d.Path(kPathA);
      const int32_t oflags = in.ConsumeIntegralInRange<int32_t>(0, 15);
      const int64_t base = d.Rights(), inheriting = d.Rights();
      const int32_t fdflags = in.ConsumeIntegralInRange<int32_t>(0, 31);
      d.Call("path_open",
             {i32(fd), i32(dirflags), i32(d.Ptr(kPathA)), i32(len), i32(oflags),
              i64(base), i64(inheriting), i32(fdflags), i32(d.Ptr(kResult))});
      return "path_open";
    }
    case 1:
      d.Call("fd_close", {i32(d.Fd())});
      return "fd_close";
    case 2: {
      const int32_t fd = d.Fd(), n = d.Iovecs();
      d.Call("fd_read",
             {i32(fd), i32(d.Ptr(kIovecs)), i32(n), i32(d.Ptr(kResult))});
      return "fd_read";
    }
    case 3: {
      const int32_t fd = d.Fd(), n = d.Iovecs();
      d.Call("fd_write",
             {i32(fd), i32(d.Ptr(kIovecs)), i32(n), i32(d.Ptr(kResult))});
      return "fd_write";
    }
    case 4: {
      const int32_t fd = d.Fd(), n = d.Iovecs();
      d.Call("fd_pread", {i32(fd), i32(d.Ptr(kIovecs)), i32(n), i64(d.I64()),
                          i32(d.Ptr(kResult))});
      return "fd_pread";
    }
    case 5: {
      const int32_t fd = d.Fd(), n = d.Iovecs();
      d.Call("fd_pwrite", {i32(fd), i32(d.Ptr(kIovecs)), i32(n), i64(d.I64()),
                           i32(d.Ptr(kResult))});
      return "fd_pwrite";
    }
    case 6:
      d.Call("fd_seek", {i32(d.Fd()), i64(d.I64()),
                         i32(in.ConsumeIntegralInRange<int32_t>(0, 3)),
                         i32(d.Ptr(kResult))});
      return "fd_seek";
    case 7:
      d.Call("fd_tell", {i32(d.Fd()), i32(d.Ptr(kResult))});
      return "fd_tell";
    case 8:
      d.Call(
          "fd_readdir",
          {i32(d.Fd()), i32(d.Ptr(kBuffer)),
           i32(in.ConsumeIntegralInRange<int32_t>(0, kBufferMax)),
           i64(in.ConsumeIntegralInRange<int64_t>(0, 8)), i32(d.Ptr(kResult))});
      return "fd_readdir";
    case 9:
      d.Call("fd_filestat_get", {i32(d.Fd()), i32(d.Ptr(kBuffer))});
      return "fd_filestat_get";
    case 10:
      d.Call(
          "fd_filestat_set_size",
          {i32(d.Fd()), i64(in.ConsumeIntegralInRange<int64_t>(0, 1 << 16))});
      return "fd_filestat_set_size";
    case 11:
      d.Call("fd_filestat_set_times",
             {i32(d.Fd()), i64(d.I64()), i64(d.I64()),
              i32(in.ConsumeIntegralInRange<int32_t>(0, 15))});
      return "fd_filestat_set_times";
    case 12:
      d.Call("fd_fdstat_get", {i32(d.Fd()), i32(d.Ptr(kBuffer))});
      return "fd_fdstat_get";
    case 13:
      d.Call("fd_fdstat_set_flags",
             {i32(d.Fd()), i32(in.ConsumeIntegralInRange<int32_t>(0, 31))});
      return "fd_fdstat_set_flags";
    case 14:
      d.Call("fd_prestat_get", {i32(d.Fd()), i32(d.Ptr(kBuffer))});
      return "fd_prestat_get";
    case 15:
      d.Call("fd_prestat_dir_name",
             {i32(d.Fd()), i32(d.Ptr(kBuffer)),
              i32(in.ConsumeIntegralInRange<int32_t>(0, 64))});
      return "fd_prestat_dir_name";
    case 16:
      d.Call("fd_renumber", {i32(d.Fd()), i32(d.Fd())});
      return "fd_renumber";
    case 17:
      d.Call(in.ConsumeBool() ? "fd_sync" : "fd_datasync", {i32(d.Fd())});
      return "fd_sync";
    case 18:
      d.Call("fd_allocate",
             {i32(d.Fd()), i64(in.ConsumeIntegralInRange<int64_t>(0, 1 << 16)),
              i64(in.ConsumeIntegralInRange<int64_t>(0, 1 << 16))});
      return "fd_allocate";
    case 19:
      d.Call("fd_advise", {i32(d.Fd()), i64(d.I64()), i64(d.I64()),
                           i32(in.ConsumeIntegralInRange<int32_t>(0, 6))});
      return "fd_advise";
    case 20: {
      const int32_t fd = d.Fd(), len = d.Path(kPathA);
      d.Call("path_create_directory", {i32(fd), i32(d.Ptr(kPathA)), i32(len)});
      return "path_create_directory";
    }
    case 21: {
      const int32_t fd = d.Fd(), len = d.Path(kPathA);
      d.Call("path_remove_directory", {i32(fd), i32(d.Ptr(kPathA)), i32(len)});
      return "path_remove_directory";
    }
    case 22: {
      const int32_t fd = d.Fd(), len = d.Path(kPathA);
      d.Call("path_unlink_file", {i32(fd), i32(d.Ptr(kPathA)), i32(len)});
      return "path_unlink_file";
    }
    case 23: {
      const int32_t fd = d.Fd();
      const int32_t flags = in.ConsumeIntegralInRange<int32_t>(0, 1);
      const int32_t len = d.Path(kPathA);
      d.Call("path_filestat_get", {i32(fd), i32(flags), i32(d.Ptr(kPathA)),
                                   i32(len), i32(d.Ptr(kBuffer))});
      return "path_filestat_get";
    }
    case 24: {
      const int32_t fd = d.Fd();
      const int32_t flags = in.ConsumeIntegralInRange<int32_t>(0, 1);
      const int32_t len = d.Path(kPathA);
      d.Call("path_filestat_set_times",
             {i32(fd), i32(flags), i32(d.Ptr(kPathA)), i32(len), i64(d.I64()),
              i64(d.I64()), i32(in.ConsumeIntegralInRange<int32_t>(0, 15))});
      return "path_filestat_set_times";
    }
    case 25: {
      const int32_t fd = d.Fd(), len = d.Path(kPathA);
      d.Call("path_readlink",
             {i32(fd), i32(d.Ptr(kPathA)), i32(len), i32(d.Ptr(kBuffer)),
              i32(in.ConsumeIntegralInRange<int32_t>(0, 256)),
              i32(d.Ptr(kResult))});
      return "path_readlink";
    }
    case 26: {
      const int32_t fd = d.Fd(), len = d.Path(kPathA);
      const int32_t fd2 = d.Fd(), len2 = d.Path(kPathB);
      d.Call("path_rename", {i32(fd), i32(d.Ptr(kPathA)), i32(len), i32(fd2),
                             i32(d.Ptr(kPathB)), i32(len2)});
      return "path_rename";
    }
    case 27: {
      const int32_t fd = d.Fd();
      const int32_t flags = in.ConsumeIntegralInRange<int32_t>(0, 1);
      const int32_t len = d.Path(kPathA);
      const int32_t fd2 = d.Fd(), len2 = d.Path(kPathB);
      d.Call("path_link", {i32(fd), i32(flags), i32(d.Ptr(kPathA)), i32(len),
                           i32(fd2), i32(d.Ptr(kPathB)), i32(len2)});
      return "path_link";
    }
    default: {
      // The target is free text: a symlink to "../canary-" is only text.
      const int32_t len = d.Path(kPathA);
      const int32_t fd = d.Fd(), len2 = d.Path(kPathB);
      d.Call("path_symlink", {i32(d.Ptr(kPathA)), i32(len), i32(fd),
                              i32(d.Ptr(kPathB)), i32(len2)});
      return "path_symlink";
    }
  }
}

const wasmhost::Engine& TheEngine() {
  static const wasmhost::Engine* engine = [] {
    wasmhost::EngineOptions options;
    options.worker_threads = 1;
    absl::StatusOr<wasmhost::Engine> e = wasmhost::Engine::Create(options);
    if (!e.ok()) Fail("Engine::Create: " + e.status().ToString());
    return new wasmhost::Engine(*std::move(e));
  }();
  return *engine;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const wasmhost::Module* module = [] {
    absl::StatusOr<wasmhost::Module> m = TheEngine().Compile(
        absl::MakeConstSpan(wasi_driver_wasm, wasi_driver_wasm_len));
    if (!m.ok()) Fail("driver: " + m.status().ToString());
    return new wasmhost::Module(*std::move(m));
  }();
  static const wasmhost::Linker* linker = [] {
    auto* l = new wasmhost::Linker;
    if (!wasmhost::wasi::AddToLinker(*l).ok()) Fail("AddToLinker");
    return l;
  }();
  const Tree& tree = TheTree();
  ResetBox(tree);

  wasmhost::wasi::WasiOptions options;
  options.preopens.push_back({tree.box.string(), "/sandbox", false});
  absl::StatusOr<std::unique_ptr<wasmhost::wasi::WasiContext>> context =
      wasmhost::wasi::WasiContext::Create(std::move(options));
  if (!context.ok())
    Fail("WasiContext::Create: " + context.status().ToString());
  wasmhost::InstanceOptions instance_options;
  instance_options.SetContext(context->get());
  absl::StatusOr<wasmhost::Instance> instance =
      wasmhost::Instance::Create(*module, *linker, instance_options);
  if (!instance.ok()) Fail("Instance::Create: " + instance.status().ToString());

  FuzzedDataProvider in(data, size);
  Driver driver(*instance, in);
  for (int i = 0; i < 64 && in.remaining_bytes() > 0; ++i) {
    const std::string call = RandomCall(driver, in);
    CheckMemory(tree, *instance, call);
    if (driver.failed()) break;
  }
  CheckTree(tree);
  return 0;
}
