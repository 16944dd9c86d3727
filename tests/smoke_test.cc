#include <thread>
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

TEST(Smoke, Everything) {
  absl::StatusOr<Engine> engine = Engine::Create();
  ASSERT_TRUE(engine.ok()) << engine.status();
  absl::StatusOr<Module> module = engine->Compile(fixtures::basics_wasm());
  ASSERT_TRUE(module.ok()) << module.status();
  Linker linker;
  std::string logged;
  ASSERT_TRUE(linker.Define("host", "log", [&](Caller& caller, int32_t ptr, int32_t len) -> absl::Status {
    absl::StatusOr<std::string> s = caller.memory().ReadString(ptr, len);
    if (!s.ok()) return s.status();
    logged = *s;
    return absl::OkStatus();
  }).ok());
  ASSERT_TRUE(linker.Define("host", "add64", [](int64_t a, int64_t b) { return a + b; }).ok());
  absl::StatusOr<Instance> instance = Instance::Create(*module, linker);
  ASSERT_TRUE(instance.ok()) << instance.status();
  auto add = instance->GetFunc<int32_t(int32_t, int32_t)>("add");
  ASSERT_TRUE(add.ok()) << add.status();
  EXPECT_EQ(*add->Call(2, 3), 5);
  auto add64 = instance->GetFunc<int64_t(int64_t, int64_t)>("add_via_host");
  ASSERT_TRUE(add64.ok());
  EXPECT_EQ(*add64->Call(int64_t{1} << 40, 7), (int64_t{1} << 40) + 7);
  auto hello = instance->GetFunc<void()>("say_hello");
  ASSERT_TRUE(hello->Call().ok());
  EXPECT_EQ(logged, "hello from wasm");
  auto swap = instance->GetFunc<std::tuple<double, float>(float, double)>("swap");
  ASSERT_TRUE(swap.ok()) << swap.status();
  auto swapped = swap->Call(1.5f, 2.25);
  ASSERT_TRUE(swapped.ok()) << swapped.status();
  EXPECT_EQ(std::get<0>(*swapped), 2.25);
  EXPECT_EQ(std::get<1>(*swapped), 1.5f);
  auto grow = instance->GetFunc<int32_t(int32_t)>("grow");
  EXPECT_EQ(*grow->Call(1), 1);
  EXPECT_EQ(*grow->Call(10), -1);
  EXPECT_EQ(instance->memory().size(), 2 * 65536u);

  absl::StatusOr<Instance> second = Instance::Create(*module, linker);
  auto divide = second->GetFunc<int32_t(int32_t, int32_t)>("divide");
  absl::StatusOr<int32_t> r = divide->Call(1, 0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  std::cerr << r.status() << "\n";
  EXPECT_EQ(divide->Call(1, 1).status().code(), absl::StatusCode::kFailedPrecondition);

  absl::StatusOr<Instance> third = Instance::Create(*module, linker);
  auto recurse = third->GetFunc<int32_t(int32_t)>("recurse");
  std::cerr << recurse->Call(1).status().ToString().substr(0, 300) << "\n";

  absl::StatusOr<Instance> fourth = Instance::Create(*module, linker);
  auto spin = fourth->GetFunc<void()>("spin");
  absl::Time start = absl::Now();
  absl::Status s = spin->Call(CallOptions::WithTimeout(absl::Milliseconds(50)));
  std::cerr << s << " after " << absl::Now() - start << "\n";
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(*add->Call(2, 3), 5);

  // small stack thread
  std::string small_result;
  pthread_attr_t attr; pthread_attr_init(&attr); pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t t;
  struct Args { Module* m; Linker* l; std::string* out; } args{&*module, &linker, &small_result};
  pthread_create(&t, &attr, [](void* p) -> void* {
    auto* a = static_cast<Args*>(p);
    auto inst = Instance::Create(*a->m, *a->l);
    auto rec = inst->GetFunc<int32_t(int32_t)>("recurse");
    *a->out = rec->Call(1).status().ToString().substr(0, 200);
    return nullptr;
  }, &args);
  pthread_join(t, nullptr);
  std::cerr << "small stack: " << small_result << "\n";
}

}  // namespace
}  // namespace wasmhost
