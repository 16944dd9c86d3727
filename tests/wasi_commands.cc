// tests/wasi_commands.h's runners.

#include "tests/wasi_commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"
#include "wasmhost/wasi.h"
#include "wasmhost/wasi_component.h"

namespace wasmhost::testing {

using wasi::OutputSink;
using wasi::WasiContext;
using wasi::WasiOptions;

std::unique_ptr<Guest> InstantiateWithWasi(absl::Span<const uint8_t> bytes,
                                           WasiOptions options) {
  auto guest = std::make_unique<Guest>();
  options.stdout_sink = OutputSink::ToString(&guest->out);
  options.stderr_sink = OutputSink::ToString(&guest->err);
  absl::StatusOr<std::unique_ptr<WasiContext>> context =
      WasiContext::Create(std::move(options));
  EXPECT_TRUE(context.ok()) << context.status();
  if (!context.ok()) return nullptr;
  guest->context = *std::move(context);

  Linker linker;
  EXPECT_OK(wasi::AddToLinker(linker));
  absl::StatusOr<Module> module = testing::Compile(bytes);
  EXPECT_TRUE(module.ok()) << module.status();
  if (!module.ok()) return nullptr;
  InstanceOptions instance_options;
  instance_options.SetContext(guest->context.get());
  absl::StatusOr<Instance> instance =
      Instance::Create(*module, linker, instance_options);
  EXPECT_TRUE(instance.ok()) << instance.status();
  if (!instance.ok()) return nullptr;
  guest->instance.emplace(*std::move(instance));
  return guest;
}

CommandResult RunGuest(absl::Span<const uint8_t> bytes,
                       std::vector<std::string> args, WasiOptions options) {
  options.args = std::move(args);
  std::unique_ptr<Guest> guest = InstantiateWithWasi(bytes, std::move(options));
  if (guest == nullptr) {
    return {absl::InternalError("could not instantiate"), "", ""};
  }
  absl::StatusOr<int> code = wasi::RunCommand(*guest->instance);
  return {code, guest->out, guest->err};
}

absl::StatusOr<component::Instance> InstantiateComponentWithWasi(
    absl::Span<const uint8_t> bytes, WasiContext* context) {
  component::Linker linker;
  absl::Status added = wasi::AddToComponentLinker(linker);
  if (!added.ok()) return added;
  absl::StatusOr<component::Component> compiled =
      component::Component::Compile(SharedEngine(), bytes);
  if (!compiled.ok()) return compiled.status();
  InstanceOptions instance_options;
  if (context != nullptr) instance_options.SetContext(context);
  return component::Instance::Create(*compiled, linker, instance_options);
}

CommandResult RunComponentGuest(absl::Span<const uint8_t> bytes,
                                std::vector<std::string> args,
                                WasiOptions options) {
  CommandResult result{absl::InternalError("not run"), "", ""};
  options.args = std::move(args);
  options.stdout_sink = OutputSink::ToString(&result.out);
  options.stderr_sink = OutputSink::ToString(&result.err);
  absl::StatusOr<std::unique_ptr<WasiContext>> context =
      WasiContext::Create(std::move(options));
  if (!context.ok()) {
    result.exit_code = context.status();
    return result;
  }
  absl::StatusOr<component::Instance> instance =
      InstantiateComponentWithWasi(bytes, context->get());
  if (!instance.ok()) {
    result.exit_code = instance.status();
    return result;
  }
  result.exit_code = wasi::RunComponentCommand(*instance);
  return result;
}

std::string MakeWalkTree() {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/z.txt", "");
  EXPECT_EQ(mkdir((dir + "/m").c_str(), 0755), 0);
  EXPECT_EQ(mkdir((dir + "/a").c_str(), 0755), 0);
  EXPECT_EQ(mkdir((dir + "/a/c").c_str(), 0755), 0);
  WriteFile(dir + "/a/c/d.txt", "hello");
  WriteFile(dir + "/a/b.txt", "abc");
  EXPECT_EQ(symlink("a/c", (dir + "/link").c_str()), 0);
  return dir;
}

}  // namespace wasmhost::testing
