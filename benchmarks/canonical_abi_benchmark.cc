// The canonical ABI's per-byte cost: lowering and lifting a 1 KiB string and
// a list<f64>, each beside the native work it cannot avoid (a memcpy plus
// the UTF-8 check; a loop storing the doubles). No engine: the guest memory
// is a byte vector with a bump-allocator realloc.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "lib/component/canonical_abi.h"
#include "lib/wasm/binary_reader.h"

namespace wasmhost::bench {
namespace {

using component::CanonicalOptions;
using component::CoreValueIter;
using component::LiftLowerContext;
using component::TypeArena;
using component::TypeId;
using component::TypeKind;

class BumpMemory : public component::GuestMemory {
 public:
  absl::Span<uint8_t> Bytes() override { return absl::MakeSpan(bytes_); }
  absl::StatusOr<uint32_t> Realloc(uint32_t, uint32_t, uint32_t align,
                                   uint32_t new_size) override {
    const uint32_t ptr = (top_ + align - 1) / align * align;
    top_ = ptr + new_size;
    return ptr;
  }
  void Reset() { top_ = 16; }

 private:
  std::vector<uint8_t> bytes_ = std::vector<uint8_t>(64 * 1024);
  uint32_t top_ = 16;
};

// 1 KiB of UTF-8: mostly ASCII with some two- and three-byte characters.
std::string Text() {
  std::string s;
  while (s.size() < 1024 - 8) s += "caf\u00e9 \u20ac10, ";
  s.resize(1024 - 8);
  s += "abcdefgh";
  return s;
}

struct Setup {
  Setup() {
    opts.memory = &memory;
    opts.realloc = true;
  }
  TypeArena types;
  BumpMemory memory;
  CanonicalOptions opts;
};

void BM_LowerString(benchmark::State& state) {
  Setup s;
  const component::Val text = component::Val::String(Text());
  const TypeId str = TypeArena::Primitive(TypeKind::kString);
  std::vector<Val> flat;
  for (auto _ : state) {
    s.memory.Reset();
    flat.clear();
    LiftLowerContext cx{s.types, s.opts, nullptr, std::nullopt, {}};
    MustOk(component::LowerFlat(cx, text, str, flat), "LowerFlat");
    benchmark::DoNotOptimize(flat.data());
  }
  state.SetBytesProcessed(state.iterations() * text.string().size());
}
BENCHMARK(BM_LowerString);

void BM_MemcpyAndValidate(benchmark::State& state) {
  BumpMemory memory;
  const std::string text = Text();
  for (auto _ : state) {
    memory.Reset();
    if (!wasm::IsValidUtf8(text)) state.SkipWithError("invalid");
    const uint32_t ptr = *memory.Realloc(0, 0, 1, text.size());
    std::memcpy(memory.Bytes().data() + ptr, text.data(), text.size());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_MemcpyAndValidate);

void BM_LiftString(benchmark::State& state) {
  Setup s;
  const std::string text = Text();
  std::memcpy(s.memory.Bytes().data() + 64, text.data(), text.size());
  const std::vector<Val> flat = {Val::I32(64),
                                 Val::I32(static_cast<int32_t>(text.size()))};
  const TypeId str = TypeArena::Primitive(TypeKind::kString);
  for (auto _ : state) {
    LiftLowerContext cx{s.types, s.opts, nullptr, std::nullopt, {}};
    CoreValueIter vi(flat);
    auto v = component::LiftFlat(cx, vi, str);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_LiftString);

void BM_ValidateAndCopyOut(benchmark::State& state) {
  BumpMemory memory;
  const std::string text = Text();
  std::memcpy(memory.Bytes().data() + 64, text.data(), text.size());
  for (auto _ : state) {
    std::string s(reinterpret_cast<const char*>(memory.Bytes().data() + 64),
                  text.size());
    if (!wasm::IsValidUtf8(s)) state.SkipWithError("invalid");
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_ValidateAndCopyOut);

constexpr int kDoubles = 128;

void BM_LowerListF64(benchmark::State& state) {
  Setup s;
  component::Type list{TypeKind::kList};
  list.element = TypeArena::Primitive(TypeKind::kF64);
  const TypeId list_f64 = s.types.Add(list);
  std::vector<component::Val> elements;
  for (int i = 0; i < kDoubles; ++i)
    elements.push_back(component::Val::F64(i * 0.5));
  const component::Val value = component::Val::List(elements);
  std::vector<Val> flat;
  for (auto _ : state) {
    s.memory.Reset();
    flat.clear();
    LiftLowerContext cx{s.types, s.opts, nullptr, std::nullopt, {}};
    MustOk(component::LowerFlat(cx, value, list_f64, flat), "LowerFlat");
    benchmark::DoNotOptimize(flat.data());
  }
  state.SetItemsProcessed(state.iterations() * kDoubles);
}
BENCHMARK(BM_LowerListF64);

void BM_StoreDoubles(benchmark::State& state) {
  BumpMemory memory;
  std::vector<double> doubles;
  for (int i = 0; i < kDoubles; ++i) doubles.push_back(i * 0.5);
  for (auto _ : state) {
    memory.Reset();
    const uint32_t ptr = *memory.Realloc(0, 0, 8, kDoubles * 8);
    uint8_t* out = memory.Bytes().data() + ptr;
    for (double d : doubles) {
      std::memcpy(out, &d, 8);
      out += 8;
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kDoubles);
}
BENCHMARK(BM_StoreDoubles);

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using wasmhost::bench::PrintRatio;
  if (!wasmhost::bench::InitBenchmark(argv[0], argc, argv)) return 1;
  wasmhost::bench::RunBenchmarks(
      argc, argv, [](const wasmhost::bench::RatioReporter& r) {
        PrintRatio(r, "lower 1 KiB string", "BM_LowerString",
                   "BM_MemcpyAndValidate", 1.5, 1, "canonical ABI",
                   "memcpy+validate");
        PrintRatio(r, "lift 1 KiB string", "BM_LiftString",
                   "BM_ValidateAndCopyOut", 1.5, 1, "canonical ABI",
                   "validate+copy");
        PrintRatio(r, "lower list<f64> x128", "BM_LowerListF64",
                   "BM_StoreDoubles", 0, 1, "canonical ABI", "store loop");
      });
  return 0;
}
