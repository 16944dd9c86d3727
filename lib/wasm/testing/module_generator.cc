#include "lib/wasm/testing/module_generator.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/wasm/binary_writer.h"

namespace wasmhost::wasm::testing {
namespace {

// SplitMix64: tiny, and unlike <random>'s distributions it gives the same
// numbers with every standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n); n > 0. The modulo bias is irrelevant here.
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(Next() % n); }
  uint32_t Between(uint32_t lo, uint32_t hi) { return lo + Below(hi - lo + 1); }
  bool Chance(uint32_t percent) { return Below(100) < percent; }

 private:
  uint64_t state_;
};

constexpr uint8_t kI32 = 0x7f;
constexpr uint8_t kI64 = 0x7e;
constexpr uint8_t kF64 = 0x7c;
constexpr uint8_t kVoid = 0x40;  // The empty block type.

// The signatures: generated functions take one of kT0..kT4; "run" is kRun.
struct Signature {
  std::vector<uint8_t> params;
  uint8_t result;  // kVoid: none.
};
const std::array<Signature, 6>& Signatures() {
  static const std::array<Signature, 6> kSignatures = {{
      {{kI32}, kI32},
      {{kI32, kI32}, kI32},
      {{kI64, kI32}, kI64},
      {{kF64, kI32}, kF64},
      {{kI32}, kVoid},
      {{}, kI32},
  }};
  return kSignatures;
}
constexpr uint32_t kGeneratedTypes = 5;
constexpr uint32_t kRunType = 5;

// Globals: four mutable i32 (0 is the "stack pointer"), two mutable i64,
// one mutable f64, two immutable i32.
constexpr std::array<uint8_t, 9> kGlobalTypes = {kI32, kI32, kI32, kI32, kI64,
                                                 kI64, kF64, kI32, kI32};
constexpr uint32_t kMutableGlobals = 7;

// Loads and stores address the first 32 KiB (masked), so they stay in
// bounds of the one page the memory has at least.
constexpr int64_t kAddressMask = 0x7ff8;

// Blocks nest at most this deep (the function's own not counted), loops
// at most kMaxLoops deep (each has its own counter local).
constexpr int kMaxNesting = 8;
constexpr int kMaxLoops = 3;
// Expressions nest at most this deep.
constexpr int kMaxExpressionDepth = 4;

// Generates one function body at a time into a writer.
class BodyGenerator {
 public:
  BodyGenerator(Rng& rng, const std::vector<std::vector<uint32_t>>& by_type,
                uint32_t table_size)
      : rng_(rng), by_type_(by_type), table_size_(table_size) {}

  // The body of a function of signature `type`, about `target` bytes
  // (without its size prefix).
  void Generate(uint32_t type, size_t target, BinaryWriter& out) {
    const Signature& sig = Signatures()[type];
    result_ = sig.result;
    // Locals: parameters, i32 scratch, loop counters, i64, f64.
    i32_readable_.clear();
    i32_writable_.clear();
    i64_locals_.clear();
    f64_locals_.clear();
    uint32_t index = 0;
    for (uint8_t p : sig.params) {
      if (p == kI32) {
        i32_readable_.push_back(index);
        i32_writable_.push_back(index);
      } else if (p == kI64) {
        i64_locals_.push_back(index);
      } else {
        f64_locals_.push_back(index);
      }
      ++index;
    }
    const uint32_t scratch = rng_.Between(2, 6);
    const uint32_t wide = rng_.Between(1, 2);
    const uint32_t floats = rng_.Between(1, 2);
    for (uint32_t i = 0; i < scratch; ++i, ++index) {
      i32_readable_.push_back(index);
      i32_writable_.push_back(index);
    }
    for (int i = 0; i < kMaxLoops; ++i, ++index) {
      counters_[i] = index;
      i32_readable_.push_back(index);
    }
    for (uint32_t i = 0; i < wide; ++i) i64_locals_.push_back(index++);
    for (uint32_t i = 0; i < floats; ++i) f64_locals_.push_back(index++);

    w_ = BinaryWriter();
    w_.U32(3)
        .U32(scratch + kMaxLoops)
        .Byte(kI32)
        .U32(wide)
        .Byte(kI64)
        .U32(floats)
        .Byte(kF64);
    while (w_.bytes().size() < target) Statement(0, 0);
    if (result_ != kVoid) Expression(result_, 0);
    w_.Byte(0x0b);
    out.Bytes(w_.bytes());
  }

 private:
  void Const(uint8_t type) {
    switch (type) {
      case kI32:
        w_.Byte(0x41).S64(static_cast<int32_t>(SmallOrLarge()));
        break;
      case kI64:
        w_.Byte(0x42).S64(static_cast<int64_t>(SmallOrLarge()));
        break;
      default: {
        // Finite values only: integers and halves.
        const double v = static_cast<double>(rng_.Between(0, 2000)) / 2 - 500;
        uint64_t bits;
        std::memcpy(&bits, &v, sizeof(bits));
        w_.Byte(0x44);
        for (int i = 0; i < 8; ++i)
          w_.Byte(static_cast<uint8_t>(bits >> (8 * i)));
      }
    }
  }

  // Mostly small constants, as real code has, sometimes any 32 bits.
  uint64_t SmallOrLarge() {
    return rng_.Chance(80) ? rng_.Between(0, 256) : rng_.Next() & 0xffffffff;
  }

  void LocalGet(uint8_t type) {
    const std::vector<uint32_t>& locals = type == kI32   ? i32_readable_
                                          : type == kI64 ? i64_locals_
                                                         : f64_locals_;
    w_.Byte(0x20).U32(locals[rng_.Below(locals.size())]);
  }

  // Sets a local of `type` from the value on the stack.
  void LocalSet(uint8_t type, bool tee = false) {
    const std::vector<uint32_t>& locals = type == kI32   ? i32_writable_
                                          : type == kI64 ? i64_locals_
                                                         : f64_locals_;
    w_.Byte(tee ? 0x22 : 0x21).U32(locals[rng_.Below(locals.size())]);
  }

  void GlobalGet(uint8_t type) {
    uint32_t candidates[kGlobalTypes.size()];
    uint32_t n = 0;
    for (uint32_t g = 0; g < kGlobalTypes.size(); ++g) {
      if (kGlobalTypes[g] == type) candidates[n++] = g;
    }
    w_.Byte(0x23).U32(candidates[rng_.Below(n)]);
  }

  // A masked address: (expr & kAddressMask).
  void Address(int depth) {
    Expression(kI32, depth + 1);
    w_.Byte(0x41).S64(kAddressMask).Byte(0x71);
  }

  // A memarg: alignment (natural, or less) and a small offset.
  void MemArg(uint32_t natural_log2) {
    w_.U32(rng_.Between(0, natural_log2)).U32(rng_.Below(5) * 4);
  }

  // Pushes one value of `type`.
  void Expression(uint8_t type, int depth) {
    if (depth >= kMaxExpressionDepth || rng_.Chance(35)) {
      switch (rng_.Below(4)) {
        case 0:
          Const(type);
          return;
        case 1:
          GlobalGet(type);
          return;
        default:
          LocalGet(type);
          return;
      }
    }
    switch (type) {
      case kI32:
        I32(depth);
        return;
      case kI64:
        I64(depth);
        return;
      default:
        F64(depth);
    }
  }

  void I32(int depth) {
    switch (rng_.Below(12)) {
      case 0:
      case 1:
      case 2: {
        // add sub mul and or xor shl shr_s shr_u, or a comparison.
        static constexpr uint8_t kOps[] = {0x6a, 0x6b, 0x6c, 0x71, 0x72,
                                           0x73, 0x74, 0x75, 0x76, 0x46,
                                           0x47, 0x48, 0x49, 0x4a, 0x4d};
        Expression(kI32, depth + 1);
        Expression(kI32, depth + 1);
        w_.Byte(kOps[rng_.Below(sizeof(kOps))]);
        return;
      }
      case 3:
        Address(depth);
        // i32.load, load8_s/u, load16_s/u.
        switch (rng_.Below(3)) {
          case 0:
            w_.Byte(0x28);
            MemArg(2);
            return;
          case 1:
            w_.Byte(0x2d);
            MemArg(0);
            return;
          default:
            w_.Byte(0x2f);
            MemArg(1);
            return;
        }
      case 4:
        Expression(kI32, depth + 1);
        w_.Byte(0x45);  // i32.eqz
        return;
      case 5:
        Expression(kI64, depth + 1);
        w_.Byte(0xa7);  // i32.wrap_i64
        return;
      case 6:
        Expression(kF64, depth + 1);
        w_.Byte(0xfc).U32(2);  // i32.trunc_sat_f64_s
        return;
      case 7:
        Expression(kI32, depth + 1);
        Expression(kI32, depth + 1);
        Expression(kI32, depth + 1);
        w_.Byte(0x1b);  // select
        return;
      case 8:
        // if (result i32) ... else ... end.
        Expression(kI32, depth + 1);
        w_.Byte(0x04).Byte(kI32);
        Expression(kI32, depth + 1);
        w_.Byte(0x05);
        Expression(kI32, depth + 1);
        w_.Byte(0x0b);
        return;
      case 9:
        Expression(kI32, depth + 1);
        w_.Byte(rng_.Chance(50) ? 0xc0 : 0xc1);  // i32.extend8_s / 16_s
        return;
      default:
        if (Call(kI32, depth)) return;
        LocalGet(kI32);
    }
  }

  void I64(int depth) {
    switch (rng_.Below(6)) {
      case 0:
      case 1: {
        static constexpr uint8_t kOps[] = {0x7c, 0x7d, 0x7e, 0x83,
                                           0x84, 0x85, 0x86, 0x88};
        Expression(kI64, depth + 1);
        Expression(kI64, depth + 1);
        w_.Byte(kOps[rng_.Below(sizeof(kOps))]);
        return;
      }
      case 2:
        Expression(kI32, depth + 1);
        w_.Byte(rng_.Chance(50) ? 0xac : 0xad);  // i64.extend_i32_s/u
        return;
      case 3:
        Address(depth);
        w_.Byte(0x29);  // i64.load
        MemArg(3);
        return;
      default:
        if (Call(kI64, depth)) return;
        LocalGet(kI64);
    }
  }

  void F64(int depth) {
    switch (rng_.Below(6)) {
      case 0:
      case 1: {
        static constexpr uint8_t kOps[] = {0xa0, 0xa1, 0xa2, 0xa4, 0xa5};
        Expression(kF64, depth + 1);
        Expression(kF64, depth + 1);
        w_.Byte(kOps[rng_.Below(sizeof(kOps))]);
        return;
      }
      case 2:
        Expression(kI32, depth + 1);
        w_.Byte(0xb7);  // f64.convert_i32_s
        return;
      case 3:
        Address(depth);
        w_.Byte(0x2b);  // f64.load
        MemArg(3);
        return;
      case 4:
        Expression(kF64, depth + 1);
        w_.Byte(0x9f);  // f64.sqrt
        return;
      default:
        if (Call(kF64, depth)) return;
        LocalGet(kF64);
    }
  }

  // Pushes the arguments of signature `type`.
  void Arguments(uint32_t type, int depth) {
    for (uint8_t p : Signatures()[type].params) Expression(p, depth + 1);
  }

  // A direct call of an earlier function returning `result`; false if
  // there is none yet (nothing written).
  bool Call(uint8_t result, int depth) {
    uint32_t candidates[kGeneratedTypes];
    uint32_t n = 0;
    for (uint32_t t = 0; t < kGeneratedTypes; ++t) {
      if (Signatures()[t].result == result && !by_type_[t].empty()) {
        candidates[n++] = t;
      }
    }
    if (n == 0) return false;
    const uint32_t type = candidates[rng_.Below(n)];
    const std::vector<uint32_t>& callees = by_type_[type];
    Arguments(type, depth);
    w_.Byte(0x10).U32(callees[rng_.Below(callees.size())]);
    return true;
  }

  // Statements at block nesting `nesting`, inside `loops` loops.
  void Statements(int nesting, int loops) {
    for (uint32_t n = rng_.Between(1, 4); n > 0; --n) Statement(nesting, loops);
  }

  void Statement(int nesting, int loops) {
    const bool can_nest = nesting < kMaxNesting;
    switch (rng_.Below(20)) {
      case 0:
      case 1:
      case 2:
      case 3:
        Expression(kI32, 0);
        LocalSet(kI32);
        return;
      case 4:
        Expression(kI64, 0);
        LocalSet(kI64);
        return;
      case 5:
        Expression(kF64, 0);
        LocalSet(kF64);
        return;
      case 6: {
        const uint32_t g = rng_.Below(kMutableGlobals);
        Expression(kGlobalTypes[g], 0);
        w_.Byte(0x24).U32(g);
        return;
      }
      case 7:
      case 8: {
        // i32.store, i32.store8, i64.store, f64.store.
        Address(0);
        switch (rng_.Below(4)) {
          case 0:
            Expression(kI32, 1);
            w_.Byte(0x36);
            MemArg(2);
            return;
          case 1:
            Expression(kI32, 1);
            w_.Byte(0x3a);
            MemArg(0);
            return;
          case 2:
            Expression(kI64, 1);
            w_.Byte(0x37);
            MemArg(3);
            return;
          default:
            Expression(kF64, 1);
            w_.Byte(0x39);
            MemArg(3);
            return;
        }
      }
      case 9:
      case 10: {
        const uint32_t type = rng_.Below(kGeneratedTypes);
        if (by_type_[type].empty()) return Statement(nesting, loops);
        Arguments(type, 0);
        w_.Byte(0x10).U32(by_type_[type][rng_.Below(by_type_[type].size())]);
        DiscardResult(type);
        return;
      }
      case 11: {
        const uint32_t type = rng_.Below(kGeneratedTypes);
        Arguments(type, 0);
        Expression(kI32, 1);
        w_.Byte(0x41).S64(table_size_ - 1).Byte(0x71);  // i32.and: in range
        w_.Byte(0x11).U32(type).Byte(0x00);             // call_indirect
        DiscardResult(type);
        return;
      }
      case 12:
        if (!can_nest) return Statement(nesting, loops);
        Expression(kI32, 0);
        w_.Byte(0x04).Byte(kVoid);
        Statements(nesting + 1, loops);
        if (rng_.Chance(50)) {
          w_.Byte(0x05);
          Statements(nesting + 1, loops);
        }
        w_.Byte(0x0b);
        return;
      case 13:
        if (!can_nest) return Statement(nesting, loops);
        w_.Byte(0x02).Byte(kVoid);
        Statements(nesting + 1, loops);
        Expression(kI32, 0);
        w_.Byte(0x0d).U32(0);  // br_if 0
        Statements(nesting + 1, loops);
        w_.Byte(0x0b);
        return;
      case 14: {
        if (!can_nest || loops >= kMaxLoops) return Statement(nesting, loops);
        // A counted loop: counter = k; loop ... br_if (--counter) end.
        const uint32_t counter = counters_[loops];
        w_.Byte(0x41).S64(rng_.Between(1, 8)).Byte(0x21).U32(counter);
        w_.Byte(0x03).Byte(kVoid);
        Statements(nesting + 1, loops + 1);
        w_.Byte(0x20).U32(counter).Byte(0x41).S64(1).Byte(0x6b);
        w_.Byte(0x22).U32(counter).Byte(0x0d).U32(0);
        w_.Byte(0x0b);
        return;
      }
      case 15: {
        if (nesting + 3 > kMaxNesting) return Statement(nesting, loops);
        // A switch: three blocks, a br_table into them.
        w_.Byte(0x02).Byte(kVoid).Byte(0x02).Byte(kVoid).Byte(0x02).Byte(kVoid);
        Expression(kI32, 0);
        const uint32_t targets = rng_.Between(2, 12);
        w_.Byte(0x0e).U32(targets);
        for (uint32_t i = 0; i < targets; ++i) w_.U32(rng_.Below(3));
        w_.U32(rng_.Below(3));
        w_.Byte(0x0b);
        Statements(nesting + 2, loops);
        w_.Byte(0x0b);
        Statements(nesting + 1, loops);
        w_.Byte(0x0b);
        return;
      }
      case 16:
        if (nesting == 0) return Statement(nesting, loops);
        // if (cond) return.
        Expression(kI32, 0);
        w_.Byte(0x04).Byte(kVoid);
        if (result_ != kVoid) Expression(result_, 0);
        w_.Byte(0x0f).Byte(0x0b);
        return;
      case 17:
        // memory.fill or memory.copy of up to 255 bytes.
        Address(0);
        if (rng_.Chance(50)) {
          Expression(kI32, 1);
          w_.Byte(0x41).S64(rng_.Below(256));
          w_.Byte(0xfc).U32(11).Byte(0x00);
        } else {
          Address(0);
          w_.Byte(0x41).S64(rng_.Below(256));
          w_.Byte(0xfc).U32(10).Byte(0x00).Byte(0x00);
        }
        return;
      default:
        // Stack-pointer arithmetic, as compiled C does on entry and exit.
        w_.Byte(0x23).U32(0).Byte(0x41).S64(16 * rng_.Between(1, 8));
        w_.Byte(0x6b);
        LocalSet(kI32, /*tee=*/true);
        w_.Byte(0x24).U32(0);
        return;
    }
  }

  // Stores or drops the result of a call of signature `type`.
  void DiscardResult(uint32_t type) {
    const uint8_t result = Signatures()[type].result;
    if (result == kVoid) return;
    if (rng_.Chance(50)) {
      w_.Byte(0x1a);  // drop
    } else {
      LocalSet(result);
    }
  }

  Rng& rng_;
  const std::vector<std::vector<uint32_t>>& by_type_;
  const uint32_t table_size_;
  uint8_t result_ = kVoid;
  std::vector<uint32_t> i32_readable_;  // Parameters, scratch and counters.
  std::vector<uint32_t> i32_writable_;  // Not the loop counters.
  std::vector<uint32_t> i64_locals_;
  std::vector<uint32_t> f64_locals_;
  uint32_t counters_[kMaxLoops] = {};
  BinaryWriter w_;
};

// Body sizes as compiled code has them: mostly small, a few large.
size_t BodyTarget(Rng& rng) {
  const uint32_t r = rng.Below(100);
  if (r < 60) return rng.Between(20, 300);
  if (r < 90) return rng.Between(300, 3000);
  return rng.Between(3000, 30000);
}

void DataSegmentBytes(Rng& rng, size_t size, BinaryWriter& w) {
  static constexpr char kText[] =
      "the quick brown fox jumps over the lazy dog 0123456789 ";
  std::vector<uint8_t> bytes(size);
  switch (rng.Below(4)) {
    case 0:
      for (size_t i = 0; i < size; i += 8) {
        const uint64_t v = rng.Next();
        std::memcpy(&bytes[i], &v, std::min<size_t>(8, size - i));
      }
      break;
    case 1:
      break;  // Zeros (a .bss-like segment).
    case 2:
      for (size_t i = 0; i < size; ++i) {
        bytes[i] =
            static_cast<uint8_t>(kText[(i * 7 + size) % (sizeof(kText) - 1)]);
      }
      break;
    default: {
      const uint64_t pattern = rng.Next();
      for (size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<uint8_t>(pattern >> (8 * (i % 8)));
    }
  }
  w.Bytes(bytes);
}

}  // namespace

GeneratorOptions DataHeavyOptions(uint64_t seed) {
  GeneratorOptions options;
  options.seed = seed;
  options.code_bytes = 256 * 1024;
  options.data_bytes = 20 * 1000 * 1000;
  options.custom_bytes = 2 * 1000 * 1000;
  return options;
}

GeneratorOptions CodeHeavyOptions(uint64_t seed) {
  GeneratorOptions options;
  options.seed = seed;
  options.code_bytes = 20 * 1000 * 1000;
  options.data_bytes = 256 * 1024;
  return options;
}

std::vector<uint8_t> GenerateModule(const GeneratorOptions& options) {
  Rng rng(options.seed);

  // Function 0 is "run"; generated functions follow. Bodies first, since
  // their number is known only at the end.
  std::vector<uint32_t> types;  // Of generated functions.
  BinaryWriter bodies;          // Without their count.
  std::vector<std::vector<uint32_t>> by_type(kGeneratedTypes);
  // The table holds every function; its size must be a power of two for
  // the masked call_indirect index, so it is fixed before generating.
  const uint32_t estimate =
      static_cast<uint32_t>(options.code_bytes / 2000 + 2);
  uint32_t table_size = 1;
  while (table_size < estimate) table_size *= 2;
  BodyGenerator generator(rng, by_type, table_size);
  BinaryWriter body;
  do {
    const uint32_t type = rng.Below(kGeneratedTypes);
    const uint32_t index = static_cast<uint32_t>(types.size()) + 1;
    body = BinaryWriter();
    generator.Generate(type, BodyTarget(rng), body);
    bodies.U32(static_cast<uint32_t>(body.bytes().size())).Bytes(body.bytes());
    types.push_back(type);
    by_type[type].push_back(index);
  } while (bodies.bytes().size() < options.code_bytes);
  const uint32_t function_count = static_cast<uint32_t>(types.size()) + 1;
  table_size = std::max(table_size, function_count);

  BinaryWriter w;
  w.Header();

  BinaryWriter section;
  section.U32(static_cast<uint32_t>(Signatures().size()));
  for (const Signature& sig : Signatures()) {
    section.Byte(0x60).U32(static_cast<uint32_t>(sig.params.size()));
    section.Bytes(sig.params);
    if (sig.result == kVoid) {
      section.U32(0);
    } else {
      section.U32(1).Byte(sig.result);
    }
  }
  w.Section(1, section.bytes());

  section = BinaryWriter();
  section.U32(function_count).U32(kRunType);
  for (uint32_t type : types) section.U32(type);
  w.Section(3, section.bytes());

  // Table: funcref, exactly table_size slots.
  section = BinaryWriter();
  section.U32(1).Byte(0x70).Byte(0x01).U32(table_size).U32(table_size);
  w.Section(4, section.bytes());

  const uint32_t pages = static_cast<uint32_t>(options.data_bytes / 65536 + 2);
  section = BinaryWriter();
  section.U32(1).Byte(0x01).U32(pages).U32(pages + 256);
  w.Section(5, section.bytes());

  section = BinaryWriter();
  section.U32(static_cast<uint32_t>(kGlobalTypes.size()));
  for (uint32_t g = 0; g < kGlobalTypes.size(); ++g) {
    section.Byte(kGlobalTypes[g]).Byte(g < kMutableGlobals ? 1 : 0);
    switch (kGlobalTypes[g]) {
      case kI32:
        section.Byte(0x41).S64(g == 0 ? 65536 : static_cast<int32_t>(g * 100));
        break;
      case kI64:
        section.Byte(0x42).S64(g * 1000);
        break;
      default:
        section.Byte(0x44).Bytes({0, 0, 0, 0, 0, 0, 0xf0, 0x3f});  // 1.0
    }
    section.Byte(0x0b);
  }
  w.Section(6, section.bytes());

  section = BinaryWriter();
  const uint32_t exported = (function_count - 2) / 64 + 1;
  section.U32(exported + 2);
  section.Name("run").Byte(0x00).U32(0);
  section.Name("memory").Byte(0x02).U32(0);
  for (uint32_t i = 0; i < exported; ++i) {
    const uint32_t index = 1 + i * 64;
    section.Name(absl::StrCat("f", index)).Byte(0x00).U32(index);
  }
  w.Section(7, section.bytes());

  // Elements: every function, from slot 0.
  section = BinaryWriter();
  section.U32(1).Byte(0x00).Byte(0x41).S64(0).Byte(0x0b).U32(function_count);
  for (uint32_t f = 0; f < function_count; ++f) section.U32(f);
  w.Section(9, section.bytes());

  // Code: "run" (i32.load 0 + global 7), then the generated bodies.
  static constexpr uint8_t kRunBody[] = {0x00, 0x41, 0x00, 0x28, 0x02,
                                         0x00, 0x23, 0x07, 0x6a, 0x0b};
  section = BinaryWriter();
  section.U32(function_count).U32(sizeof(kRunBody)).Bytes(kRunBody);
  section.Bytes(bodies.bytes());
  w.Section(10, section.bytes());
  bodies = BinaryWriter();

  if (options.data_bytes > 0) {
    std::vector<uint32_t> sizes;
    size_t total = 0;
    while (total < options.data_bytes) {
      const size_t size = std::min<size_t>(rng.Between(1024, 256 * 1024),
                                           options.data_bytes - total);
      sizes.push_back(static_cast<uint32_t>(size));
      total += size;
    }
    section = BinaryWriter();
    section.U32(static_cast<uint32_t>(sizes.size()));
    uint32_t at = 0;
    for (uint32_t size : sizes) {
      section.Byte(0x00).Byte(0x41).S64(static_cast<int32_t>(at)).Byte(0x0b);
      section.U32(size);
      DataSegmentBytes(rng, size, section);
      at += size;
    }
    w.Section(11, section.bytes());
  }

  if (options.custom_bytes > 0) {
    section = BinaryWriter();
    section.Name(".debug_info");
    std::vector<uint8_t> contents(options.custom_bytes);
    for (size_t i = 0; i < contents.size(); i += 8) {
      const uint64_t v = rng.Next();
      std::memcpy(&contents[i], &v, std::min<size_t>(8, contents.size() - i));
    }
    section.Bytes(contents);
    w.Section(0, section.bytes());
  }

  // The "name" section: a module name and every function's name.
  BinaryWriter names;
  names.U32(function_count).U32(0).Name("run");
  for (uint32_t f = 1; f < function_count; ++f) {
    names.U32(f).Name(absl::StrCat("generated_function_", f));
  }
  section = BinaryWriter();
  section.Name("name");
  BinaryWriter module_name;
  module_name.Name("generated");
  section.Byte(0).U32(static_cast<uint32_t>(module_name.bytes().size()));
  section.Bytes(module_name.bytes());
  section.Byte(1).U32(static_cast<uint32_t>(names.bytes().size()));
  section.Bytes(names.bytes());
  w.Section(0, section.bytes());
  return w.Release();
}

}  // namespace wasmhost::wasm::testing
