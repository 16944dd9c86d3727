// WASI 0.2 in fresh-state component pools (wasi::ConfigurePool for
// components): a guest warmed in initialize_instance keeps its streams and
// descriptors across resets and in replacements, each lease gets fresh
// state and its own stdout, what a lease opens is closed after it, and the
// instance is reset rather than replaced. Beside the internals so it can
// count a context's live 0.2 objects (WasiContextImpl::resources()).

#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "guests/components/js/js.h"
#include "guests/guests.h"
#include "lib/wasi/context.h"
#include "wasmhost/component.h"
#include "wasmhost/component_pool.h"
#include "wasmhost/component_typed.h"
#include "wasmhost/engine.h"
#include "wasmhost/pool.h"
#include "wasmhost/wasi.h"
#include "wasmhost/wasi_component.h"

namespace wasmhost::wasi {
namespace {

using component::Val;

const Engine& TestEngine() {
  static const Engine* engine = new Engine(*Engine::Create());
  return *engine;
}

component::Component CompileComponent(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<component::Component> component =
      component::Component::Compile(TestEngine(), bytes);
  EXPECT_TRUE(component.ok()) << component.status();
  return *std::move(component);
}

// A new directory holding note.txt, other.txt and file.txt.
std::string DataDir() {
  char pattern[] = "/tmp/wasmhost_p2_pool_XXXXXX";
  const char* dir = ::mkdtemp(pattern);
  EXPECT_NE(dir, nullptr);
  std::ofstream(absl::StrCat(dir, "/note.txt")) << "line1\nline2\nline3\n";
  std::ofstream(absl::StrCat(dir, "/other.txt")) << "other";
  // What guests/pool_state.c opens.
  std::ofstream(absl::StrCat(dir, "/file.txt")) << "line1\nline2\nline3\n";
  return dir;
}

// The process's open host descriptors.
size_t OpenHostFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  size_t count = 0;
  while (::readdir(dir) != nullptr) ++count;
  ::closedir(dir);
  return count;
}

// The WASI 0.2 objects the lease's context holds now.
size_t LiveObjects(component::Lease& lease) {
  auto* context = static_cast<WasiContextImpl*>(lease->context<WasiContext>());
  EXPECT_NE(context, nullptr);
  return context == nullptr ? 0 : context->resources().size();
}

// Calls export `name` of `instance` as R(Params...).
template <typename R, typename... Params>
absl::StatusOr<R> CallExport(component::Instance& instance,
                             absl::string_view name, Params... args) {
  absl::StatusOr<component::TypedFunc<R(Params...)>> func =
      instance.GetFunc<R(Params...)>(name);
  if (!func.ok()) return func.status();
  return func->Call(args...);
}

// guests/components/wasi_reactor.c's exports on `instance`.
absl::StatusOr<uint32_t> Shout(component::Instance& instance,
                               std::string_view message) {
  return CallExport<uint32_t>(instance, "shout", message);
}
absl::StatusOr<bool> OpenNote(component::Instance& instance,
                              std::string_view path) {
  return CallExport<bool>(instance, "open-note", path);
}
absl::StatusOr<std::string> ReadNote(component::Instance& instance,
                                     uint32_t n) {
  return CallExport<std::string>(instance, "read-note", n);
}

// Warms the C reactor: its adapter sets itself up (stdout stream, the
// preopens, a page of memory), and it opens /data/note.txt and reads its
// first line, so every lease starts at the second.
absl::Status WarmReactor(component::Instance& instance) {
  absl::StatusOr<uint32_t> printed = Shout(instance, "warm");
  if (!printed.ok()) return printed.status();
  absl::StatusOr<bool> opened = OpenNote(instance, "/data/note.txt");
  if (!opened.ok()) return opened.status();
  if (!*opened) return absl::InternalError("open-note failed");
  absl::StatusOr<std::string> line = ReadNote(instance, 6);
  if (!line.ok()) return line.status();
  if (*line != "line1\n") return absl::InternalError("read-note: " + *line);
  return absl::OkStatus();
}

struct ReactorPool {
  std::string base_out;  // stdout of what no lease redirected
  std::unique_ptr<component::InstancePool> pool;
};

// A fresh-state pool of the C reactor with WASI from ConfigurePool, warmed
// by WarmReactor, with `max_idle_per_thread` idle instances.
void MakeReactorPool(ReactorPool& out, size_t max_idle_per_thread) {
  WasiOptions wasi_options;
  wasi_options.env = {{"GREETING", "hi"}};
  wasi_options.preopens = {Preopen{DataDir(), "/data", /*read_only=*/true}};
  wasi_options.stdout_sink = OutputSink::ToString(&out.base_out);
  component::PoolOptions options;
  options.max_idle_per_thread = max_idle_per_thread;
  options.initialize_instance = WarmReactor;
  ASSERT_TRUE(ConfigurePool(options, wasi_options).ok());
  component::Linker linker;
  ASSERT_TRUE(AddToComponentLinker(linker).ok());
  absl::StatusOr<std::unique_ptr<component::InstancePool>> pool =
      component::InstancePool::Create(
          CompileComponent(guests::wasi_reactor_wasm()), linker, options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  out.pool = *std::move(pool);
}

// Many leases of one warmed instance: each starts where the image does
// (the note at its second line, the adapter's stdout stream working),
// writes to its own stdout, and what it opens is closed after it: the
// host's descriptors and the context's objects are back to what they were,
// and the instance is reset, never replaced.
TEST(P2PoolTest, WarmedReactorIsResetNotReplaced) {
  ReactorPool reactor;
  MakeReactorPool(reactor, /*max_idle_per_thread=*/1);
  EXPECT_EQ(reactor.pool->stats().fresh_state_refusal, "");
  // Measured after the first lease: its reset opens the pagemap the pool
  // keeps open (lib/util/memory_image.cc).
  std::optional<size_t> host_fds;
  std::optional<size_t> objects_at_start;
  constexpr int kLeases = 20;
  for (int i = 0; i < kLeases; ++i) {
    if (host_fds) {
      EXPECT_EQ(OpenHostFds(), *host_fds) << "lease " << i;
    }
    size_t fds_in_lease = 0;
    {
      absl::StatusOr<component::Lease> lease = reactor.pool->Acquire();
      ASSERT_TRUE(lease.ok()) << lease.status();
      if (!objects_at_start) objects_at_start = LiveObjects(*lease);
      EXPECT_EQ(LiveObjects(*lease), *objects_at_start) << "lease " << i;
      std::string out;
      (*lease)->context<WasiContext>()->SetStdout(OutputSink::ToString(&out));
      const std::string message = absl::StrCat("lease ", i);
      ASSERT_TRUE(Shout(lease->instance(), message).ok());
      EXPECT_EQ(out, message + "! hi\n");
      EXPECT_EQ(ReadNote(lease->instance(), 6).value_or(""), "line2\n")
          << "lease " << i;
      // A file opened in the lease, left open, and read.
      EXPECT_TRUE(
          OpenNote(lease->instance(), "/data/other.txt").value_or(false));
      EXPECT_EQ(ReadNote(lease->instance(), 5).value_or(""), "other");
      fds_in_lease = OpenHostFds();
      EXPECT_GT(LiveObjects(*lease), *objects_at_start);
    }
    // Released: the lease's file is closed.
    if (!host_fds) host_fds = OpenHostFds();
    EXPECT_LT(*host_fds, fds_in_lease);
  }
  EXPECT_EQ(OpenHostFds(), *host_fds);
  EXPECT_EQ(reactor.base_out, "warm! hi\n");
  const PoolStats stats = reactor.pool->stats();
  EXPECT_EQ(stats.leases, kLeases);
  EXPECT_EQ(stats.resets, kLeases);
  EXPECT_EQ(stats.replacements, 0u);
  EXPECT_EQ(stats.discards, 0u);
  EXPECT_EQ(stats.misses, 0u);
}

// An instance made from the image (here on every lease: none is kept
// idle) has a context of its own; the image's stream and descriptors are
// put into it, the note at the image's position.
TEST(P2PoolTest, ReplacementsGetTheImagesHostObjects) {
  ReactorPool reactor;
  MakeReactorPool(reactor, /*max_idle_per_thread=*/0);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<component::Lease> lease = reactor.pool->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    std::string out;
    (*lease)->context<WasiContext>()->SetStdout(OutputSink::ToString(&out));
    EXPECT_TRUE(Shout(lease->instance(), "again").ok());
    EXPECT_EQ(out, "again! hi\n");
    EXPECT_EQ(ReadNote(lease->instance(), 6).value_or(""), "line2\n");
  }
  EXPECT_EQ(reactor.pool->stats().replacements, 3u);
  EXPECT_EQ(reactor.base_out, "warm! hi\n");
}

// The image's handles must name objects the context still has: a warm-up
// that resets the context itself leaves the guest holding handles to
// nothing, and Create says so.
TEST(P2PoolTest, ImageOfHandlesToResetObjectsIsRefused) {
  WasiOptions wasi_options;
  component::PoolOptions options;
  options.initialize_instance = [](component::Instance& instance) {
    absl::Status warmed = Shout(instance, "warm").status();
    if (!warmed.ok()) return warmed;
    return instance.context<WasiContext>()->Reset();
  };
  ASSERT_TRUE(ConfigurePool(options, wasi_options).ok());
  component::Linker linker;
  ASSERT_TRUE(AddToComponentLinker(linker).ok());
  absl::StatusOr<std::unique_ptr<component::InstancePool>> pool =
      component::InstancePool::Create(
          CompileComponent(guests::wasi_reactor_wasm()), linker, options);
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(pool.status().message(),
              ::testing::HasSubstr("which its WasiContext no longer has"));
}

// A new instance whose context lacks a preopen the image's handles name
// cannot be made from the image: its Acquire fails, the pool stays usable.
TEST(P2PoolTest, ReplacementWithoutTheImagesPreopenFails) {
  const std::string dir = DataDir();
  int contexts = 0;
  component::PoolOptions options;
  options.max_idle_per_thread = 0;  // every lease a new instance
  options.setup_instance = [&](InstanceOptions& instance_options) {
    WasiOptions wasi_options;
    // The second instance, the first lease's, gets no preopen.
    if (contexts++ != 1) wasi_options.preopens = {Preopen{dir, "/data"}};
    absl::StatusOr<std::unique_ptr<WasiContext>> context =
        WasiContext::Create(wasi_options);
    if (!context.ok()) return context.status();
    instance_options.SetContext(
        std::shared_ptr<WasiContext>(*std::move(context)));
    return absl::OkStatus();
  };
  options.reset_instance = [](component::Instance& instance) {
    return instance.context<WasiContext>()->Reset();
  };
  options.initialize_instance = WarmReactor;
  component::Linker linker;
  ASSERT_TRUE(AddToComponentLinker(linker).ok());
  absl::StatusOr<std::unique_ptr<component::InstancePool>> pool =
      component::InstancePool::Create(
          CompileComponent(guests::wasi_reactor_wasm()), linker, options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  // The first instance was not kept: this one is new.
  absl::StatusOr<component::Lease> lease = (*pool)->Acquire();
  EXPECT_EQ(lease.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(lease.status().message(),
              ::testing::HasSubstr("the pool's image holds preopen 0"));
  lease = (*pool)->Acquire();
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ(ReadNote(lease->instance(), 6).value_or(""), "line2\n");
}

// One WasiOptions for both WASI versions: a module pool (preview 1,
// guests/pool_state.c) and a component pool (0.2, the C reactor), each
// set up by its ConfigurePool from a copy. In both, a file a lease opens
// is closed when the lease ends, and stdout set for a lease is dropped.
TEST(P2PoolTest, OneWasiOptionsResetsBothVersions) {
  std::string base;
  WasiOptions wasi_options;
  wasi_options.env = {{"GREETING", "hi"}};
  wasi_options.preopens = {Preopen{DataDir(), "/data", /*read_only=*/true}};
  wasi_options.stdout_sink = OutputSink::ToString(&base);

  PoolOptions module_options;
  ASSERT_TRUE(ConfigurePool(module_options, wasi_options).ok());
  Linker module_linker;
  ASSERT_TRUE(AddToLinker(module_linker).ok());
  absl::StatusOr<Module> module =
      TestEngine().Compile(guests::pool_state_wasm());
  ASSERT_TRUE(module.ok()) << module.status();
  absl::StatusOr<std::unique_ptr<InstancePool>> module_pool =
      InstancePool::Create(*module, module_linker, module_options);
  ASSERT_TRUE(module_pool.ok()) << module_pool.status();

  component::PoolOptions component_options;
  ASSERT_TRUE(ConfigurePool(component_options, wasi_options).ok());
  component::Linker component_linker;
  ASSERT_TRUE(AddToComponentLinker(component_linker).ok());
  absl::StatusOr<std::unique_ptr<component::InstancePool>> component_pool =
      component::InstancePool::Create(
          CompileComponent(guests::wasi_reactor_wasm()), component_linker,
          component_options);
  ASSERT_TRUE(component_pool.ok()) << component_pool.status();

  // Measured after the first round, whose resets open the pagemap the
  // pools keep open.
  std::optional<size_t> host_fds;
  for (int i = 0; i < 3; ++i) {
    if (host_fds) {
      EXPECT_EQ(OpenHostFds(), *host_fds) << "round " << i;
    }
    size_t fds_in_lease = 0;
    std::string out;
    {
      absl::StatusOr<Lease> lease = (*module_pool)->Acquire();
      ASSERT_TRUE(lease.ok()) << lease.status();
      (*lease)->context<WasiContext>()->SetStdout(OutputSink::ToString(&out));
      absl::StatusOr<TypedFunc<int32_t()>> open_file =
          (*lease)->GetFunc<int32_t()>("open_file");
      ASSERT_TRUE(open_file.ok());
      absl::StatusOr<int32_t> fd = open_file->Call();
      ASSERT_TRUE(fd.ok()) << fd.status();
      EXPECT_EQ(*fd, 4);  // the lowest free number every time
      absl::StatusOr<TypedFunc<int32_t(int32_t)>> read_fd =
          (*lease)->GetFunc<int32_t(int32_t)>("read_fd");
      ASSERT_TRUE(read_fd.ok());
      EXPECT_EQ(read_fd->Call(*fd).value_or(-1), 18);
      fds_in_lease = OpenHostFds();
    }
    EXPECT_EQ(out, "line1\nline2\nline3\n");
    EXPECT_LT(OpenHostFds(), fds_in_lease);
    out.clear();
    {
      absl::StatusOr<component::Lease> lease = (*component_pool)->Acquire();
      ASSERT_TRUE(lease.ok()) << lease.status();
      (*lease)->context<WasiContext>()->SetStdout(OutputSink::ToString(&out));
      EXPECT_TRUE(Shout(lease->instance(), "p2").ok());
      EXPECT_TRUE(
          OpenNote(lease->instance(), "/data/note.txt").value_or(false));
      EXPECT_EQ(ReadNote(lease->instance(), 6).value_or(""), "line1\n");
      fds_in_lease = OpenHostFds();
    }
    EXPECT_EQ(out, "p2! hi\n");
    EXPECT_LT(OpenHostFds(), fds_in_lease);
    if (!host_fds) host_fds = OpenHostFds();
  }
  EXPECT_EQ(base, "");
}

// The JavaScript component (componentize-qjs) warmed in
// initialize_instance: every lease reads the virtual clock from its start
// (the context is reset) and the instance is kept.
TEST(P2PoolTest, WarmedJavaScriptComponentIsResetNotReplaced) {
  WasiOptions wasi_options;
  wasi_options.virtual_clock.emplace();
  wasi_options.virtual_clock->start_nanos = 1'800'000'000'000'000'000;
  component::PoolOptions options;
  options.max_idle_per_thread = 1;
  auto stamp = [](component::Instance& instance,
                  std::string_view text) -> absl::StatusOr<std::string> {
    absl::StatusOr<component::Func> func =
        instance.GetFunc("demo:text/analyze@0.1.0", "stamp");
    if (!func.ok()) return func.status();
    absl::StatusOr<std::vector<Val>> result =
        func->Call({Val::String(std::string(text))});
    if (!result.ok()) return result.status();
    return std::string(result->at(0).string());
  };
  options.initialize_instance =
      [stamp](component::Instance& instance) -> absl::Status {
    return stamp(instance, "warm").status();
  };
  ASSERT_TRUE(ConfigurePool(options, wasi_options).ok());
  component::Linker linker;
  ASSERT_TRUE(AddToComponentLinker(linker).ok());
  absl::StatusOr<std::unique_ptr<component::InstancePool>> pool =
      component::InstancePool::Create(CompileComponent(guests::text_wasm()),
                                      linker, options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  std::optional<size_t> objects_at_start;
  constexpr int kLeases = 10;
  for (int i = 0; i < kLeases; ++i) {
    absl::StatusOr<component::Lease> lease = (*pool)->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    if (!objects_at_start) objects_at_start = LiveObjects(*lease);
    EXPECT_EQ(LiveObjects(*lease), *objects_at_start);
    EXPECT_EQ(stamp(lease->instance(), "now").value_or(""),
              "2027-01-15T08:00:00.000Z now");
  }
  const PoolStats stats = (*pool)->stats();
  EXPECT_EQ(stats.resets, kLeases);
  EXPECT_EQ(stats.replacements, 0u);
  EXPECT_EQ(stats.discards, 0u);
}

}  // namespace
}  // namespace wasmhost::wasi
