// Bulk memory and table instructions under deadlines and
// Limits::max_table_elements (fuel: fuel_test). V8 runs each as one runtime
// call that never checks for termination, so the SDK splits them into chunks: a
// 10 ms deadline must stop a 1 GiB memory.fill within a few tens of ms, and the
// chunked instructions must give exactly the results and traps the
// instructions define (checked here against a host-side model on ranges
// larger than one chunk and at the edges).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/errors.h"
#include "wasmhost/instance.h"

namespace wasmhost {
namespace {

using ::wasmhost::testing::IsOkAndHolds;

constexpr uint32_t kMiB = 1 << 20;
constexpr uint32_t kGiB = 1u << 30;
constexpr absl::Duration kDeadline = absl::Milliseconds(10);
// How far past its deadline a call may return: a chunk is ~0.5 ms; the
// rest is scheduling on a loaded 2-core machine, and ASan.
constexpr absl::Duration kSlack = absl::Milliseconds(90);

using Fn3 = void(int32_t, int32_t, int32_t);

InstanceOptions NoTableLimit() {
  InstanceOptions options;
  options.limits.max_table_elements = 0;
  return options;
}

// Runs `call` with a 10 ms deadline and expects it stopped in time.
void ExpectStoppedAtDeadline(
    const std::function<absl::Status(const CallOptions&)>& call) {
  const absl::Time start = absl::Now();
  absl::Status status = call(CallOptions::WithTimeout(kDeadline));
  const absl::Duration took = absl::Now() - start;
  EXPECT_STATUS(status, absl::StatusCode::kDeadlineExceeded,
                "stopped at its deadline");
  EXPECT_LT(took, kDeadline + kSlack);
}

class BulkDeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(Instance instance,
                         testing::Instantiate(fixtures::bulk_long_wasm(),
                                              Linker(), NoTableLimit()));
    instance_.emplace(std::move(instance));
  }

  TypedFunc<Fn3> Func3(const char* name) {
    return *instance_->GetFunc<Fn3>(name);
  }

  // Grows the table to `n` elements without a deadline.
  void GrowTable(int32_t n) {
    ASSERT_OK_AND_ASSIGN(auto grow,
                         instance_->GetFunc<int32_t(int32_t)>("table_grow"));
    EXPECT_THAT(grow.Call(n), IsOkAndHolds(0));
  }

  std::optional<Instance> instance_;
};

TEST_F(BulkDeadlineTest, MemoryFillOfOneGiB) {
  TypedFunc<Fn3> fill = Func3("memory_fill");
  ExpectStoppedAtDeadline([&](const CallOptions& options) {
    return fill.Call(options, 0, 1, static_cast<int32_t>(kGiB));
  });
  EXPECT_TRUE(instance_->poisoned());
}

TEST_F(BulkDeadlineTest, MemoryCopyOfOneGiBForwardAndBackward) {
  TypedFunc<Fn3> copy = Func3("memory_copy");
  // Destination above the source: copied from the end.
  ExpectStoppedAtDeadline([&](const CallOptions& options) {
    return copy.Call(options, 1, 0, static_cast<int32_t>(kGiB - 1));
  });
  SetUp();
  copy = Func3("memory_copy");
  ExpectStoppedAtDeadline([&](const CallOptions& options) {
    return copy.Call(options, 0, 1, static_cast<int32_t>(kGiB - 1));
  });
}

TEST_F(BulkDeadlineTest, TableGrowOfFourMillionElements) {
  ASSERT_OK_AND_ASSIGN(auto grow,
                       instance_->GetFunc<int32_t(int32_t)>("table_grow"));
  ExpectStoppedAtDeadline([&](const CallOptions& options) {
    return grow.Call(options, 4000000).status();
  });
}

TEST_F(BulkDeadlineTest, TableFillOfTwoMillionElements) {
  GrowTable(2000000);
  ASSERT_OK_AND_ASSIGN(
      auto fill, instance_->GetFunc<void(int32_t, int32_t)>("table_fill"));
  ExpectStoppedAtDeadline([&](const CallOptions& options) {
    return fill.Call(options, 0, 2000000);
  });
}

TEST_F(BulkDeadlineTest, TableCopyOfTwoMillionElements) {
  GrowTable(2000000);
  TypedFunc<Fn3> copy = Func3("table_copy");
  ExpectStoppedAtDeadline([&](const CallOptions& options) {
    return copy.Call(options, 1, 0, 2000000 - 1);
  });
}

// memory.init and table.init read from a segment of the module, so their
// work is bounded by the module's size; their chunked path runs its
// segment check, which a range past the segment fails.
TEST_F(BulkDeadlineTest, InitPastTheSegmentTrapsAtOnce) {
  for (const char* name : {"memory_init", "table_init"}) {
    SetUp();  // The trap poisons the instance.
    GrowTable(300000);
    const absl::Time start = absl::Now();
    // A deadline far past kDeadline + kSlack: on a loaded machine a 10 ms
    // one may pass before the segment check, and the trap is what counts.
    absl::Status status = Func3(name).Call(
        CallOptions::WithTimeout(absl::Seconds(5)), 0, 0, 200000);
    EXPECT_LT(absl::Now() - start, kDeadline + kSlack) << name;
    std::optional<TrapInfo> trap = GetTrapInfo(status);
    ASSERT_TRUE(trap.has_value()) << name << ": " << status;
    EXPECT_EQ(trap->kind, std::string(name) == "memory_init"
                              ? TrapKind::kMemoryOutOfBounds
                              : TrapKind::kTableOutOfBounds)
        << trap->message;
  }
}

// memory.grow to 4 GiB takes microseconds: the memory's address space is
// reserved when it is created, growing only makes pages accessible, and
// the kernel zero-fills them when first touched (each store pays for its
// own page), so it needs no chunks.
TEST(BulkMemoryGrowTest, GrowingToFourGiBFitsInADeadline) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::bulk_memory_grow_wasm()));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  // ~1.4 ms; the margin is for a loaded machine.
  const absl::Time start = absl::Now();
  EXPECT_THAT(grow.Call(CallOptions::WithTimeout(kDeadline + kSlack), 65535),
              IsOkAndHolds(1));
  EXPECT_LT(absl::Now() - start, kDeadline + kSlack);
  ASSERT_OK_AND_ASSIGN(auto store,
                       instance.GetFunc<void(int32_t)>("store_last"));
  EXPECT_OK(store.Call(-1));  // The last byte of 4 GiB.
  EXPECT_EQ(instance.memory().size(), uint64_t{1} << 32);
}

// table.grow against Limits::max_table_elements at run time: growth that
// would put the instance's tables over it returns -1, as growth past a
// table's maximum does.
TEST(BulkTableGrowTest, GrowthPastTheInstanceLimitReturnsMinusOne) {
  InstanceOptions options;
  options.limits.max_table_elements = 100;  // Tables start with 10 + 5.
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::bulk_grow_wasm(), Linker(), options));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  ASSERT_OK_AND_ASSIGN(auto grow_u,
                       instance.GetFunc<int32_t(int32_t)>("grow_u"));
  ASSERT_OK_AND_ASSIGN(auto size, instance.GetFunc<int32_t()>("size"));
  EXPECT_THAT(grow.Call(86), IsOkAndHolds(-1));
  EXPECT_THAT(size.Call(), IsOkAndHolds(10));
  EXPECT_THAT(grow.Call(80), IsOkAndHolds(10));   // 90 + 5: within.
  EXPECT_THAT(grow_u.Call(6), IsOkAndHolds(-1));  // Both tables count.
  EXPECT_THAT(grow_u.Call(5), IsOkAndHolds(5));   // Exactly 100.
  EXPECT_THAT(grow.Call(1), IsOkAndHolds(-1));
  EXPECT_THAT(grow.Call(0), IsOkAndHolds(90));
  EXPECT_THAT(grow.Call(-1), IsOkAndHolds(-1));  // 2^32 - 1 elements.
  EXPECT_FALSE(instance.poisoned());
}

TEST(BulkTableGrowTest, StartFunctionRunsUnderTheInstanceLimit) {
  InstanceOptions options;
  options.limits.max_table_elements = 20;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::bulk_grow_start_wasm(),
                                            Linker(), options));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  // The start function's growth from 10 to 60 was refused: 20 at most.
  EXPECT_THAT(grow.Call(0), IsOkAndHolds(10));
  EXPECT_THAT(grow.Call(10), IsOkAndHolds(10));
  EXPECT_THAT(grow.Call(1), IsOkAndHolds(-1));

  ASSERT_OK_AND_ASSIGN(Instance unlimited,
                       testing::Instantiate(fixtures::bulk_grow_start_wasm()));
  ASSERT_OK_AND_ASSIGN(auto grow2, unlimited.GetFunc<int32_t(int32_t)>("grow"));
  EXPECT_THAT(grow2.Call(0), IsOkAndHolds(60));
}

TEST(BulkTableGrowTest, DefaultLimitAndNoLimit) {
  ASSERT_OK_AND_ASSIGN(Instance limited,
                       testing::Instantiate(fixtures::bulk_grow_wasm()));
  ASSERT_OK_AND_ASSIGN(auto grow, limited.GetFunc<int32_t(int32_t)>("grow"));
  const int32_t room = static_cast<int32_t>(Limits().max_table_elements) - 15;
  EXPECT_THAT(grow.Call(room + 1), IsOkAndHolds(-1));
  EXPECT_THAT(grow.Call(room), IsOkAndHolds(10));  // In chunks.

  ASSERT_OK_AND_ASSIGN(Instance unlimited,
                       testing::Instantiate(fixtures::bulk_grow_wasm(),
                                            Linker(), NoTableLimit()));
  ASSERT_OK_AND_ASSIGN(auto grow2, unlimited.GetFunc<int32_t(int32_t)>("grow"));
  ASSERT_OK_AND_ASSIGN(auto size, unlimited.GetFunc<int32_t()>("size"));
  // V8's own maximum, 10,000,000 elements, still refuses more.
  EXPECT_THAT(grow2.Call(10000000 - 9), IsOkAndHolds(-1));
  EXPECT_THAT(size.Call(), IsOkAndHolds(10));
  EXPECT_THAT(grow2.Call(3 * (1 << 16) + 7), IsOkAndHolds(10));
  EXPECT_THAT(size.Call(), IsOkAndHolds(10 + 3 * (1 << 16) + 7));
}

// --- Exact semantics, against a model of the instructions. ---

constexpr uint32_t kMemoryBytes = 64 * 64 * 1024;  // bulk_semantics.wat
constexpr uint32_t kTableSize = 140000;
const std::string kData = "abcdefghij";
constexpr uint32_t kElems = 4;

// The offset of `pattern` in `bytes`, which must hold it exactly once.
uint32_t FindOnce(absl::Span<const uint8_t> bytes,
                  std::vector<uint8_t> pattern) {
  auto it =
      std::search(bytes.begin(), bytes.end(), pattern.begin(), pattern.end());
  EXPECT_NE(it, bytes.end());
  EXPECT_EQ(std::search(it + 1, bytes.end(), pattern.begin(), pattern.end()),
            bytes.end());
  return static_cast<uint32_t>(it - bytes.begin());
}

struct Case {
  const char* op;  // memory_fill/copy/init, table_fill/copy/init
  uint32_t a, b, n;
  bool dropped = false;  // data.drop / elem.drop first
};

std::string Describe(const Case& c) {
  return absl::StrCat(c.op, "(", c.a, ", ", c.b, ", ", c.n, ")",
                      c.dropped ? " dropped" : "");
}

bool OutOfBounds(uint64_t at, uint64_t n, uint64_t size) {
  return at + n > size;
}

// Applies `c` to the model `state` (memory bytes or table ids); returns
// false if the instruction traps (state untouched).
template <typename T>
bool Model(const Case& c, std::vector<T>& state, const std::vector<T>& segment,
           T fill_value) {
  const uint64_t size = state.size();
  const std::string op = c.op;
  if (op.find("fill") != std::string::npos) {
    if (OutOfBounds(c.a, c.n, size)) return false;
    std::fill_n(state.begin() + c.a, c.n, fill_value);
  } else if (op.find("copy") != std::string::npos) {
    if (OutOfBounds(c.a, c.n, size) || OutOfBounds(c.b, c.n, size)) {
      return false;
    }
    std::vector<T> from(state.begin() + c.b, state.begin() + c.b + c.n);
    std::copy(from.begin(), from.end(), state.begin() + c.a);
  } else {
    const uint64_t length = c.dropped ? 0 : segment.size();
    if (OutOfBounds(c.a, c.n, size) || OutOfBounds(c.b, c.n, length)) {
      return false;
    }
    std::copy_n(segment.begin() + c.b, c.n, state.begin() + c.a);
  }
  return true;
}

class BulkSemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(Instance instance,
                         testing::Instantiate(fixtures::bulk_semantics_wasm()));
    instance_.emplace(std::move(instance));
  }

  // Runs `c` and checks the outcome against the model: the same bytes or
  // elements, or a trap of the instruction's kind with nothing written,
  // reported at the instruction's own offset, innermost.
  void Check(const Case& c, uint32_t instruction_offset, const char* drop) {
    SCOPED_TRACE(Describe(c));
    SetUp();
    const bool memory = absl::string_view(c.op).substr(0, 6) == "memory";
    if (memory) {
      ASSERT_OK(instance_->memory().Write(0, MemoryPattern()));
    } else {
      SetUpTablePattern();
    }
    if (c.dropped) {
      ASSERT_OK(instance_->GetFunc<void()>(drop)->Call());
    }
    absl::Status status = instance_->GetFunc<Fn3>(c.op)->Call(
        static_cast<int32_t>(c.a), static_cast<int32_t>(c.b),
        static_cast<int32_t>(c.n));
    if (memory) {
      CheckMemory(c, status, instruction_offset);
    } else {
      CheckTable(c, status, instruction_offset);
    }
  }

  // A byte pattern in which any shift of a copy shows.
  static std::vector<uint8_t> MemoryPattern() {
    std::vector<uint8_t> pattern(kMemoryBytes);
    for (uint32_t i = 0; i < kMemoryBytes; ++i) {
      pattern[i] = static_cast<uint8_t>(i * 131 + (i >> 13));
    }
    return pattern;
  }

  // Element i holds f(i % 4): f0..f3 from the segment, then doubled by
  // copies that do not overlap.
  void SetUpTablePattern() {
    ASSERT_OK(instance_->GetFunc<Fn3>("table_init")->Call(0, 0, 4));
    TypedFunc<Fn3> copy = *instance_->GetFunc<Fn3>("table_copy");
    for (uint32_t n = 4; n < kTableSize; n *= 2) {
      const uint32_t m = std::min(n, kTableSize - n);
      ASSERT_OK(copy.Call(static_cast<int32_t>(n), 0, static_cast<int32_t>(m)));
    }
  }

  void ExpectTrapAt(const absl::Status& status, TrapKind kind, const Case& c,
                    uint32_t instruction_offset) {
    std::optional<TrapInfo> trap = GetTrapInfo(status);
    ASSERT_TRUE(trap.has_value()) << status;
    EXPECT_EQ(trap->kind, kind) << trap->message;
    ASSERT_FALSE(trap->backtrace.empty());
    EXPECT_EQ(trap->backtrace[0].function_name, c.op);
    EXPECT_EQ(trap->backtrace[0].module_offset, instruction_offset);
  }

  void CheckMemory(const Case& c, const absl::Status& status,
                   uint32_t instruction_offset) {
    // A fill stores the value's low byte.
    std::vector<uint8_t> model = MemoryPattern();
    const std::vector<uint8_t> segment(kData.begin(), kData.end());
    if (Model<uint8_t>(c, model, segment, static_cast<uint8_t>(c.b))) {
      ASSERT_OK(status);
    } else {
      ExpectTrapAt(status, TrapKind::kMemoryOutOfBounds, c, instruction_offset);
    }
    absl::Span<uint8_t> memory = instance_->memory().data();
    ASSERT_EQ(memory.size(), model.size());
    EXPECT_TRUE(std::equal(memory.begin(), memory.end(), model.begin()));
  }

  void CheckTable(const Case& c, const absl::Status& status,
                  uint32_t instruction_offset) {
    std::vector<int32_t> model(kTableSize);
    for (uint32_t i = 0; i < kTableSize; ++i) model[i] = i % 4;
    const std::vector<int32_t> segment = {0, 1, 2, 3};
    const int32_t fill_value = static_cast<int32_t>(c.b);
    if (Model<int32_t>(c, model, segment, fill_value)) {
      ASSERT_OK(status);
    } else {
      ExpectTrapAt(status, TrapKind::kTableOutOfBounds, c, instruction_offset);
      return;  // The instance is poisoned: its table is out of reach.
    }
    ASSERT_OK_AND_ASSIGN(auto id,
                         instance_->GetFunc<int32_t(int32_t)>("table_id"));
    int mismatches = 0;
    for (uint32_t i = 0; i < kTableSize && mismatches < 5; ++i) {
      absl::StatusOr<int32_t> got = id.Call(static_cast<int32_t>(i));
      ASSERT_OK(got.status());
      if (*got != model[i]) {
        ++mismatches;
        ADD_FAILURE() << "element " << i << " is " << *got << ", expected "
                      << model[i];
      }
    }
  }

  std::optional<Instance> instance_;
};

TEST_F(BulkSemanticsTest, MemoryFillAndCopy) {
  absl::Span<const uint8_t> bytes = fixtures::bulk_semantics_wasm();
  const uint32_t fill = FindOnce(bytes, {0xfc, 0x0b, 0x00});
  const uint32_t copy = FindOnce(bytes, {0xfc, 0x0a, 0x00, 0x00});
  const uint32_t end = kMemoryBytes;
  const std::vector<Case> fills = {
      {"memory_fill", 0, 7, end},                    // all of it, in chunks
      {"memory_fill", 1, 9, 2 * kMiB + 3},           // unaligned chunks
      {"memory_fill", end - kMiB - 1, 5, kMiB + 1},  // up to the end
      {"memory_fill", 5, 3, kMiB},                   // exactly one chunk
      {"memory_fill", 0, 1, 0},
      {"memory_fill", end, 1, 0},                // empty at the end: OK
      {"memory_fill", end + 1, 1, 0},            // empty past it: traps
      {"memory_fill", end - kMiB, 1, kMiB + 1},  // one past, chunked
      {"memory_fill", end - 1, 1, 2},            // one past, small
      {"memory_fill", 1, 1, 0xffffffff},         // offset + length wraps
      {"memory_fill", 0xffffffff, 1, 2 * kMiB},  // wraps to small
  };
  for (const Case& c : fills) Check(c, fill, nullptr);
  const std::vector<Case> copies = {
      {"memory_copy", 0, kMiB, 2 * kMiB + 5},        // forward, overlapping
      {"memory_copy", kMiB, 0, 2 * kMiB + 5},        // backward, overlapping
      {"memory_copy", 3, 1, 3 * kMiB},               // overlap by 2
      {"memory_copy", end - kMiB - 2, 0, kMiB + 2},  // to the very end
      {"memory_copy", 0, end - kMiB, kMiB + 1},      // source one past
      {"memory_copy", end - kMiB, 0, kMiB + 1},      // destination one past
      {"memory_copy", end, end, 0},
      {"memory_copy", end + 1, 0, 0},
      {"memory_copy", 0, 0xfffffff0, 2 * kMiB},
  };
  for (const Case& c : copies) Check(c, copy, nullptr);
}

TEST_F(BulkSemanticsTest, MemoryInit) {
  absl::Span<const uint8_t> bytes = fixtures::bulk_semantics_wasm();
  const uint32_t init = FindOnce(bytes, {0xfc, 0x08, 0x00, 0x00});
  const uint32_t end = kMemoryBytes;
  const uint32_t size = static_cast<uint32_t>(kData.size());
  const std::vector<Case> cases = {
      {"memory_init", 0, 0, size},
      {"memory_init", end - 3, 7, 3},
      {"memory_init", end, size, 0},
      {"memory_init", 0, size + 1, 0},
      {"memory_init", 0, 0, 2 * kMiB},           // chunked: segment too short
      {"memory_init", end - kMiB, 0, 2 * kMiB},  // chunked: memory too short
      {"memory_init", 0, 0xffffffff, 2 * kMiB},  // segment offset wraps
      {"memory_init", 0, 0, 0, true},            // dropped, empty: OK
      {"memory_init", 0, 1, 0, true},            // dropped: traps
      {"memory_init", 0, 0, 2 * kMiB, true},
  };
  for (const Case& c : cases) Check(c, init, "data_drop");
}

TEST_F(BulkSemanticsTest, TableFillCopyAndInit) {
  absl::Span<const uint8_t> bytes = fixtures::bulk_semantics_wasm();
  const uint32_t fill = FindOnce(bytes, {0xfc, 0x11, 0x00});
  const uint32_t copy = FindOnce(bytes, {0xfc, 0x0e, 0x00, 0x00});
  const uint32_t init = FindOnce(bytes, {0xfc, 0x0c, 0x00, 0x00});
  const uint32_t chunk = 1 << 16;
  const uint32_t end = kTableSize;
  // table_fill's second argument: which of f0..f3.
  Check({"table_fill", 0, 2, end}, fill, nullptr);
  Check({"table_fill", 7, 1, 2 * chunk + 1}, fill, nullptr);
  Check({"table_fill", end - chunk - 1, 3, chunk + 1}, fill, nullptr);
  Check({"table_fill", end - chunk - 1, 3, chunk + 2}, fill, nullptr);
  Check({"table_fill", end, 0, 0}, fill, nullptr);
  Check({"table_fill", end + 1, 0, 0}, fill, nullptr);
  Check({"table_fill", 1, 0, 0xffffffff}, fill, nullptr);
  // Overlapping copies in both directions, shifted by 2 so a copy in the
  // wrong direction shows.
  Check({"table_copy", end - 2 * chunk, end - 2 * chunk + 2, 2 * chunk - 2},
        copy, nullptr);
  Check({"table_copy", end - 2 * chunk + 2, end - 2 * chunk, 2 * chunk - 2},
        copy, nullptr);
  Check({"table_copy", 0, end - chunk - 4, chunk + 4}, copy, nullptr);
  Check({"table_copy", end - chunk, 0, chunk + 1}, copy, nullptr);
  Check({"table_copy", 0, end - chunk, chunk + 1}, copy, nullptr);
  Check({"table_copy", end, end, 0}, copy, nullptr);
  Check({"table_init", 0, 0, kElems}, init, "elem_drop");
  Check({"table_init", 0, 1, 2 * chunk}, init, "elem_drop");
  Check({"table_init", end - chunk, 0, chunk + 1}, init, "elem_drop");
  Check({"table_init", 0, kElems, 0}, init, "elem_drop");
  Check({"table_init", 0, kElems + 1, 0}, init, "elem_drop");
  Check({"table_init", 0, 0, 0, true}, init, "elem_drop");
  Check({"table_init", 0, 1, 0, true}, init, "elem_drop");
  Check({"table_init", 0, 0, 2 * chunk, true}, init, "elem_drop");
}

}  // namespace
}  // namespace wasmhost
