// The canonical ABI against the spec: layouts and flattening by hand, every
// type round-tripped through core values and through memory in each string
// encoding, byte-for-byte agreement with the reference definitions.py
// (canonical_abi_golden.txt, generated in the build), and one test per trap.

#include "lib/component/canonical_abi.h"

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "lib/component/canonical_abi_testing.h"

namespace wasmhost::component {
namespace {

using testing::ExpectStatus;
using testing::TestMemory;
using testing::TypeBuilder;
using CoreVal = wasmhost::Val;

constexpr StringEncoding kEncodings[] = {StringEncoding::kUtf8,
                                         StringEncoding::kUtf16,
                                         StringEncoding::kLatin1Utf16};

std::string EncodingName(StringEncoding e) {
  switch (e) {
    case StringEncoding::kUtf8:
      return "utf8";
    case StringEncoding::kUtf16:
      return "utf16";
    case StringEncoding::kLatin1Utf16:
      return "latin1+utf16";
  }
  return "";
}

// A context over `memory` with realloc, for the tests that need one.
struct Fixture {
  explicit Fixture(StringEncoding encoding = StringEncoding::kUtf8) {
    opts.string_encoding = encoding;
    opts.memory = &memory;
    opts.realloc = true;
  }
  LiftLowerContext Context() {
    return LiftLowerContext{types.arena(), opts, &handles, std::nullopt, {}};
  }
  // Writes little-endian u32 words at `ptr`.
  void Poke(uint32_t ptr, std::vector<uint32_t> words) {
    for (uint32_t w : words) {
      for (int i = 0; i < 4; ++i) memory.Bytes()[ptr++] = (w >> (8 * i)) & 0xff;
    }
  }
  void PokeBytes(uint32_t ptr, std::vector<uint8_t> bytes) {
    for (uint8_t b : bytes) memory.Bytes()[ptr++] = b;
  }

  TypeBuilder types;
  TestMemory memory;
  CanonicalOptions opts;
  HandleTable handles;
};

// ---- Layout and flattening ----

TEST(CanonicalAbiTest, AlignmentAndSize) {
  TypeBuilder b;
  const TypeArena& a = b.arena();
  auto u8 = b.Prim(TypeKind::kU8), u16 = b.Prim(TypeKind::kU16),
       u32 = b.Prim(TypeKind::kU32), u64 = b.Prim(TypeKind::kU64);
  EXPECT_EQ(Alignment(a, b.Prim(TypeKind::kString)), 4u);
  EXPECT_EQ(ElemSize(a, b.Prim(TypeKind::kString)), 8u);
  EXPECT_EQ(ElemSize(a, b.Prim(TypeKind::kChar)), 4u);
  const TypeId rec = b.Record({{"a", u8}, {"b", u32}, {"c", u16}});
  EXPECT_EQ(Alignment(a, rec), 4u);
  EXPECT_EQ(ElemSize(a, rec), 12u);
  const TypeId opt64 = b.Option(u64);
  EXPECT_EQ(Alignment(a, opt64), 8u);
  EXPECT_EQ(ElemSize(a, opt64), 16u);
  EXPECT_EQ(ElemSize(a, b.Result(std::nullopt, std::nullopt)), 1u);
  EXPECT_EQ(ElemSize(a, b.List(u16, 3)), 6u);
  EXPECT_EQ(Alignment(a, b.List(u16, 3)), 2u);
  EXPECT_EQ(ElemSize(a, b.List(u64)), 8u);
  EXPECT_EQ(Alignment(a, b.List(u64)), 4u);
  EXPECT_EQ(ElemSize(a, b.Labelled(TypeKind::kFlags, 8)), 1u);
  EXPECT_EQ(ElemSize(a, b.Labelled(TypeKind::kFlags, 9)), 2u);
  EXPECT_EQ(ElemSize(a, b.Labelled(TypeKind::kFlags, 17)), 4u);
  EXPECT_EQ(Alignment(a, b.Labelled(TypeKind::kFlags, 32)), 4u);
  EXPECT_EQ(DiscriminantSize(1), 1u);
  EXPECT_EQ(DiscriminantSize(256), 1u);
  EXPECT_EQ(DiscriminantSize(257), 2u);
  EXPECT_EQ(DiscriminantSize(65537), 4u);
  EXPECT_EQ(ElemSize(a, b.Labelled(TypeKind::kEnum, 257)), 2u);
}

std::vector<ValType> Flat(TypeBuilder& b, TypeId t) {
  std::vector<ValType> out;
  FlattenType(b.arena(), t, out);
  return out;
}

// Values worked out by hand from definitions.py's alignment, elem_size,
// discriminant_type and flatten_type (32-bit pointers).
TEST(CanonicalAbiTest, LayoutOfAVariantOfRecordsOfLists) {
  TypeBuilder b;
  const TypeArena& a = b.arena();
  const TypeId u8 = b.Prim(TypeKind::kU8), u64 = b.Prim(TypeKind::kU64);
  // {a: list<u8>, b: u64}: a at 0 (8 bytes), b at 8.
  const TypeId r1 = b.Record({{"a", b.List(u8)}, {"b", u64}});
  EXPECT_EQ(a.layout(r1).size, 16u);
  EXPECT_EQ(a.layout(r1).alignment, 8u);
  // {x: u8, y: list<string>}: y at 4.
  const TypeId r2 =
      b.Record({{"x", u8}, {"y", b.List(b.Prim(TypeKind::kString))}});
  EXPECT_EQ(a.layout(r2).size, 12u);
  EXPECT_EQ(a.layout(r2).alignment, 4u);
  const TypeId v = b.Variant({{"p", r1}, {"q", r2}, {"r", std::nullopt}});
  const TypeLayout& l = a.layout(v);
  EXPECT_EQ(l.discriminant_size, 1u);
  EXPECT_EQ(l.payload_offset, 8u);  // align_to(1, max case alignment 8)
  EXPECT_EQ(l.size, 24u);           // align_to(8 + 16, 8)
  EXPECT_EQ(l.alignment, 8u);
  EXPECT_EQ(l.flat_count, 4u);
  using V = ValType;
  // [i32 i32 i64] joined with [i32 i32 i32], after the discriminant.
  EXPECT_EQ(Flat(b, v), (std::vector<V>{V::kI32, V::kI32, V::kI32, V::kI64}));
  EXPECT_EQ(std::vector<V>(a.flat(v).begin(), a.flat(v).end()), Flat(b, v));
}

// wasi:http 0.2's error-code: 39 cases, the widest payload
// option<field-size-payload> and the most aligned option<u64>.
TEST(CanonicalAbiTest, LayoutOfWasiHttpErrorCode) {
  TypeBuilder b;
  const TypeArena& a = b.arena();
  const TypeId str = b.Prim(TypeKind::kString);
  const TypeId opt_u8 = b.Option(b.Prim(TypeKind::kU8));
  const TypeId opt_u16 = b.Option(b.Prim(TypeKind::kU16));
  const TypeId opt_u32 = b.Option(b.Prim(TypeKind::kU32));
  const TypeId opt_u64 = b.Option(b.Prim(TypeKind::kU64));
  const TypeId opt_str = b.Option(str);
  EXPECT_EQ(a.layout(opt_str).size, 12u);
  EXPECT_EQ(a.layout(opt_str).payload_offset, 4u);
  EXPECT_EQ(a.layout(opt_u64).size, 16u);
  EXPECT_EQ(a.layout(opt_u16).size, 4u);
  const TypeId dns = b.Record({{"rcode", opt_str}, {"info-code", opt_u16}});
  const TypeId tls =
      b.Record({{"alert-id", opt_u8}, {"alert-message", opt_str}});
  const TypeId field_size =
      b.Record({{"field-name", opt_str}, {"field-size", opt_u32}});
  EXPECT_EQ(a.layout(dns).size, 16u);
  EXPECT_EQ(a.layout(tls).size, 16u);  // alert-message at 4
  EXPECT_EQ(a.layout(field_size).size, 20u);
  const TypeId opt_field_size = b.Option(field_size);
  EXPECT_EQ(a.layout(opt_field_size).size, 24u);
  std::vector<Case> cases = {
      {"DNS-error", dns},
      {"TLS-alert-received", tls},
      {"HTTP-request-body-size", opt_u64},
      {"HTTP-request-header-section-size", opt_u32},
      {"HTTP-request-header-size", opt_field_size},
      {"HTTP-request-trailer-section-size", opt_u32},
      {"HTTP-request-trailer-size", field_size},
      {"HTTP-response-status", opt_u16},
      {"connection-limit-reached", std::nullopt},
      {"internal-error", opt_str},
  };
  while (cases.size() < 39) {
    cases.push_back({absl::StrCat("case-", cases.size()), std::nullopt});
  }
  const TypeId error_code = b.Variant(cases);
  const TypeLayout& l = a.layout(error_code);
  EXPECT_EQ(l.discriminant_size, 1u);
  EXPECT_EQ(l.payload_offset, 8u);
  EXPECT_EQ(l.size, 32u);  // align_to(8 + 24, 8)
  EXPECT_EQ(l.alignment, 8u);
  EXPECT_EQ(l.flat_count, 7u);
  using V = ValType;
  EXPECT_EQ(Flat(b, error_code),
            (std::vector<V>{V::kI32, V::kI32, V::kI64, V::kI32, V::kI32,
                            V::kI32, V::kI32}));
  // result<_, error-code> as a host call returns it: spilled (flat 8 > 1).
  const TypeId result = b.Result(std::nullopt, error_code);
  EXPECT_EQ(a.layout(result).size, 40u);
  EXPECT_EQ(a.layout(result).payload_offset, 8u);
  EXPECT_EQ(a.layout(result).flat_count, 8u);
}

// Flattenings too long to cache are computed on request, the same way.
TEST(CanonicalAbiTest, LongFlatteningsAreNotCached) {
  TypeBuilder b;
  const TypeArena& a = b.arena();
  const TypeId u32 = b.Prim(TypeKind::kU32);
  const TypeId sixteen = b.List(u32, kMaxCachedFlat);
  EXPECT_EQ(a.flat(sixteen).size(), kMaxCachedFlat);
  const TypeId long_list = b.List(u32, kMaxCachedFlat + 1);
  EXPECT_TRUE(a.flat(long_list).empty());
  EXPECT_EQ(a.layout(long_list).flat_count, kMaxCachedFlat + 1);
  EXPECT_EQ(Flat(b, b.Option(long_list)),
            std::vector<ValType>(kMaxCachedFlat + 2, ValType::kI32));
  // Sizes saturate instead of overflowing for types validation rejects.
  const TypeId huge = b.List(b.List(b.Prim(TypeKind::kU64), 1u << 30), 16);
  EXPECT_EQ(a.layout(huge).size, UINT32_MAX);
  EXPECT_EQ(a.layout(huge).flat_count, kSaturatedFlatCount);
}

TEST(CanonicalAbiTest, FlattenJoinsVariantCases) {
  using V = ValType;
  TypeBuilder b;
  const TypeId f32 = b.Prim(TypeKind::kF32), u32 = b.Prim(TypeKind::kU32);
  // join(i32, f32) = i32; anything else differing is i64.
  EXPECT_EQ(Flat(b, b.Result(f32, u32)), (std::vector<V>{V::kI32, V::kI32}));
  EXPECT_EQ(Flat(b, b.Variant({{"a", f32},
                               {"b", b.Prim(TypeKind::kF64)},
                               {"c", std::nullopt}})),
            (std::vector<V>{V::kI32, V::kI64}));
  EXPECT_EQ(Flat(b, b.Variant({{"a", u32},
                               {"b", f32},
                               {"c", b.Tuple({f32, b.Prim(TypeKind::kU64)})}})),
            (std::vector<V>{V::kI32, V::kI32, V::kI64}));
  EXPECT_EQ(Flat(b, b.Labelled(TypeKind::kEnum, 3)), std::vector<V>{V::kI32});
  EXPECT_EQ(Flat(b, b.List(f32, 3)),
            (std::vector<V>{V::kF32, V::kF32, V::kF32}));
  EXPECT_EQ(Flat(b, b.Prim(TypeKind::kString)),
            (std::vector<V>{V::kI32, V::kI32}));
}

TEST(CanonicalAbiTest, FlattenFuncTypeSpillsPastTheLimits) {
  using V = ValType;
  TypeBuilder b;
  const TypeId u32 = b.Prim(TypeKind::kU32), str = b.Prim(TypeKind::kString);
  const TypeId sixteen = b.Func(std::vector<TypeId>(16, u32), u32);
  auto lift = FlattenFuncType(b.arena(), sixteen, FlattenContext::kLift);
  ASSERT_TRUE(lift.ok());
  EXPECT_EQ(lift->params.size(), 16u);
  EXPECT_EQ(lift->results, std::vector<V>{V::kI32});

  const TypeId seventeen = b.Func(std::vector<TypeId>(17, u32), str);
  lift = FlattenFuncType(b.arena(), seventeen, FlattenContext::kLift);
  ASSERT_TRUE(lift.ok());
  EXPECT_EQ(lift->params, std::vector<V>{V::kI32});   // a pointer to the args
  EXPECT_EQ(lift->results, std::vector<V>{V::kI32});  // a return area pointer
  auto lower = FlattenFuncType(b.arena(), seventeen, FlattenContext::kLower);
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->params, (std::vector<V>{V::kI32, V::kI32}));  // + retptr
  EXPECT_TRUE(lower->results.empty());
}

TEST(CanonicalAbiTest, CanonOptionsAreRequiredAsTheSpecSays) {
  TypeBuilder b;
  const TypeId u32 = b.Prim(TypeKind::kU32), str = b.Prim(TypeKind::kString);
  const TypeId scalars = b.Func({u32}, u32);
  const TypeId takes_string = b.Func({str}, std::nullopt);
  const TypeId gives_string = b.Func({}, str);
  const TypeId many = b.Func(std::vector<TypeId>(17, u32), std::nullopt);
  const TypeId two_results = b.Func({}, b.Tuple({u32, u32}));
  CanonOptions none, memory, both, post_return;
  memory.memory = 0;
  both.memory = 0;
  both.realloc = 1;
  post_return.post_return = 2;
  const auto lift = FlattenContext::kLift, lower = FlattenContext::kLower;
  const TypeArena& a = b.arena();
  EXPECT_TRUE(CheckCanonOptions(a, scalars, lift, none).ok());
  EXPECT_TRUE(CheckCanonOptions(a, scalars, lower, none).ok());
  EXPECT_TRUE(CheckCanonOptions(a, scalars, lift, post_return).ok());
  ExpectStatus(CheckCanonOptions(a, scalars, lower, post_return),
               absl::StatusCode::kInvalidArgument,
               "post-return is only allowed on canon lift");
  CanonOptions realloc_only;
  realloc_only.realloc = 1;
  ExpectStatus(CheckCanonOptions(a, scalars, lift, realloc_only),
               absl::StatusCode::kInvalidArgument,
               "realloc option needs the memory option");
  // A string parameter: lifting allocates it in the guest, lowering only
  // reads guest memory.
  ExpectStatus(CheckCanonOptions(a, takes_string, lift, memory),
               absl::StatusCode::kInvalidArgument,
               "realloc option is required");
  EXPECT_TRUE(CheckCanonOptions(a, takes_string, lift, both).ok());
  ExpectStatus(CheckCanonOptions(a, takes_string, lower, none),
               absl::StatusCode::kInvalidArgument, "memory option is required");
  EXPECT_TRUE(CheckCanonOptions(a, takes_string, lower, memory).ok());
  // A string result: the reverse.
  EXPECT_TRUE(CheckCanonOptions(a, gives_string, lift, memory).ok());
  ExpectStatus(CheckCanonOptions(a, gives_string, lower, memory),
               absl::StatusCode::kInvalidArgument,
               "realloc option is required");
  // Spilled parameters are allocated by a lift, read by a lower.
  ExpectStatus(CheckCanonOptions(a, many, lift, memory),
               absl::StatusCode::kInvalidArgument,
               "realloc option is required");
  EXPECT_TRUE(CheckCanonOptions(a, many, lower, memory).ok());
  ExpectStatus(CheckCanonOptions(a, many, lower, none),
               absl::StatusCode::kInvalidArgument, "memory option is required");
  // Spilled results: a return area or a return pointer, memory only.
  EXPECT_TRUE(CheckCanonOptions(a, two_results, lift, memory).ok());
  EXPECT_TRUE(CheckCanonOptions(a, two_results, lower, memory).ok());
  ExpectStatus(CheckCanonOptions(a, two_results, lift, none),
               absl::StatusCode::kInvalidArgument, "memory option is required");
  CanonOptions async;
  async.async = true;
  ExpectStatus(CheckCanonOptions(a, scalars, lift, async),
               absl::StatusCode::kUnimplemented, "async");
}

TEST(CanonicalAbiTest, AsyncTypesAreRefused) {
  TypeBuilder b;
  const TypeId stream = b.arena().Add(Type{TypeKind::kStream});
  ExpectStatus(CheckSupported(b.arena(), b.List(b.Option(stream))),
               absl::StatusCode::kUnimplemented, "stream");
  ExpectStatus(FlattenFuncType(b.arena(), b.Func({stream}, std::nullopt),
                               FlattenContext::kLift)
                   .status(),
               absl::StatusCode::kUnimplemented, "stream");
  ExpectStatus(CheckSupported(b.arena(), b.Prim(TypeKind::kErrorContext)),
               absl::StatusCode::kUnimplemented, "error-context");
  Type async_func{TypeKind::kFunc};
  async_func.async = true;
  ExpectStatus(FlattenFuncType(b.arena(), b.arena().Add(async_func),
                               FlattenContext::kLift)
                   .status(),
               absl::StatusCode::kUnimplemented, "async");
  ExpectStatus(CheckSupported(b.arena(), b.Resource()),
               absl::StatusCode::kInvalidArgument, "not a value type");

  Fixture f;
  const TypeId future = f.types.arena().Add(Type{TypeKind::kFuture});
  LiftLowerContext cx = f.Context();
  std::vector<CoreVal> out;
  ExpectStatus(LowerFlat(cx, Val::U32(1), future, out),
               absl::StatusCode::kUnimplemented, "future");
  std::vector<CoreVal> in = {CoreVal::I32(1)};
  CoreValueIter vi(in);
  ExpectStatus(LiftFlat(cx, vi, future).status(),
               absl::StatusCode::kUnimplemented, "future");
}

// ---- The golden cases: the same (type, value) pairs as
// canonical_abi_golden.py ----

struct Case {
  std::string name;
  TypeId type;
  Val value;
};

Val Str(const char* s) { return Val::String(s); }

std::vector<Case> GoldenCases(TypeBuilder& b) {
  auto p = [&](TypeKind k) { return b.Prim(k); };
  const TypeId str = p(TypeKind::kString);
  const TypeId joined = b.Variant({{"a", p(TypeKind::kF32)},
                                   {"b", p(TypeKind::kU64)},
                                   {"c", std::nullopt},
                                   {"d", str}});
  const TypeId joined2 =
      b.Variant({{"a", p(TypeKind::kU32)},
                 {"b", p(TypeKind::kF32)},
                 {"c", b.Tuple({p(TypeKind::kF32), p(TypeKind::kU64)})}});
  const TypeId nested = b.List(b.Option(
      b.Record({{"x", p(TypeKind::kS16)}, {"y", b.List(p(TypeKind::kChar))}})));
  const TypeId result_str_u8 = b.Result(str, p(TypeKind::kU8));
  const TypeId option_u32 = b.Option(p(TypeKind::kU32));
  auto nested_value = Val::List(
      {Val::Some(Val::Record({{"x", Val::S16(-3)},
                              {"y", Val::List({Val::Char('a'), Val::Char(0xe9),
                                               Val::Char(0x1f600)})}})),
       Val::None()});
  return {
      {"bool_true", p(TypeKind::kBool), Val::Bool(true)},
      {"s8_neg", p(TypeKind::kS8), Val::S8(-5)},
      {"u16_max", p(TypeKind::kU16), Val::U16(65535)},
      {"s32_min", p(TypeKind::kS32), Val::S32(INT32_MIN)},
      {"u64_max", p(TypeKind::kU64), Val::U64(UINT64_MAX)},
      {"s64_neg", p(TypeKind::kS64), Val::S64(-2)},
      {"f32", p(TypeKind::kF32), Val::F32(1.5f)},
      {"f64", p(TypeKind::kF64), Val::F64(-0.25)},
      {"char_astral", p(TypeKind::kChar), Val::Char(0x1f600)},
      {"string_ascii", str, Str("hello")},
      {"string_latin1", str, Str("h\u00e9llo")},
      {"string_bmp", str, Str("h\u20acllo")},
      {"string_astral", str, Str("a\U0001F600b")},
      {"string_empty", str, Str("")},
      {"list_u16", b.List(p(TypeKind::kU16)),
       Val::List({Val::U16(1), Val::U16(2), Val::U16(3)})},
      {"list_string", b.List(str), Val::List({Str("a"), Str("\u20ac")})},
      {"list_fixed", b.List(p(TypeKind::kU8), 3),
       Val::List({Val::U8(7), Val::U8(8), Val::U8(9)})},
      {"record",
       b.Record({{"a", p(TypeKind::kU8)},
                 {"b", p(TypeKind::kU32)},
                 {"c", p(TypeKind::kU16)}}),
       Val::Record(
           {{"a", Val::U8(7)}, {"b", Val::U32(9)}, {"c", Val::U16(3)}})},
      {"tuple", b.Tuple({p(TypeKind::kU8), p(TypeKind::kF64), str}),
       Val::Tuple({Val::U8(1), Val::F64(2.5), Str("x")})},
      {"variant_f32", joined, Val::Variant(0, Val::F32(1.5f))},
      {"variant_u64", joined,
       Val::Variant(1, Val::U64((uint64_t{1} << 40) + 3))},
      {"variant_none", joined, Val::Variant(2, std::nullopt)},
      {"variant_string", joined, Val::Variant(3, Str("zz"))},
      {"variant2_f32", joined2, Val::Variant(1, Val::F32(-2.0f))},
      {"variant2_tuple", joined2,
       Val::Variant(2, Val::Tuple({Val::F32(0.5f), Val::U64(5)}))},
      {"enum", b.Labelled(TypeKind::kEnum, 3), Val::Enum(1)},
      {"option_some", option_u32, Val::Some(Val::U32(5))},
      {"option_none", option_u32, Val::None()},
      {"result_ok", result_str_u8, Val::Ok(Str("fine"))},
      {"result_err", result_str_u8, Val::Err(Val::U8(3))},
      {"result_empty", b.Result(std::nullopt, std::nullopt), Val::Err()},
      {"flags9", b.Labelled(TypeKind::kFlags, 9), Val::Flags(0x101)},
      {"nested", nested, nested_value},
      {"own", b.Handle(TypeKind::kOwn, b.Resource()), Val::Own(42)},
  };
}

std::string CoreValueText(const CoreVal& v) {
  switch (v.type()) {
    case ValType::kI32:
      return absl::StrCat("i32:", static_cast<uint32_t>(v.bits()));
    case ValType::kI64:
      return absl::StrCat("i64:", v.bits());
    case ValType::kF32:
      return absl::StrFormat("f32:%08x", v.bits());
    default:
      return absl::StrFormat("f64:%016x", v.bits());
  }
}

std::string Hex(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (uint8_t b : bytes) absl::StrAppendFormat(&out, "%02x", b);
  return out;
}

// The golden file's lines, by "<case> <mode> <encoding>".
std::map<std::string, std::string> ReadGolden() {
  std::ifstream in("lib/component/canonical_abi_golden.txt");
  std::map<std::string, std::string> golden;
  std::string line;
  while (std::getline(in, line)) {
    size_t at = line.find(" flat=");
    if (at == std::string::npos) at = line.find(" result=");
    golden[line.substr(0, at)] = line.substr(at + 1);
  }
  return golden;
}

// The LIFT_CASES of canonical_abi_golden.py: core values over a memory
// with `bytes` at kLiftAt, lifted in each encoding; the reference says
// whether that traps and, if not, what comes out.
constexpr uint32_t kLiftAt = 64;

struct LiftCase {
  std::string name;
  TypeId type;
  std::vector<uint32_t> values;
  std::vector<uint8_t> bytes;
};

std::vector<LiftCase> LiftCases(TypeBuilder& b) {
  const TypeId str = b.Prim(TypeKind::kString), ch = b.Prim(TypeKind::kChar);
  const TypeId variant3 = b.Variant(
      {{"a", std::nullopt}, {"b", b.Prim(TypeKind::kU8)}, {"c", std::nullopt}});
  const TypeId list = b.List(b.Prim(TypeKind::kU32));
  return {
      {"str_ascii", str, {kLiftAt, 2}, {'h', 'i'}},
      {"str_bad_utf8", str, {kLiftAt, 2}, {0xc3, 0x28}},
      {"str_overlong", str, {kLiftAt, 2}, {0xc0, 0x80}},
      {"str_surrogate_utf8", str, {kLiftAt, 3}, {0xed, 0xa0, 0x80}},
      {"str_high_latin1", str, {kLiftAt, 2}, {0xe9, 0xff}},
      {"str_lone_high", str, {kLiftAt, 1}, {0x00, 0xd8}},
      {"str_lone_low", str, {kLiftAt, 1}, {0x00, 0xdc}},
      {"str_pair", str, {kLiftAt, 2}, {0x3d, 0xd8, 0x00, 0xde}},
      {"str_tagged", str, {kLiftAt, 1 | kUtf16Tag}, {0xac, 0x20}},
      {"str_unaligned", str, {kLiftAt + 1, 1}, {0x00, 'a', 'b'}},
      {"str_out_of_bounds", str, {512 - 2, 2}, {}},
      {"str_too_long", str, {0, 1u << 28}, {}},
      {"char_d7ff", ch, {0xd7ff}, {}},
      {"char_d800", ch, {0xd800}, {}},
      {"char_dfff", ch, {0xdfff}, {}},
      {"char_10ffff", ch, {0x10ffff}, {}},
      {"char_110000", ch, {0x110000}, {}},
      {"bool_2", b.Prim(TypeKind::kBool), {2}, {}},
      {"variant_disc_2", variant3, {2, 0}, {}},
      {"variant_disc_3", variant3, {3, 0}, {}},
      {"list_unaligned", list, {kLiftAt + 2, 1}, {}},
      {"list_out_of_bounds", list, {512 - 4, 2}, {}},
      {"list_too_long", list, {0, 1u << 26}, {}},
  };
}

// The reference's text of a lifted value (lift_text in the script).
std::string LiftText(const Val& v) {
  switch (v.kind()) {
    case ValKind::kString: {
      std::vector<uint8_t> bytes(v.string().begin(), v.string().end());
      return Hex(bytes);
    }
    case ValKind::kChar:
      return absl::StrFormat("%x", v.char_value());
    case ValKind::kBool:
      return v.bool_value() ? "True" : "False";
    case ValKind::kVariant:
      return std::string(1, static_cast<char>('a' + v.case_index()));
    default:
      return "?";
  }
}

size_t CompareLiftsWithTheReference(
    const std::map<std::string, std::string>& golden) {
  size_t compared = 0;
  for (StringEncoding encoding : kEncodings) {
    Fixture probe;
    for (const LiftCase& c : LiftCases(probe.types)) {
      const std::string key =
          absl::StrCat("lift-", c.name, " ", EncodingName(encoding));
      SCOPED_TRACE(key);
      Fixture f(encoding);
      f.opts.realloc = false;  // lifting never allocates
      const std::vector<LiftCase> cases = LiftCases(f.types);
      const LiftCase& mine =
          *std::find_if(cases.begin(), cases.end(),
                        [&](const LiftCase& k) { return k.name == c.name; });
      f.PokeBytes(kLiftAt, mine.bytes);
      std::vector<CoreVal> in;
      for (uint32_t v : mine.values)
        in.push_back(CoreVal::I32(static_cast<int32_t>(v)));
      CoreValueIter vi(in);
      LiftLowerContext cx = f.Context();
      absl::StatusOr<Val> got = LiftFlat(cx, vi, mine.type);
      if (!got.ok()) {
        EXPECT_EQ(got.status().code(), absl::StatusCode::kAborted)
            << got.status();
      }
      auto it = golden.find(key);
      if (it == golden.end()) {
        ADD_FAILURE() << "no reference line for " << key;
        continue;
      }
      EXPECT_EQ(absl::StrCat("result=", got.ok() ? LiftText(*got) : "trap"),
                it->second);
      ++compared;
    }
  }
  return compared;
}

// Lowers each case flat and into memory in each encoding, compares the core
// values, memory and realloc calls with the reference's, and lifts the
// value back.
TEST(CanonicalAbiTest, MatchesTheReferenceAndRoundTrips) {
  const std::map<std::string, std::string> golden = ReadGolden();
  if (golden.empty()) {
    GTEST_SKIP() << "no reference lines: the Component Model spec checkout "
                    "(../shared/component-model or $WASMHOST_COMPONENT_MODEL) "
                    "is absent";
  }
  size_t compared = 0;
  for (StringEncoding encoding : kEncodings) {
    for (const char* mode : {"flat", "store"}) {
      Fixture probe;
      for (const Case& c : GoldenCases(probe.types)) {
        const std::string key =
            absl::StrCat(c.name, " ", mode, " ", EncodingName(encoding));
        SCOPED_TRACE(key);
        Fixture f(encoding);
        const std::vector<Case> cases = GoldenCases(f.types);
        const Case& mine =
            *std::find_if(cases.begin(), cases.end(),
                          [&](const Case& k) { return k.name == c.name; });
        LiftLowerContext cx = f.Context();
        std::vector<CoreVal> flat;
        std::optional<uint32_t> ptr;
        if (std::string(mode) == "flat") {
          ASSERT_TRUE(LowerFlat(cx, mine.value, mine.type, flat).ok());
        } else {
          auto at =
              f.memory.Realloc(0, 0, Alignment(f.types.arena(), mine.type),
                               ElemSize(f.types.arena(), mine.type));
          ASSERT_TRUE(at.ok());
          ptr = *at;
          ASSERT_TRUE(Store(cx, mine.value, mine.type, *ptr).ok());
        }
        std::vector<std::string> texts;
        for (const CoreVal& v : flat) texts.push_back(CoreValueText(v));
        std::vector<std::string> calls;
        for (const TestMemory::Call& call : f.memory.calls) {
          calls.push_back(absl::StrCat(call.old_ptr, "/", call.old_size, "/",
                                       call.align, "/", call.new_size));
        }
        const std::string got = absl::StrCat(
            "flat=", absl::StrJoin(texts, ","), " mem=", Hex(f.memory.Heap()),
            " reallocs=", absl::StrJoin(calls, ";"));
        auto it = golden.find(key);
        ASSERT_NE(it, golden.end()) << "no reference line for " << key;
        EXPECT_EQ(got, it->second);
        ++compared;

        // And back: lifting gives the value lowered.
        absl::StatusOr<Val> back;
        if (ptr.has_value()) {
          back = Load(cx, *ptr, mine.type);
        } else {
          CoreValueIter vi(flat);
          back = LiftFlat(cx, vi, mine.type);
          EXPECT_TRUE(vi.done());
        }
        ASSERT_TRUE(back.ok()) << back.status();
        EXPECT_TRUE(*back == mine.value);
      }
    }
  }
  compared += CompareLiftsWithTheReference(golden);
  EXPECT_EQ(compared, golden.size());  // every reference line was checked
}

// ---- Strings ----

TEST(CanonicalAbiTest, Utf8ToUtf8IsOneReallocAndACopy) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  std::vector<CoreVal> flat;
  ASSERT_TRUE(LowerFlat(cx, Str("gr\u00fc\u00df \U0001F600"),
                        f.types.Prim(TypeKind::kString), flat)
                  .ok());
  ASSERT_EQ(f.memory.calls.size(), 1u);
  EXPECT_EQ(f.memory.calls[0].new_size, 11u);
  EXPECT_EQ(f.memory.calls[0].align, 1u);
}

TEST(CanonicalAbiTest, Latin1Utf16PicksLatin1WhenItCan) {
  for (auto [text, tagged, reallocs] :
       std::vector<std::tuple<const char*, uint32_t, size_t>>{
           {"caf\u00e9", 4, 2},                  // shrunk from 5 bytes
           {"abc", 3, 1},                        // exact: no shrink
           {"a\u20ac", 2 | kUtf16Tag, 3},        // grown, then shrunk
           {"\U0001F600", 2 | kUtf16Tag, 3}}) {  // a surrogate pair
    SCOPED_TRACE(text);
    Fixture f(StringEncoding::kLatin1Utf16);
    LiftLowerContext cx = f.Context();
    std::vector<CoreVal> flat;
    ASSERT_TRUE(
        LowerFlat(cx, Str(text), f.types.Prim(TypeKind::kString), flat).ok());
    EXPECT_EQ(static_cast<uint32_t>(flat[1].bits()), tagged);
    EXPECT_EQ(f.memory.calls.size(), reallocs);
    CoreValueIter vi(flat);
    auto back = LiftFlat(cx, vi, f.types.Prim(TypeKind::kString));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->string(), text);
  }
}

TEST(CanonicalAbiTest, LiftsLatin1AndUtf16FromGuestMemory) {
  Fixture f(StringEncoding::kLatin1Utf16);
  f.PokeBytes(100, {'c', 'a', 'f', 0xe9});
  f.PokeBytes(200, {0x3d, 0xd8, 0x00, 0xde, 'x', 0});  // U+1F600 "x"
  LiftLowerContext cx = f.Context();
  const TypeId str = f.types.Prim(TypeKind::kString);
  std::vector<CoreVal> in = {CoreVal::I32(100), CoreVal::I32(4),
                             CoreVal::I32(200), CoreVal::I32(2 | kUtf16Tag)};
  CoreValueIter vi(in);
  EXPECT_EQ(LiftFlat(cx, vi, str)->string(), "caf\u00e9");
  EXPECT_EQ(LiftFlat(cx, vi, str)->string(), "\U0001F600");  // 2 code units
}

TEST(CanonicalAbiTest, StringTraps) {
  const TypeId str = TypeArena::Primitive(TypeKind::kString);
  auto lift = [&](StringEncoding e, uint32_t ptr, uint32_t units,
                  std::vector<uint8_t> bytes) {
    Fixture f(e);
    f.PokeBytes(ptr, bytes);
    LiftLowerContext cx = f.Context();
    std::vector<CoreVal> in = {CoreVal::I32(ptr), CoreVal::I32(units)};
    CoreValueIter vi(in);
    return LiftFlat(cx, vi, str).status();
  };
  ExpectStatus(lift(StringEncoding::kUtf8, 64, 2, {0xc3, 0x28}),
               absl::StatusCode::kAborted, "invalid UTF-8");
  ExpectStatus(lift(StringEncoding::kUtf8, 64, 3, {0xed, 0xa0, 0x80}),
               absl::StatusCode::kAborted, "invalid UTF-8");  // a surrogate
  ExpectStatus(lift(StringEncoding::kUtf16, 64, 1, {0x00, 0xd8}),
               absl::StatusCode::kAborted, "unpaired surrogate 0xd800");
  ExpectStatus(lift(StringEncoding::kUtf16, 65, 1, {}),
               absl::StatusCode::kAborted,
               "unaligned pointer 0x41 for alignment 2");
  ExpectStatus(lift(StringEncoding::kLatin1Utf16, 3, 1 | kUtf16Tag, {}),
               absl::StatusCode::kAborted, "unaligned pointer 0x3");
  ExpectStatus(lift(StringEncoding::kUtf8, 510, 3, {}),
               absl::StatusCode::kAborted, "pointer out of bounds");
  ExpectStatus(lift(StringEncoding::kUtf8, 0, 1u << 28, {}),
               absl::StatusCode::kAborted, "longer than the maximum");
  ExpectStatus(lift(StringEncoding::kUtf16, 0, 1u << 27, {}),
               absl::StatusCode::kAborted, "longer than the maximum");
}

// ---- Traps and bad values ----

TEST(CanonicalAbiTest, DiscriminantOutOfRangeTraps) {
  Fixture f;
  const TypeId v = f.types.Variant({{"a", std::nullopt},
                                    {"b", f.types.Prim(TypeKind::kU8)},
                                    {"c", std::nullopt}});
  LiftLowerContext cx = f.Context();
  std::vector<CoreVal> in = {CoreVal::I32(5), CoreVal::I32(0)};
  CoreValueIter vi(in);
  ExpectStatus(LiftFlat(cx, vi, v).status(), absl::StatusCode::kAborted,
               "discriminant 5 out of range for variant with 3 cases");
  f.PokeBytes(40, {3});
  ExpectStatus(Load(cx, 40, v).status(), absl::StatusCode::kAborted,
               "discriminant 3 out of range");
  f.PokeBytes(44, {2});
  ExpectStatus(
      Load(cx, 44, f.types.Option(f.types.Prim(TypeKind::kU8))).status(),
      absl::StatusCode::kAborted, "discriminant 2 out of range for option");
}

TEST(CanonicalAbiTest, InvalidCharTraps) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  const TypeId ch = f.types.Prim(TypeKind::kChar);
  std::vector<CoreVal> in = {CoreVal::I32(0xd800), CoreVal::I32(0x110000)};
  CoreValueIter vi(in);
  ExpectStatus(LiftFlat(cx, vi, ch).status(), absl::StatusCode::kAborted,
               "invalid char 0xd800");
  ExpectStatus(LiftFlat(cx, vi, ch).status(), absl::StatusCode::kAborted,
               "invalid char 0x110000");
  f.Poke(8, {0xdfff});
  ExpectStatus(Load(cx, 8, ch).status(), absl::StatusCode::kAborted,
               "invalid char 0xdfff");
}

TEST(CanonicalAbiTest, ListRangeTraps) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  const TypeId list = f.types.List(f.types.Prim(TypeKind::kU32));
  auto lift = [&](uint32_t ptr, uint32_t len) {
    std::vector<CoreVal> in = {CoreVal::I32(ptr), CoreVal::I32(len)};
    CoreValueIter vi(in);
    return LiftFlat(cx, vi, list).status();
  };
  ExpectStatus(lift(3, 1), absl::StatusCode::kAborted,
               "unaligned pointer 0x3 for alignment 4");
  ExpectStatus(lift(508, 2), absl::StatusCode::kAborted,
               "pointer out of bounds");
  ExpectStatus(lift(0, 1u << 27), absl::StatusCode::kAborted,
               "longer than the maximum");
  EXPECT_TRUE(lift(508, 1).ok());
}

// Host-function arguments (lift_bytes): list<u8> lifts as one Val::Bytes,
// checked like any list; Bytes lowers with one realloc and one copy.
TEST(CanonicalAbiTest, ByteListsLiftAndLowerAsBytes) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  cx.lift_bytes = true;
  const TypeId u8 = f.types.Prim(TypeKind::kU8);
  const TypeId bytes = f.types.List(u8);
  f.PokeBytes(100, {'h', 'i', 0, 0xff});
  auto lift = [&](uint32_t ptr, uint32_t len) {
    std::vector<CoreVal> in = {CoreVal::I32(ptr), CoreVal::I32(len)};
    CoreValueIter vi(in);
    return LiftFlat(cx, vi, bytes);
  };
  absl::StatusOr<Val> got = lift(100, 4);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->is_bytes());
  EXPECT_EQ(got->bytes(), absl::string_view("hi\0\xff", 4));
  EXPECT_TRUE(got->elements().empty());
  EXPECT_EQ(*got,
            Val::List({Val::U8('h'), Val::U8('i'), Val::U8(0), Val::U8(0xff)}));
  ASSERT_TRUE(lift(512, 0).ok());
  EXPECT_TRUE(lift(512, 0)->bytes().empty());
  ExpectStatus(lift(509, 4).status(), absl::StatusCode::kAborted,
               "pointer out of bounds");
  ExpectStatus(lift(0xffffffff, 2).status(), absl::StatusCode::kAborted,
               "pointer out of bounds");
  ExpectStatus(lift(0, 1u << 28).status(), absl::StatusCode::kAborted,
               "longer than the maximum");
  // Through memory (a list<u8> inside a record) the same.
  f.Poke(200, {100, 2});
  absl::StatusOr<Val> loaded = Load(cx, 200, bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->bytes(), "hi");
  f.Poke(200, {600, 2});
  ExpectStatus(Load(cx, 200, bytes).status(), absl::StatusCode::kAborted,
               "pointer out of bounds");
  // Other element types are lifted element by element still.
  f.Poke(300, {7});
  std::vector<CoreVal> in = {CoreVal::I32(300), CoreVal::I32(1)};
  CoreValueIter vi(in);
  absl::StatusOr<Val> words =
      LiftFlat(cx, vi, f.types.List(f.types.Prim(TypeKind::kU32)));
  ASSERT_TRUE(words.ok()) << words.status();
  EXPECT_FALSE(words->is_bytes());
  EXPECT_EQ(*words, Val::List({Val::U32(7)}));

  std::vector<CoreVal> out;
  ASSERT_TRUE(LowerFlat(cx, Val::Bytes("abc"), bytes, out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].i32(), 3);
  const uint32_t ptr = static_cast<uint32_t>(out[0].i32());
  EXPECT_EQ(std::string(f.memory.Bytes().begin() + ptr,
                        f.memory.Bytes().begin() + ptr + 3),
            "abc");
  EXPECT_EQ(f.memory.calls.back().align, 1u);
  EXPECT_EQ(f.memory.calls.back().new_size, 3u);
  // Stored in memory too.
  ASSERT_TRUE(Store(cx, Val::Bytes("xy"), bytes, 400).ok());
  absl::StatusOr<Val> back = Load(cx, 400, bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->bytes(), "xy");
}

TEST(CanonicalAbiTest, ByteListsOnlyLowerToListOfU8) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  std::vector<CoreVal> out;
  ExpectStatus(LowerFlat(cx, Val::Bytes("ab"),
                         f.types.List(f.types.Prim(TypeKind::kU32)), out),
               absl::StatusCode::kInvalidArgument,
               "list type whose elements are not u8");
  ExpectStatus(LowerFlat(cx, Val::Bytes("ab"),
                         f.types.List(f.types.Prim(TypeKind::kU8), 2), out),
               absl::StatusCode::kInvalidArgument,
               "Val::Bytes list for a fixed-length list type of 2");
  ExpectStatus(Store(cx, Val::Bytes("ab"),
                     f.types.List(f.types.Prim(TypeKind::kU8), 2), 0),
               absl::StatusCode::kInvalidArgument,
               "Val::Bytes list for a fixed-length list type of 2");
  f.memory.result = 510;
  ExpectStatus(LowerFlat(cx, Val::Bytes("abcd"),
                         f.types.List(f.types.Prim(TypeKind::kU8)), out),
               absl::StatusCode::kAborted, "pointer out of bounds");
}

TEST(CanonicalAbiTest, LoadAndStoreCheckTheirPointer) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  const TypeId u32 = f.types.Prim(TypeKind::kU32);
  ExpectStatus(Load(cx, 6, u32).status(), absl::StatusCode::kAborted,
               "unaligned pointer 0x6 for alignment 4");
  ExpectStatus(Store(cx, Val::U32(1), u32, 512), absl::StatusCode::kAborted,
               "pointer out of bounds");
}

TEST(CanonicalAbiTest, ReallocFailuresAndBadPointersTrap) {
  const TypeId str = TypeArena::Primitive(TypeKind::kString);
  {
    Fixture f;
    f.memory.fail = absl::AbortedError("guest trap in cabi_realloc");
    LiftLowerContext cx = f.Context();
    std::vector<CoreVal> out;
    ExpectStatus(LowerFlat(cx, Str("x"), str, out), absl::StatusCode::kAborted,
                 "guest trap in cabi_realloc");
  }
  {
    Fixture f(StringEncoding::kUtf16);
    f.memory.result = 7;
    LiftLowerContext cx = f.Context();
    std::vector<CoreVal> out;
    ExpectStatus(LowerFlat(cx, Str("x"), str, out), absl::StatusCode::kAborted,
                 "unaligned pointer 0x7 for alignment 2");
  }
  {
    Fixture f;
    f.memory.result = 510;
    LiftLowerContext cx = f.Context();
    std::vector<CoreVal> out;
    ExpectStatus(LowerFlat(cx, Str("abcd"), str, out),
                 absl::StatusCode::kAborted, "pointer out of bounds");
    ExpectStatus(LowerFlat(cx, Val::List({Val::U8(1), Val::U8(2), Val::U8(3)}),
                           f.types.List(f.types.Prim(TypeKind::kU8)), out),
                 absl::StatusCode::kAborted, "pointer out of bounds");
  }
}

TEST(CanonicalAbiTest, MissingMemoryOrReallocIsAPrecondition) {
  Fixture f;
  f.opts.realloc = false;
  LiftLowerContext cx = f.Context();
  std::vector<CoreVal> out;
  const TypeId str = f.types.Prim(TypeKind::kString);
  ExpectStatus(LowerFlat(cx, Str("x"), str, out),
               absl::StatusCode::kFailedPrecondition, "realloc");
  f.opts.memory = nullptr;
  std::vector<CoreVal> in = {CoreVal::I32(0), CoreVal::I32(0)};
  CoreValueIter vi(in);
  ExpectStatus(LiftFlat(cx, vi, str).status(),
               absl::StatusCode::kFailedPrecondition, "no memory");
}

TEST(CanonicalAbiTest, HostValuesThatDoNotFitTheirTypeAreInvalidArguments) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  auto lower = [&](const Val& v, TypeId t) {
    std::vector<CoreVal> out;
    return LowerFlat(cx, v, t, out);
  };
  TypeBuilder& b = f.types;
  const auto code = absl::StatusCode::kInvalidArgument;
  ExpectStatus(lower(Val::String("\xff"), b.Prim(TypeKind::kString)), code,
               "not valid UTF-8");
  ExpectStatus(lower(Val::U8(1), b.Prim(TypeKind::kString)), code,
               "expected a string value, got a u8");
  ExpectStatus(lower(Val::Char(0xd800), b.Prim(TypeKind::kChar)), code,
               "char 0xd800 is not a Unicode scalar value");
  ExpectStatus(lower(Val::Flags(0x200), b.Labelled(TypeKind::kFlags, 9)), code,
               "beyond the type's 9 labels");
  ExpectStatus(lower(Val::Enum(3), b.Labelled(TypeKind::kEnum, 3)), code,
               "case 3 out of range for enum with 3 cases");
  ExpectStatus(lower(Val::Enum(0), b.Option(b.Prim(TypeKind::kU8))), code,
               "expected a option value, got a enum");
  ExpectStatus(lower(Val::Variant(0, std::nullopt),
                     b.Variant({{"a", b.Prim(TypeKind::kU8)}})),
               code, "case 0 needs a payload");
  ExpectStatus(lower(Val::Record({{"b", Val::U8(1)}}),
                     b.Record({{"a", b.Prim(TypeKind::kU8)}})),
               code, "record field 0 is named 'b', the type's 'a'");
  ExpectStatus(lower(Val::Tuple({}), b.Tuple({b.Prim(TypeKind::kU8)})), code,
               "tuple value has 0 fields, the type 1");
  ExpectStatus(lower(Val::List({}), b.List(b.Prim(TypeKind::kU8), 2)), code,
               "list value has 0 elements, the type 2");
}

TEST(CanonicalAbiTest, CoreValuesOfTheWrongTypeAreInvalidArguments) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  std::vector<CoreVal> in = {CoreVal::I64(1)};
  CoreValueIter vi(in);
  ExpectStatus(LiftFlat(cx, vi, f.types.Prim(TypeKind::kU32)).status(),
               absl::StatusCode::kInvalidArgument,
               "core value 0 is i64, expected i32");
  CoreValueIter empty({});
  ExpectStatus(LiftFlat(cx, empty, f.types.Prim(TypeKind::kU32)).status(),
               absl::StatusCode::kInvalidArgument, "expected a i32 core value");
}

// ---- Scalars as the spec lifts them ----

TEST(CanonicalAbiTest, FlatIntegersWrapAndNaNsAreCanonical) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  TypeBuilder& b = f.types;
  std::vector<CoreVal> in = {
      CoreVal::I32(0x1ff), CoreVal::I32(0xff80), CoreVal::I32(2),
      CoreVal::FromBits(ValType::kF32, 0x7fa00001),
      CoreVal::FromBits(ValType::kF64, 0xfff0000000000001)};
  CoreValueIter vi(in);
  EXPECT_EQ(LiftFlat(cx, vi, b.Prim(TypeKind::kU8))->u8(), 0xff);
  EXPECT_EQ(LiftFlat(cx, vi, b.Prim(TypeKind::kS8))->s8(), -128);
  EXPECT_TRUE(LiftFlat(cx, vi, b.Prim(TypeKind::kBool))->bool_value());
  EXPECT_EQ(LiftFlat(cx, vi, b.Prim(TypeKind::kF32))->bits(), 0x7fc00000u);
  EXPECT_EQ(LiftFlat(cx, vi, b.Prim(TypeKind::kF64))->bits(),
            0x7ff8000000000000u);
  EXPECT_TRUE(vi.done());
  // A NaN payload survives lowering (the spec lets it be any NaN).
  std::vector<CoreVal> out;
  ASSERT_TRUE(
      LowerFlat(cx, Val::F64(std::nan("1")), b.Prim(TypeKind::kF64), out).ok());
  EXPECT_EQ(out[0].bits(), Val::F64(std::nan("1")).bits());
}

TEST(CanonicalAbiTest, VariantPayloadsAreCoercedFromTheJoinedTypes) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  TypeBuilder& b = f.types;
  // variant { a(f32), b(u64) } flattens to (i32, i64): a's f32 travels as
  // the low bits of the i64.
  const TypeId v =
      b.Variant({{"a", b.Prim(TypeKind::kF32)}, {"b", b.Prim(TypeKind::kU64)}});
  std::vector<CoreVal> out;
  ASSERT_TRUE(LowerFlat(cx, Val::Variant(0, Val::F32(1.0f)), v, out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], CoreVal::I64(0x3f800000));
  CoreValueIter vi(out);
  auto back = LiftFlat(cx, vi, v);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->payload()->f32(), 1.0f);
}

// ---- Spilling ----

TEST(CanonicalAbiTest, ParametersPastSixteenGoThroughMemory) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  const std::vector<TypeId> types(17, f.types.Prim(TypeKind::kU8));
  std::vector<Val> values;
  for (int i = 0; i < 17; ++i) values.push_back(Val::U8(i));
  auto flat = LowerFlatValues(cx, kMaxFlatParams, values, types);
  ASSERT_TRUE(flat.ok()) << flat.status();
  ASSERT_EQ(flat->size(), 1u);  // the pointer
  EXPECT_EQ(f.memory.calls.back().new_size, 17u);
  CoreValueIter vi(*flat);
  auto back = LiftFlatValues(cx, kMaxFlatParams, vi, types);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, values);

  // Results past one go to the caller's return pointer.
  const std::vector<TypeId> result = {f.types.Prim(TypeKind::kString)};
  std::vector<CoreVal> retptr = {CoreVal::I32(256)};
  CoreValueIter out_param(retptr);
  auto none =
      LowerFlatValues(cx, kMaxFlatResults, {Str("hi")}, result, &out_param);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  CoreValueIter at(retptr);
  EXPECT_EQ(LiftFlatValues(cx, kMaxFlatResults, at, result)->at(0).string(),
            "hi");

  std::vector<CoreVal> bad = {CoreVal::I32(258)};
  CoreValueIter bad_ptr(bad);
  ExpectStatus(
      LowerFlatValues(cx, kMaxFlatResults, {Str("hi")}, result, &bad_ptr)
          .status(),
      absl::StatusCode::kAborted, "unaligned pointer 0x102 for alignment 4");
  ExpectStatus(LowerFlatValues(cx, kMaxFlatResults, {}, result).status(),
               absl::StatusCode::kInvalidArgument,
               "0 values given for 1 types");
}

TEST(CanonicalAbiTest, SpilledValuesCheckTheirPointer) {
  Fixture f;
  LiftLowerContext cx = f.Context();
  // Two u64 results spill: a tuple of alignment 8 and size 16.
  const std::vector<TypeId> types(2, f.types.Prim(TypeKind::kU64));
  for (auto [ptr, reason] : std::vector<std::pair<int32_t, const char*>>{
           {4, "unaligned pointer 0x4 for alignment 8"},
           {504, "pointer out of bounds"}}) {
    const std::vector<CoreVal> in = {CoreVal::I32(ptr)};
    CoreValueIter vi(in);
    ExpectStatus(LiftFlatValues(cx, kMaxFlatResults, vi, types).status(),
                 absl::StatusCode::kAborted, reason);
  }
  const std::vector<Val> values = {Val::U64(1), Val::U64(2)};
  f.memory.result = 12;  // cabi_realloc misaligns the argument area
  ExpectStatus(LowerFlatValues(cx, 1, values, types).status(),
               absl::StatusCode::kAborted,
               "unaligned pointer 0xc for alignment 8");
  f.memory.result = 504;
  ExpectStatus(LowerFlatValues(cx, 1, values, types).status(),
               absl::StatusCode::kAborted, "pointer out of bounds");
}

// ---- Resources through values ----

TEST(CanonicalAbiTest, OwnAndBorrowValuesUseTheHandleTable) {
  Fixture f;
  TypeBuilder& b = f.types;
  const TypeId r = b.Resource();
  const TypeId own = b.Handle(TypeKind::kOwn, r),
               borrow = b.Handle(TypeKind::kBorrow, r);
  const TypeId other_own = b.Handle(TypeKind::kOwn, b.Resource());
  // The guest calls out with a borrow of a handle it owns: lent until the
  // call ends.
  const uint32_t h = *f.handles.ResourceNew(r, 77);
  LiftLowerContext out_call = f.Context();
  std::vector<CoreVal> in = {CoreVal::I32(h), CoreVal::I32(h), CoreVal::I32(9)};
  CoreValueIter vi(in);
  EXPECT_EQ(*LiftFlat(out_call, vi, borrow), Val::Borrow(77));
  ExpectStatus(LiftFlat(out_call, vi, own).status(), absl::StatusCode::kAborted,
               "handle 1 is lent to 1 call(s)");
  ExpectStatus(LiftFlat(out_call, vi, own).status(), absl::StatusCode::kAborted,
               "unknown handle 9");
  f.handles.ReleaseLends(out_call.lends);
  const std::vector<CoreVal> h_again = {CoreVal::I32(h)};
  CoreValueIter wrong(h_again);
  ExpectStatus(LiftFlat(out_call, wrong, other_own).status(),
               absl::StatusCode::kAborted, "has resource type");

  // A call into the guest with a borrow: the guest must drop it.
  LiftLowerContext in_call = f.Context();
  in_call.borrow_scope = f.handles.EnterCall();
  std::vector<CoreVal> flat;
  ASSERT_TRUE(LowerFlat(in_call, Val::Borrow(5), borrow, flat).ok());
  ExpectStatus(f.handles.ExitCall(*in_call.borrow_scope),
               absl::StatusCode::kAborted, "not dropped");
  ASSERT_TRUE(
      f.handles.ResourceDrop(r, static_cast<uint32_t>(flat[0].bits())).ok());
  EXPECT_TRUE(f.handles.ExitCall(*in_call.borrow_scope).ok());

  LiftLowerContext no_scope = f.Context();
  ExpectStatus(LowerFlat(no_scope, Val::Borrow(5), borrow, flat),
               absl::StatusCode::kFailedPrecondition, "borrow scope");
  no_scope.handles = nullptr;
  ExpectStatus(LowerFlat(no_scope, Val::Own(5), own, flat),
               absl::StatusCode::kFailedPrecondition, "handle table");
}

}  // namespace
}  // namespace wasmhost::component
