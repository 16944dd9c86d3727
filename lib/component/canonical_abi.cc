#include "lib/component/canonical_abi.h"

#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_reader.h"

// Guest memory is little-endian; loads and stores are plain memcpy.
static_assert(ABSL_IS_LITTLE_ENDIAN,
              "the canonical ABI code assumes a little-endian host");

namespace wasmhost::component {
namespace {

using CoreVal = wasmhost::Val;

constexpr uint32_t kCanonicalNan32 = 0x7fc00000;
constexpr uint64_t kCanonicalNan64 = 0x7ff8000000000000;

absl::Status Trap(absl::string_view reason) {
  return absl::AbortedError(reason);
}

absl::string_view ValKindName(ValKind kind) {
  static constexpr absl::string_view kNames[] = {
      "bool",    "s8",   "u8",    "s16",    "u16",    "s32",  "u32",    "s64",
      "u64",     "f32",  "f64",   "char",   "string", "list", "record", "tuple",
      "variant", "enum", "flags", "option", "result", "own",  "borrow"};
  return kNames[static_cast<size_t>(kind)];
}

// The ValKind of a primitive TypeKind (they share the order bool..char).
static_assert(static_cast<int>(ValKind::kBool) ==
                  static_cast<int>(TypeKind::kBool) &&
              static_cast<int>(ValKind::kChar) ==
                  static_cast<int>(TypeKind::kChar));
ValKind ScalarKind(TypeKind kind) {
  return static_cast<ValKind>(static_cast<uint8_t>(kind));
}

// s8..f64: stored as their bits, nothing to validate.
bool IsNumber(TypeKind kind) {
  return kind >= TypeKind::kS8 && kind <= TypeKind::kF64;
}

// The cases of a variant, enum, option or result (the spec's despecialize).
struct Cases {
  const Type& type;

  size_t size() const {
    switch (type.kind) {
      case TypeKind::kVariant:
        return type.cases.size();
      case TypeKind::kEnum:
        return type.labels.size();
      default:
        return 2;  // option: none, some; result: ok, error
    }
  }
  std::optional<TypeId> payload(size_t i) const {
    switch (type.kind) {
      case TypeKind::kVariant:
        return type.cases[i].type;
      case TypeKind::kEnum:
        return std::nullopt;
      case TypeKind::kOption:
        return i == 0 ? std::nullopt : type.element;
      default:
        return i == 0 ? type.ok : type.error;
    }
  }
};

// The layout of a spilled parameter or result list (a tuple of `ts`; the
// arena has layouts of defined tuples only).
uint32_t RecordAlignment(const TypeArena& types, absl::Span<const TypeId> ts) {
  uint32_t a = 1;
  for (TypeId t : ts) a = std::max(a, Alignment(types, t));
  return a;
}

uint32_t RecordSize(const TypeArena& types, absl::Span<const TypeId> ts) {
  uint64_t s = 0;
  for (TypeId t : ts) s = AlignTo(s, Alignment(types, t)) + ElemSize(types, t);
  return static_cast<uint32_t>(AlignTo(s, RecordAlignment(types, ts)));
}

// len(flatten_types(ts)), saturated at kSaturatedFlatCount.
uint32_t FlatCount(const TypeArena& types, absl::Span<const TypeId> ts) {
  uint32_t n = 0;
  for (TypeId t : ts) {
    n = std::min(n + types.layout(t).flat_count, kSaturatedFlatCount);
  }
  return n;
}

// flatten_type of `type`: the arena's cached one, or for a type too long to
// cache, computed into `storage`.
absl::Span<const ValType> FlatTypes(const TypeArena& types, TypeId type,
                                    std::vector<ValType>& storage) {
  const absl::Span<const ValType> cached = types.flat(type);
  if (cached.size() == types.layout(type).flat_count) return cached;
  FlattenType(types, type, storage);
  return storage;
}

// Memory access. Loads see one span for a whole lift (lifting never calls
// realloc); stores fetch the span again after every realloc.

absl::StatusOr<GuestMemory*> MemoryOf(const LiftLowerContext& cx) {
  if (cx.opts.memory == nullptr) {
    return absl::FailedPreconditionError(
        "the value needs guest memory but the canonical options have no "
        "memory");
  }
  return cx.opts.memory;
}

uint64_t LoadInt(absl::Span<const uint8_t> mem, uint64_t ptr, uint32_t nbytes) {
  uint64_t v = 0;
  std::memcpy(&v, mem.data() + ptr, nbytes);
  return v;
}

void StoreInt(absl::Span<uint8_t> mem, uint64_t ptr, uint64_t v,
              uint32_t nbytes) {
  std::memcpy(mem.data() + ptr, &v, nbytes);
}

absl::StatusOr<uint32_t> Reallocate(LiftLowerContext& cx, uint32_t old_ptr,
                                    uint32_t old_size, uint32_t alignment,
                                    uint32_t new_size) {
  WASMHOST_ASSIGN_OR_RETURN(GuestMemory * memory, MemoryOf(cx));
  if (!cx.opts.realloc) {
    return absl::FailedPreconditionError(
        "lowering a string or list needs the realloc canonical option");
  }
  return memory->Realloc(old_ptr, old_size, alignment, new_size);
}

// Reallocates and checks the new range (the spec's trap_ifs after every
// cx.reallocate/cx.allocate).
absl::StatusOr<uint32_t> ReallocChecked(LiftLowerContext& cx, uint32_t old_ptr,
                                        uint32_t old_size, uint32_t alignment,
                                        uint32_t new_size) {
  WASMHOST_ASSIGN_OR_RETURN(
      uint32_t ptr, Reallocate(cx, old_ptr, old_size, alignment, new_size));
  WASMHOST_RETURN_IF_ERROR(
      CheckRange(cx.opts.memory->Bytes(), ptr, new_size, alignment));
  return ptr;
}

// Floats as the spec lifts them: any NaN becomes the canonical NaN.
CoreVal CanonicalF32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return CoreVal::FromBits(ValType::kF32,
                           std::isnan(f) ? kCanonicalNan32 : bits);
}
CoreVal CanonicalF64(uint64_t bits) {
  double f;
  std::memcpy(&f, &bits, sizeof(f));
  return CoreVal::FromBits(ValType::kF64,
                           std::isnan(f) ? kCanonicalNan64 : bits);
}
Val F32Of(const CoreVal& v) {
  const auto bits = static_cast<uint32_t>(v.bits());
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return Val::F32(f);
}
Val F64Of(const CoreVal& v) {
  double f;
  const uint64_t bits = v.bits();
  std::memcpy(&f, &bits, sizeof(f));
  return Val::F64(f);
}

bool IsScalarValue(uint32_t c) {
  return c < 0xd800 || (c > 0xdfff && c < 0x110000);
}

void AppendUtf8(uint32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

// The code point at `s[i]` of well-formed UTF-8; advances `i` past it.
uint32_t NextCodePoint(absl::string_view s, size_t& i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  size_t len = b0 < 0x80 ? 1 : b0 < 0xe0 ? 2 : b0 < 0xf0 ? 3 : 4;
  uint32_t c = len == 1 ? b0 : b0 & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    c = (c << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3f);
  }
  i += len;
  return c;
}

// Writes `s[from..]` (well-formed UTF-8) as UTF-16LE at `dst`; returns the
// bytes written.
size_t EncodeUtf16(absl::string_view s, size_t from, uint8_t* dst) {
  size_t n = 0;
  auto put = [&](uint32_t unit) {
    dst[n++] = static_cast<uint8_t>(unit);
    dst[n++] = static_cast<uint8_t>(unit >> 8);
  };
  for (size_t i = from; i < s.size();) {
    const uint32_t c = NextCodePoint(s, i);
    if (c < 0x10000) {
      put(c);
    } else {
      put(0xd800 + ((c - 0x10000) >> 10));
      put(0xdc00 + ((c - 0x10000) & 0x3ff));
    }
  }
  return n;
}

absl::StatusOr<std::string> DecodeUtf16(const uint8_t* p, size_t units) {
  std::string out;
  out.reserve(units);
  for (size_t i = 0; i < units; ++i) {
    uint32_t c = p[2 * i] | (p[2 * i + 1] << 8);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < units) {
      const uint32_t lo = p[2 * i + 2] | (p[2 * i + 3] << 8);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        ++i;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      return Trap(
          absl::StrFormat("invalid UTF-16: unpaired surrogate 0x%x", c));
    }
    AppendUtf8(c, out);
  }
  return out;
}

absl::StatusOr<Val> LoadStringFromRange(const LiftLowerContext& cx,
                                        absl::Span<const uint8_t> mem,
                                        uint32_t ptr, uint32_t tagged) {
  uint32_t alignment = 2;
  uint64_t byte_length = tagged;
  enum { kUtf8, kUtf16, kLatin1 } encoding = kUtf8;
  switch (cx.opts.string_encoding) {
    case StringEncoding::kUtf8:
      alignment = 1;
      byte_length = tagged;
      encoding = kUtf8;
      break;
    case StringEncoding::kUtf16:
      byte_length = 2 * uint64_t{tagged};
      encoding = kUtf16;
      break;
    case StringEncoding::kLatin1Utf16:
      if (tagged & kUtf16Tag) {
        byte_length = 2 * uint64_t{tagged ^ kUtf16Tag};
        encoding = kUtf16;
      } else {
        byte_length = tagged;
        encoding = kLatin1;
      }
      break;
  }
  if (byte_length > kMaxStringByteLength) {
    return Trap(absl::StrCat("string of ", byte_length,
                             " bytes is longer than the maximum ",
                             kMaxStringByteLength));
  }
  WASMHOST_RETURN_IF_ERROR(CheckRange(mem, ptr, byte_length, alignment));
  const uint8_t* p = mem.data() + ptr;
  switch (encoding) {
    case kUtf8: {
      std::string s(reinterpret_cast<const char*>(p), byte_length);
      if (!wasm::IsValidUtf8(s)) return Trap("invalid UTF-8");
      return Val::String(std::move(s));
    }
    case kUtf16: {
      WASMHOST_ASSIGN_OR_RETURN(std::string s, DecodeUtf16(p, byte_length / 2));
      return Val::String(std::move(s));
    }
    case kLatin1: {
      std::string s;
      s.reserve(byte_length);
      for (uint64_t i = 0; i < byte_length; ++i) AppendUtf8(p[i], s);
      return Val::String(std::move(s));
    }
  }
  return absl::InternalError("unreachable");
}

// The (pointer, tagged code units) of `s` stored in guest memory in the
// options' encoding (store_string_into_range with a UTF-8 source).
absl::StatusOr<std::pair<uint32_t, uint32_t>> StoreStringIntoRange(
    LiftLowerContext& cx, absl::string_view s) {
  if (!wasm::IsValidUtf8(s)) {
    return absl::InvalidArgumentError("string value is not valid UTF-8");
  }
  if (s.size() > kMaxStringByteLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("string of ", s.size(), " bytes is too long"));
  }
  const auto n = static_cast<uint32_t>(s.size());
  switch (cx.opts.string_encoding) {
    case StringEncoding::kUtf8: {  // store_string_copy
      WASMHOST_ASSIGN_OR_RETURN(uint32_t ptr, ReallocChecked(cx, 0, 0, 1, n));
      if (n != 0)
        std::memcpy(cx.opts.memory->Bytes().data() + ptr, s.data(), n);
      return std::make_pair(ptr, n);
    }
    case StringEncoding::kUtf16: {  // store_utf8_to_utf16
      const uint32_t worst = 2 * n;
      WASMHOST_ASSIGN_OR_RETURN(uint32_t ptr,
                                ReallocChecked(cx, 0, 0, 2, worst));
      const auto len = static_cast<uint32_t>(
          EncodeUtf16(s, 0, cx.opts.memory->Bytes().data() + ptr));
      if (len < worst) {
        WASMHOST_ASSIGN_OR_RETURN(ptr, ReallocChecked(cx, ptr, worst, 2, len));
      }
      return std::make_pair(ptr, len / 2);
    }
    case StringEncoding::kLatin1Utf16: {  // store_string_to_latin1_or_utf16
      WASMHOST_ASSIGN_OR_RETURN(uint32_t ptr, ReallocChecked(cx, 0, 0, 2, n));
      uint8_t* mem = cx.opts.memory->Bytes().data();
      uint32_t dst = 0;
      for (size_t i = 0; i < s.size();) {
        const size_t at = i;
        const uint32_t c = NextCodePoint(s, i);
        if (c < 0x100) {
          mem[ptr + dst++] = static_cast<uint8_t>(c);
          continue;
        }
        const uint32_t worst = 2 * n;
        WASMHOST_ASSIGN_OR_RETURN(ptr, ReallocChecked(cx, ptr, n, 2, worst));
        mem = cx.opts.memory->Bytes().data();
        for (uint32_t j = dst; j-- > 0;) {
          mem[ptr + 2 * j] = mem[ptr + j];
          mem[ptr + 2 * j + 1] = 0;
        }
        const auto len = static_cast<uint32_t>(
            2 * dst + EncodeUtf16(s, at, mem + ptr + 2 * dst));
        if (worst > len) {
          WASMHOST_ASSIGN_OR_RETURN(ptr,
                                    ReallocChecked(cx, ptr, worst, 2, len));
        }
        return std::make_pair(ptr, (len / 2) | kUtf16Tag);
      }
      if (dst < n) {
        WASMHOST_ASSIGN_OR_RETURN(ptr, ReallocChecked(cx, ptr, n, 2, dst));
      }
      return std::make_pair(ptr, dst);
    }
  }
  return absl::InternalError("unreachable");
}

absl::StatusOr<Val> LoadAt(LiftLowerContext& cx, absl::Span<const uint8_t> mem,
                           uint64_t ptr, TypeId type);

absl::StatusOr<Val> LoadListFromRange(LiftLowerContext& cx,
                                      absl::Span<const uint8_t> mem,
                                      uint32_t ptr, uint32_t length,
                                      TypeId elem) {
  const uint64_t size = ElemSize(cx.types, elem);
  if (length * size > kMaxListByteLength) {
    return Trap(absl::StrCat("list of ", length * size,
                             " bytes is longer than the maximum ",
                             kMaxListByteLength));
  }
  WASMHOST_RETURN_IF_ERROR(
      CheckRange(mem, ptr, length * size, Alignment(cx.types, elem)));
  if (cx.lift_bytes && cx.types[elem].kind == TypeKind::kU8) {
    return Val::Bytes(
        std::string(reinterpret_cast<const char*>(mem.data()) + ptr, length));
  }
  std::vector<Val> out;
  out.reserve(length);
  for (uint32_t i = 0; i < length; ++i) {
    WASMHOST_ASSIGN_OR_RETURN(Val v, LoadAt(cx, mem, ptr + i * size, elem));
    out.push_back(std::move(v));
  }
  return Val::List(std::move(out));
}

// The resource an own or borrow type `t` refers to, as the handle table
// knows it (an exported name of a resource is that resource).
absl::StatusOr<uint32_t> Resource(const LiftLowerContext& cx, const Type& t) {
  const TypeId id = ResourceIdentity(cx.types, *t.element);
  if (cx.resources == nullptr) return id;
  auto it = cx.resources->find(id);
  if (it == cx.resources->end()) {
    return absl::InternalError(
        absl::StrCat("resource type ", id, " has no type at run time"));
  }
  return it->second;
}

absl::StatusOr<std::vector<uint32_t>*> LendsOf(LiftLowerContext& cx) {
  if (cx.handles == nullptr) {
    return absl::FailedPreconditionError("resource values need a handle table");
  }
  return &cx.lends;
}

// Whether a handle of run-time type `type` crosses to the host as a
// GuestHandle (a guest resource, seen from the host's side).
bool ToHost(const LiftLowerContext& cx, uint32_t type) {
  return cx.host != nullptr && !cx.handles->IsHost(type);
}

absl::StatusOr<Val> LiftOwn(LiftLowerContext& cx, const Type& t, uint32_t i) {
  WASMHOST_RETURN_IF_ERROR(LendsOf(cx).status());
  WASMHOST_ASSIGN_OR_RETURN(uint32_t type, Resource(cx, t));
  WASMHOST_ASSIGN_OR_RETURN(uint32_t rep, cx.handles->LiftOwn(type, i));
  if (ToHost(cx, type)) return Val::Own(cx.host->Add(type, rep, true));
  return Val::Own(rep);
}

absl::StatusOr<Val> LiftBorrow(LiftLowerContext& cx, const Type& t,
                               uint32_t i) {
  WASMHOST_ASSIGN_OR_RETURN(std::vector<uint32_t> * lends, LendsOf(cx));
  WASMHOST_ASSIGN_OR_RETURN(uint32_t type, Resource(cx, t));
  WASMHOST_ASSIGN_OR_RETURN(uint32_t rep,
                            cx.handles->LiftBorrow(type, i, *lends));
  if (ToHost(cx, type)) {
    cx.host_borrows.push_back(cx.host->Add(type, rep, false));
    return Val::Borrow(cx.host_borrows.back());
  }
  return Val::Borrow(rep);
}

absl::StatusOr<uint32_t> LowerHandle(LiftLowerContext& cx, const Type& t,
                                     const Val& v) {
  const bool own = t.kind == TypeKind::kOwn;
  WASMHOST_RETURN_IF_ERROR(
      ExpectKind(v, own ? ValKind::kOwn : ValKind::kBorrow));
  WASMHOST_RETURN_IF_ERROR(LendsOf(cx).status());
  WASMHOST_ASSIGN_OR_RETURN(uint32_t type, Resource(cx, t));
  uint32_t rep = v.rep();
  if (ToHost(cx, type)) {
    WASMHOST_ASSIGN_OR_RETURN(rep, cx.host->Check(v.guest_handle(), type, own));
    if (own) cx.moved.push_back(v.guest_handle());
  } else if (cx.host != nullptr && v.guest_handle().valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat(own ? "own<" : "borrow<", cx.host->Name(type),
                     "> of the host given a handle of the component's"));
  }
  if (!own && !cx.borrow_scope.has_value()) {
    return absl::FailedPreconditionError(
        "lowering a borrow needs the call's borrow scope");
  }
  WASMHOST_ASSIGN_OR_RETURN(
      uint32_t index,
      own ? cx.handles->LowerOwn(type, rep)
          : cx.handles->LowerBorrow(type, rep, *cx.borrow_scope));
  if (own || !cx.handles->IsLocal(type)) cx.made.push_back(index);
  return index;
}

absl::Status Refuse(const Type& t) {
  return absl::UnimplementedError(absl::StrCat(
      "the canonical ABI here does not support ", TypeKindName(t.kind),
      " values (async and map types are not implemented)"));
}

Val MakeCase(const Type& t, uint32_t index, std::optional<Val> payload) {
  switch (t.kind) {
    case TypeKind::kVariant:
      return Val::Variant(index, std::move(payload));
    case TypeKind::kEnum:
      return Val::Enum(index);
    case TypeKind::kOption:
      return index == 0 ? Val::None() : Val::Some(*std::move(payload));
    default:
      return index == 0 ? Val::Ok(std::move(payload))
                        : Val::Err(std::move(payload));
  }
}

ValKind CaseKind(TypeKind kind) {
  switch (kind) {
    case TypeKind::kVariant:
      return ValKind::kVariant;
    case TypeKind::kEnum:
      return ValKind::kEnum;
    case TypeKind::kOption:
      return ValKind::kOption;
    default:
      return ValKind::kResult;
  }
}

// Checks `v` against the variant-like type `t` and returns its case index.
absl::StatusOr<uint32_t> MatchCase(const Type& t, const Cases& cases,
                                   const Val& v) {
  WASMHOST_RETURN_IF_ERROR(ExpectKind(v, CaseKind(t.kind)));
  const uint32_t index = v.case_index();
  if (index >= cases.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("case ", index, " out of range for ", TypeKindName(t.kind),
                     " with ", cases.size(), " cases"));
  }
  if (cases.payload(index).has_value() != (v.payload() != nullptr)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "case ", index,
        cases.payload(index) ? " needs a payload" : " has no payload"));
  }
  return index;
}

absl::Status CheckRecord(const Type& t, const Val& v) {
  const bool tuple = t.kind == TypeKind::kTuple;
  WASMHOST_RETURN_IF_ERROR(
      ExpectKind(v, tuple ? ValKind::kTuple : ValKind::kRecord));
  if (v.elements().size() != t.fields.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(TypeKindName(t.kind), " value has ", v.elements().size(),
                     " fields, the type ", t.fields.size()));
  }
  for (size_t i = 0; !tuple && i < t.fields.size(); ++i) {
    if (v.field_names()[i] != t.fields[i].name) {
      return absl::InvalidArgumentError(
          absl::StrCat("record field ", i, " is named '", v.field_names()[i],
                       "', the type's '", t.fields[i].name, "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckFlags(const Type& t, const Val& v) {
  WASMHOST_RETURN_IF_ERROR(ExpectKind(v, ValKind::kFlags));
  const size_t n = t.labels.size();
  if (n < 32 && (v.flags() >> n) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "flags 0x%x set bits beyond the type's %d labels", v.flags(), n));
  }
  return absl::OkStatus();
}

absl::Status CheckChar(const Val& v) {
  WASMHOST_RETURN_IF_ERROR(ExpectKind(v, ValKind::kChar));
  if (!IsScalarValue(v.char_value())) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "char 0x%x is not a Unicode scalar value", v.char_value()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Val> LoadAt(LiftLowerContext& cx, absl::Span<const uint8_t> mem,
                           uint64_t ptr, TypeId type) {
  const Type& t = cx.types[type];
  switch (t.kind) {
    case TypeKind::kBool:
      return Val::Bool(LoadInt(mem, ptr, 1) != 0);
    case TypeKind::kS8:
      return Val::S8(static_cast<int8_t>(LoadInt(mem, ptr, 1)));
    case TypeKind::kU8:
      return Val::U8(static_cast<uint8_t>(LoadInt(mem, ptr, 1)));
    case TypeKind::kS16:
      return Val::S16(static_cast<int16_t>(LoadInt(mem, ptr, 2)));
    case TypeKind::kU16:
      return Val::U16(static_cast<uint16_t>(LoadInt(mem, ptr, 2)));
    case TypeKind::kS32:
      return Val::S32(static_cast<int32_t>(LoadInt(mem, ptr, 4)));
    case TypeKind::kU32:
      return Val::U32(static_cast<uint32_t>(LoadInt(mem, ptr, 4)));
    case TypeKind::kS64:
      return Val::S64(static_cast<int64_t>(LoadInt(mem, ptr, 8)));
    case TypeKind::kU64:
      return Val::U64(LoadInt(mem, ptr, 8));
    case TypeKind::kF32:
      return F32Of(CanonicalF32(static_cast<uint32_t>(LoadInt(mem, ptr, 4))));
    case TypeKind::kF64:
      return F64Of(CanonicalF64(LoadInt(mem, ptr, 8)));
    case TypeKind::kChar:
      return ConvertI32ToChar(static_cast<uint32_t>(LoadInt(mem, ptr, 4)));
    case TypeKind::kString:
      return LoadStringFromRange(
          cx, mem, static_cast<uint32_t>(LoadInt(mem, ptr, 4)),
          static_cast<uint32_t>(LoadInt(mem, ptr + 4, 4)));
    case TypeKind::kList: {
      if (t.fixed_length == 0) {
        return LoadListFromRange(
            cx, mem, static_cast<uint32_t>(LoadInt(mem, ptr, 4)),
            static_cast<uint32_t>(LoadInt(mem, ptr + 4, 4)), *t.element);
      }
      const uint32_t size = ElemSize(cx.types, *t.element);
      std::vector<Val> out;
      for (uint32_t i = 0; i < t.fixed_length; ++i) {
        WASMHOST_ASSIGN_OR_RETURN(Val v,
                                  LoadAt(cx, mem, ptr + i * size, *t.element));
        out.push_back(std::move(v));
      }
      return Val::List(std::move(out));
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      std::vector<Val> values;
      for (const Field& f : t.fields) {
        ptr = AlignTo(ptr, Alignment(cx.types, f.type));
        WASMHOST_ASSIGN_OR_RETURN(Val v, LoadAt(cx, mem, ptr, f.type));
        values.push_back(std::move(v));
        ptr += ElemSize(cx.types, f.type);
      }
      if (t.kind == TypeKind::kTuple) return Val::Tuple(std::move(values));
      std::vector<std::pair<std::string, Val>> fields;
      for (size_t i = 0; i < values.size(); ++i) {
        fields.emplace_back(t.fields[i].name, std::move(values[i]));
      }
      return Val::Record(std::move(fields));
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      const Cases cases{t};
      const TypeLayout& layout = cx.types.layout(type);
      const auto index =
          static_cast<uint32_t>(LoadInt(mem, ptr, layout.discriminant_size));
      if (index >= cases.size()) {
        return Trap(absl::StrCat("discriminant ", index, " out of range for ",
                                 TypeKindName(t.kind), " with ", cases.size(),
                                 " cases"));
      }
      ptr += layout.payload_offset;
      std::optional<Val> payload;
      if (auto pt = cases.payload(index)) {
        WASMHOST_ASSIGN_OR_RETURN(payload, LoadAt(cx, mem, ptr, *pt));
      }
      return MakeCase(t, index, std::move(payload));
    }
    case TypeKind::kFlags: {
      const size_t n = t.labels.size();
      const auto bits =
          static_cast<uint32_t>(LoadInt(mem, ptr, cx.types.layout(type).size));
      return Val::Flags(n >= 32 ? bits : bits & ((1u << n) - 1));
    }
    case TypeKind::kOwn:
      return LiftOwn(cx, t, static_cast<uint32_t>(LoadInt(mem, ptr, 4)));
    case TypeKind::kBorrow:
      return LiftBorrow(cx, t, static_cast<uint32_t>(LoadInt(mem, ptr, 4)));
    default:
      return Refuse(t);
  }
}

absl::Status StoreAt(LiftLowerContext& cx, const Val& v, TypeId type,
                     uint64_t ptr);

// A list value that does not fit a fixed-length list type of `length`
// elements (Val::Bytes is only for list<u8>).
absl::Status FixedLengthMismatch(const Val& v, uint32_t length) {
  if (v.is_bytes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a Val::Bytes list for a fixed-length list type of ",
                     length, " elements"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "list value has ", v.elements().size(), " elements, the type ", length));
}

// store_list_into_range: the elements in newly allocated memory.
absl::StatusOr<std::pair<uint32_t, uint32_t>> StoreListIntoRange(
    LiftLowerContext& cx, const Val& v, TypeId elem) {
  const TypeKind kind = cx.types[elem].kind;
  if (v.is_bytes()) {
    if (kind != TypeKind::kU8) {
      return absl::InvalidArgumentError(
          "a Val::Bytes list lowered to a list type whose elements are not u8");
    }
    // Bytes() exists for this: one realloc and one copy.
    const absl::string_view bytes = v.bytes();
    if (bytes.size() > UINT32_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat("list of ", bytes.size(), " bytes is too long"));
    }
    const auto length = static_cast<uint32_t>(bytes.size());
    WASMHOST_ASSIGN_OR_RETURN(uint32_t ptr,
                              ReallocChecked(cx, 0, 0, 1, length));
    if (length != 0) {
      std::memcpy(cx.opts.memory->Bytes().data() + ptr, bytes.data(), length);
    }
    return std::make_pair(ptr, length);
  }
  const uint64_t size = ElemSize(cx.types, elem);
  const uint64_t byte_length = v.elements().size() * size;
  if (byte_length > UINT32_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("list of ", byte_length, " bytes is too long"));
  }
  const uint32_t alignment = Alignment(cx.types, elem);
  WASMHOST_ASSIGN_OR_RETURN(
      uint32_t ptr,
      ReallocChecked(cx, 0, 0, alignment, static_cast<uint32_t>(byte_length)));
  if (IsNumber(kind)) {
    // Numbers need no allocation: one span and a copy per element, without
    // StoreAt's dispatch.
    uint8_t* out = cx.opts.memory->Bytes().data() + ptr;
    for (const Val& e : v.elements()) {
      WASMHOST_RETURN_IF_ERROR(ExpectKind(e, ScalarKind(kind)));
      const uint64_t bits = e.bits();
      std::memcpy(out, &bits, size);
      out += size;
    }
  } else {
    for (size_t i = 0; i < v.elements().size(); ++i) {
      WASMHOST_RETURN_IF_ERROR(
          StoreAt(cx, v.elements()[i], elem, ptr + i * size));
    }
  }
  return std::make_pair(ptr, static_cast<uint32_t>(v.elements().size()));
}

absl::Status StoreAt(LiftLowerContext& cx, const Val& v, TypeId type,
                     uint64_t ptr) {
  const Type& t = cx.types[type];
  // Reads the span after the checks: lowering strings and lists reallocs.
  auto store_int = [&](uint64_t bits, uint32_t nbytes) {
    StoreInt(cx.opts.memory->Bytes(), ptr, bits, nbytes);
    return absl::OkStatus();
  };
  switch (t.kind) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8:
    case TypeKind::kS16:
    case TypeKind::kU16:
    case TypeKind::kS32:
    case TypeKind::kU32:
    case TypeKind::kS64:
    case TypeKind::kU64:
    case TypeKind::kF32:
    case TypeKind::kF64:
      WASMHOST_RETURN_IF_ERROR(ExpectKind(v, ScalarKind(t.kind)));
      return store_int(t.kind == TypeKind::kBool ? v.bits() != 0 : v.bits(),
                       ElemSize(cx.types, type));
    case TypeKind::kChar:
      WASMHOST_RETURN_IF_ERROR(CheckChar(v));
      return store_int(v.char_value(), 4);
    case TypeKind::kString: {
      WASMHOST_RETURN_IF_ERROR(ExpectKind(v, ValKind::kString));
      WASMHOST_ASSIGN_OR_RETURN(auto range,
                                StoreStringIntoRange(cx, v.string()));
      const absl::Span<uint8_t> mem = cx.opts.memory->Bytes();
      StoreInt(mem, ptr, range.first, 4);
      StoreInt(mem, ptr + 4, range.second, 4);
      return absl::OkStatus();
    }
    case TypeKind::kList: {
      WASMHOST_RETURN_IF_ERROR(ExpectKind(v, ValKind::kList));
      if (t.fixed_length == 0) {
        WASMHOST_ASSIGN_OR_RETURN(auto range,
                                  StoreListIntoRange(cx, v, *t.element));
        StoreInt(cx.opts.memory->Bytes(), ptr, range.first, 4);
        StoreInt(cx.opts.memory->Bytes(), ptr + 4, range.second, 4);
        return absl::OkStatus();
      }
      if (v.is_bytes() || v.elements().size() != t.fixed_length) {
        return FixedLengthMismatch(v, t.fixed_length);
      }
      const uint32_t size = ElemSize(cx.types, *t.element);
      for (size_t i = 0; i < v.elements().size(); ++i) {
        WASMHOST_RETURN_IF_ERROR(
            StoreAt(cx, v.elements()[i], *t.element, ptr + i * size));
      }
      return absl::OkStatus();
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      WASMHOST_RETURN_IF_ERROR(CheckRecord(t, v));
      for (size_t i = 0; i < t.fields.size(); ++i) {
        const TypeId ft = t.fields[i].type;
        ptr = AlignTo(ptr, Alignment(cx.types, ft));
        WASMHOST_RETURN_IF_ERROR(StoreAt(cx, v.elements()[i], ft, ptr));
        ptr += ElemSize(cx.types, ft);
      }
      return absl::OkStatus();
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      const Cases cases{t};
      WASMHOST_ASSIGN_OR_RETURN(uint32_t index, MatchCase(t, cases, v));
      const TypeLayout& layout = cx.types.layout(type);
      WASMHOST_RETURN_IF_ERROR(store_int(index, layout.discriminant_size));
      if (auto pt = cases.payload(index)) {
        return StoreAt(cx, *v.payload(), *pt, ptr + layout.payload_offset);
      }
      return absl::OkStatus();
    }
    case TypeKind::kFlags:
      WASMHOST_RETURN_IF_ERROR(CheckFlags(t, v));
      return store_int(v.flags(), cx.types.layout(type).size);
    case TypeKind::kOwn:
    case TypeKind::kBorrow: {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t handle, LowerHandle(cx, t, v));
      return store_int(handle, 4);
    }
    default:
      return Refuse(t);
  }
}

// A source of core values for LiftFlat: the caller's values, or a variant's
// payload values coerced from their joined types.
class FlatSource {
 public:
  virtual ~FlatSource() = default;
  virtual absl::StatusOr<CoreVal> Next(ValType want) = 0;
};

class IterSource : public FlatSource {
 public:
  explicit IterSource(CoreValueIter& vi) : vi_(vi) {}
  absl::StatusOr<CoreVal> Next(ValType want) override { return vi_.Next(want); }

 private:
  CoreValueIter& vi_;
};

// lift_flat_variant's CoerceValueIter: reads the joined type `have` and
// gives the case's own type `want`.
class CoerceSource : public FlatSource {
 public:
  CoerceSource(FlatSource& vi, absl::Span<const ValType> have)
      : vi_(vi), have_(have) {}
  absl::StatusOr<CoreVal> Next(ValType want) override {
    const ValType have = have_[next_++];
    WASMHOST_ASSIGN_OR_RETURN(CoreVal x, vi_.Next(have));
    if (have == ValType::kI32 && want == ValType::kF32) {
      return CanonicalF32(static_cast<uint32_t>(x.bits()));
    }
    if (have == ValType::kI64 && want == ValType::kI32) {
      return CoreVal::I32(static_cast<int32_t>(x.bits()));
    }
    if (have == ValType::kI64 && want == ValType::kF32) {
      return CanonicalF32(static_cast<uint32_t>(x.bits()));
    }
    if (have == ValType::kI64 && want == ValType::kF64) {
      return CanonicalF64(x.bits());
    }
    return x;
  }
  // The joined values the case did not use.
  absl::Status SkipRest() {
    for (; next_ < have_.size(); ++next_) {
      WASMHOST_RETURN_IF_ERROR(vi_.Next(have_[next_]).status());
    }
    return absl::OkStatus();
  }

 private:
  FlatSource& vi_;
  absl::Span<const ValType> have_;
  size_t next_ = 0;
};

absl::StatusOr<Val> LiftFlatFrom(LiftLowerContext& cx, FlatSource& vi,
                                 TypeId type) {
  const Type& t = cx.types[type];
  auto next_i32 = [&]() -> absl::StatusOr<uint32_t> {
    WASMHOST_ASSIGN_OR_RETURN(CoreVal v, vi.Next(ValType::kI32));
    return static_cast<uint32_t>(v.bits());
  };
  auto next_i64 = [&]() -> absl::StatusOr<uint64_t> {
    WASMHOST_ASSIGN_OR_RETURN(CoreVal v, vi.Next(ValType::kI64));
    return v.bits();
  };
  switch (t.kind) {
    case TypeKind::kBool: {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t i, next_i32());
      return Val::Bool(i != 0);
    }
    case TypeKind::kS8:
    case TypeKind::kU8:
    case TypeKind::kS16:
    case TypeKind::kU16:
    case TypeKind::kS32:
    case TypeKind::kU32: {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t i, next_i32());
      switch (t.kind) {
        case TypeKind::kS8:
          return Val::S8(static_cast<int8_t>(i));
        case TypeKind::kU8:
          return Val::U8(static_cast<uint8_t>(i));
        case TypeKind::kS16:
          return Val::S16(static_cast<int16_t>(i));
        case TypeKind::kU16:
          return Val::U16(static_cast<uint16_t>(i));
        case TypeKind::kS32:
          return Val::S32(static_cast<int32_t>(i));
        default:
          return Val::U32(i);
      }
    }
    case TypeKind::kS64: {
      WASMHOST_ASSIGN_OR_RETURN(uint64_t i, next_i64());
      return Val::S64(static_cast<int64_t>(i));
    }
    case TypeKind::kU64: {
      WASMHOST_ASSIGN_OR_RETURN(uint64_t i, next_i64());
      return Val::U64(i);
    }
    case TypeKind::kF32: {
      WASMHOST_ASSIGN_OR_RETURN(CoreVal v, vi.Next(ValType::kF32));
      return F32Of(CanonicalF32(static_cast<uint32_t>(v.bits())));
    }
    case TypeKind::kF64: {
      WASMHOST_ASSIGN_OR_RETURN(CoreVal v, vi.Next(ValType::kF64));
      return F64Of(CanonicalF64(v.bits()));
    }
    case TypeKind::kChar: {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t i, next_i32());
      return ConvertI32ToChar(i);
    }
    case TypeKind::kString: {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t ptr, next_i32());
      WASMHOST_ASSIGN_OR_RETURN(uint32_t units, next_i32());
      WASMHOST_ASSIGN_OR_RETURN(GuestMemory * memory, MemoryOf(cx));
      return LoadStringFromRange(cx, memory->Bytes(), ptr, units);
    }
    case TypeKind::kList: {
      if (t.fixed_length != 0) {
        std::vector<Val> out;
        for (uint32_t i = 0; i < t.fixed_length; ++i) {
          WASMHOST_ASSIGN_OR_RETURN(Val v, LiftFlatFrom(cx, vi, *t.element));
          out.push_back(std::move(v));
        }
        return Val::List(std::move(out));
      }
      WASMHOST_ASSIGN_OR_RETURN(uint32_t ptr, next_i32());
      WASMHOST_ASSIGN_OR_RETURN(uint32_t length, next_i32());
      WASMHOST_ASSIGN_OR_RETURN(GuestMemory * memory, MemoryOf(cx));
      return LoadListFromRange(cx, memory->Bytes(), ptr, length, *t.element);
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      std::vector<Val> values;
      for (const Field& f : t.fields) {
        WASMHOST_ASSIGN_OR_RETURN(Val v, LiftFlatFrom(cx, vi, f.type));
        values.push_back(std::move(v));
      }
      if (t.kind == TypeKind::kTuple) return Val::Tuple(std::move(values));
      std::vector<std::pair<std::string, Val>> fields;
      for (size_t i = 0; i < values.size(); ++i) {
        fields.emplace_back(t.fields[i].name, std::move(values[i]));
      }
      return Val::Record(std::move(fields));
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      const Cases cases{t};
      std::vector<ValType> storage;
      const absl::Span<const ValType> flat = FlatTypes(cx.types, type, storage);
      WASMHOST_ASSIGN_OR_RETURN(uint32_t index, next_i32());
      if (index >= cases.size()) {
        return Trap(absl::StrCat("discriminant ", index, " out of range for ",
                                 TypeKindName(t.kind), " with ", cases.size(),
                                 " cases"));
      }
      CoerceSource payload_source(vi, flat.subspan(1));
      std::optional<Val> payload;
      if (auto pt = cases.payload(index)) {
        WASMHOST_ASSIGN_OR_RETURN(payload,
                                  LiftFlatFrom(cx, payload_source, *pt));
      }
      WASMHOST_RETURN_IF_ERROR(payload_source.SkipRest());
      return MakeCase(t, index, std::move(payload));
    }
    case TypeKind::kFlags: {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t bits, next_i32());
      const size_t n = t.labels.size();
      return Val::Flags(n >= 32 ? bits : bits & ((1u << n) - 1));
    }
    case TypeKind::kOwn: {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t i, next_i32());
      return LiftOwn(cx, t, i);
    }
    case TypeKind::kBorrow: {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t i, next_i32());
      return LiftBorrow(cx, t, i);
    }
    default:
      return Refuse(t);
  }
}

CoreVal I32Of(uint64_t bits) {
  return CoreVal::FromBits(ValType::kI32, bits & 0xffffffff);
}

// Whether a value of `type` lives partly in memory (the spec's "contains a
// list or string").
bool ContainsStringOrList(const TypeArena& types, TypeId type) {
  const Type& t = types[type];
  switch (t.kind) {
    case TypeKind::kString:
    case TypeKind::kMap:
      return true;
    case TypeKind::kList:
      return t.fixed_length == 0 || ContainsStringOrList(types, *t.element);
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      for (const Field& f : t.fields) {
        if (ContainsStringOrList(types, f.type)) return true;
      }
      return false;
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      const Cases cases{t};
      for (size_t i = 0; i < cases.size(); ++i) {
        auto pt = cases.payload(i);
        if (pt && ContainsStringOrList(types, *pt)) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

}  // namespace

absl::Status ExpectKind(const Val& v, ValKind kind) {
  if (v.kind() == kind) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("expected a ", ValKindName(kind), " value, got a ",
                   ValKindName(v.kind())));
}

absl::Status CheckRange(absl::Span<const uint8_t> mem, uint64_t ptr,
                        uint64_t size, uint32_t alignment) {
  if (ptr != AlignTo(ptr, alignment)) {
    return Trap(absl::StrFormat("unaligned pointer 0x%x for alignment %d", ptr,
                                alignment));
  }
  if (ptr + size > mem.size()) {
    return Trap(absl::StrFormat(
        "pointer out of bounds: 0x%x + %d bytes past memory size %d", ptr, size,
        mem.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Val> ConvertI32ToChar(uint32_t i) {
  if (i >= 0x110000 || (i >= 0xd800 && i <= 0xdfff)) {
    return Trap(absl::StrFormat("invalid char 0x%x", i));
  }
  return Val::Char(i);
}

absl::Status CheckSupported(const TypeArena& types, TypeId type) {
  const Type& t = types[type];
  switch (t.kind) {
    case TypeKind::kErrorContext:
    case TypeKind::kStream:
    case TypeKind::kFuture:
    case TypeKind::kMap:
      return Refuse(t);
    case TypeKind::kFunc:
    case TypeKind::kComponent:
    case TypeKind::kInstance:
    case TypeKind::kResource:
      return absl::InvalidArgumentError(absl::StrCat(
          "a ", TypeKindName(t.kind), " type is not a value type"));
    case TypeKind::kList:
    case TypeKind::kOption:
      return CheckSupported(types, *t.element);
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      for (const Field& f : t.fields) {
        WASMHOST_RETURN_IF_ERROR(CheckSupported(types, f.type));
      }
      return absl::OkStatus();
    case TypeKind::kVariant:
      for (const Case& c : t.cases) {
        if (c.type) WASMHOST_RETURN_IF_ERROR(CheckSupported(types, *c.type));
      }
      return absl::OkStatus();
    case TypeKind::kResult:
      if (t.ok) WASMHOST_RETURN_IF_ERROR(CheckSupported(types, *t.ok));
      if (t.error) WASMHOST_RETURN_IF_ERROR(CheckSupported(types, *t.error));
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

uint32_t Alignment(const TypeArena& types, TypeId type) {
  return types.layout(type).alignment;
}

uint32_t ElemSize(const TypeArena& types, TypeId type) {
  return types.layout(type).size;
}

absl::StatusOr<CoreFuncType> FlattenFuncType(const TypeArena& types,
                                             TypeId func,
                                             FlattenContext context) {
  const Type& ft = types[func];
  if (ft.kind != TypeKind::kFunc) {
    return absl::InvalidArgumentError(absl::StrCat(
        "type ", func, " is a ", TypeKindName(ft.kind), ", not a func"));
  }
  if (ft.async) {
    return absl::UnimplementedError("async functions are not implemented");
  }
  CoreFuncType core;
  for (const Field& p : ft.fields) {
    WASMHOST_RETURN_IF_ERROR(CheckSupported(types, p.type));
    FlattenType(types, p.type, core.params);
  }
  if (ft.ok) {
    WASMHOST_RETURN_IF_ERROR(CheckSupported(types, *ft.ok));
    FlattenType(types, *ft.ok, core.results);
  }
  if (core.params.size() > kMaxFlatParams) core.params = {ValType::kI32};
  if (core.results.size() > kMaxFlatResults) {
    if (context == FlattenContext::kLift) {
      core.results = {ValType::kI32};
    } else {
      core.params.push_back(ValType::kI32);
      core.results.clear();
    }
  }
  return core;
}

absl::Status CheckCanonOptions(const TypeArena& types, TypeId func,
                               FlattenContext context,
                               const CanonOptions& options) {
  const char* canon =
      context == FlattenContext::kLift ? "canon lift" : "canon lower";
  if (options.async) {
    return absl::UnimplementedError(
        absl::StrCat(canon, ": the async option is not implemented"));
  }
  WASMHOST_RETURN_IF_ERROR(FlattenFuncType(types, func, context).status());
  if (options.realloc && !options.memory) {
    return absl::InvalidArgumentError(
        absl::StrCat(canon, ": the realloc option needs the memory option"));
  }
  if (options.post_return && context != FlattenContext::kLift) {
    return absl::InvalidArgumentError(
        absl::StrCat(canon, ": post-return is only allowed on canon lift"));
  }
  const Type& ft = types[func];
  bool params_in_memory = false;
  std::vector<ValType> flat_params, flat_results;
  for (const Field& p : ft.fields) {
    params_in_memory |= ContainsStringOrList(types, p.type);
    FlattenType(types, p.type, flat_params);
  }
  const bool result_in_memory = ft.ok && ContainsStringOrList(types, *ft.ok);
  if (ft.ok) FlattenType(types, *ft.ok, flat_results);
  const bool params_spill = flat_params.size() > kMaxFlatParams;
  const bool results_spill = flat_results.size() > kMaxFlatResults;
  // What moves into the guest is allocated there: lift's parameters,
  // lower's results.
  const bool into_guest_in_memory =
      context == FlattenContext::kLift ? params_in_memory : result_in_memory;
  const bool needs_realloc = into_guest_in_memory ||
                             (context == FlattenContext::kLift && params_spill);
  const bool needs_memory = needs_realloc || params_in_memory ||
                            result_in_memory || params_spill || results_spill;
  if (needs_memory && !options.memory) {
    return absl::InvalidArgumentError(absl::StrCat(
        canon,
        ": the function's values live in memory; the memory option is "
        "required"));
  }
  if (needs_realloc && !options.realloc) {
    return absl::InvalidArgumentError(absl::StrCat(
        canon,
        ": the function passes strings, lists or spilled parameters "
        "into the guest; the realloc option is required"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Val> Load(LiftLowerContext& cx, uint32_t ptr, TypeId type) {
  WASMHOST_ASSIGN_OR_RETURN(GuestMemory * memory, MemoryOf(cx));
  const absl::Span<const uint8_t> mem = memory->Bytes();
  WASMHOST_RETURN_IF_ERROR(CheckRange(mem, ptr, ElemSize(cx.types, type),
                                      Alignment(cx.types, type)));
  return LoadAt(cx, mem, ptr, type);
}

absl::Status Store(LiftLowerContext& cx, const Val& value, TypeId type,
                   uint32_t ptr) {
  WASMHOST_ASSIGN_OR_RETURN(GuestMemory * memory, MemoryOf(cx));
  WASMHOST_RETURN_IF_ERROR(CheckRange(memory->Bytes(), ptr,
                                      ElemSize(cx.types, type),
                                      Alignment(cx.types, type)));
  return StoreAt(cx, value, type, ptr);
}

absl::StatusOr<wasmhost::Val> CoreValueIter::Next(ValType type) {
  if (next_ == values_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a ", ValTypeName(type), " core value after the ",
                     values_.size(), " given"));
  }
  const wasmhost::Val& v = values_[next_];
  if (v.type() != type) {
    return absl::InvalidArgumentError(
        absl::StrCat("core value ", next_, " is ", ValTypeName(v.type()),
                     ", expected ", ValTypeName(type)));
  }
  ++next_;
  return v;
}

absl::StatusOr<Val> LiftFlat(LiftLowerContext& cx, CoreValueIter& vi,
                             TypeId type) {
  IterSource source(vi);
  return LiftFlatFrom(cx, source, type);
}

absl::Status LowerFlat(LiftLowerContext& cx, const Val& v, TypeId type,
                       std::vector<wasmhost::Val>& out) {
  const Type& t = cx.types[type];
  switch (t.kind) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8:
    case TypeKind::kS16:
    case TypeKind::kU16:
    case TypeKind::kS32:
    case TypeKind::kU32:
      WASMHOST_RETURN_IF_ERROR(ExpectKind(v, ScalarKind(t.kind)));
      out.push_back(
          I32Of(t.kind == TypeKind::kBool ? v.bits() != 0 : v.bits()));
      return absl::OkStatus();
    case TypeKind::kS64:
    case TypeKind::kU64:
    case TypeKind::kF32:
    case TypeKind::kF64: {
      WASMHOST_RETURN_IF_ERROR(ExpectKind(v, ScalarKind(t.kind)));
      const ValType core = t.kind == TypeKind::kF32   ? ValType::kF32
                           : t.kind == TypeKind::kF64 ? ValType::kF64
                                                      : ValType::kI64;
      out.push_back(CoreVal::FromBits(core, v.bits()));
      return absl::OkStatus();
    }
    case TypeKind::kChar:
      WASMHOST_RETURN_IF_ERROR(CheckChar(v));
      out.push_back(I32Of(v.char_value()));
      return absl::OkStatus();
    case TypeKind::kString: {
      WASMHOST_RETURN_IF_ERROR(ExpectKind(v, ValKind::kString));
      WASMHOST_ASSIGN_OR_RETURN(auto range,
                                StoreStringIntoRange(cx, v.string()));
      out.push_back(I32Of(range.first));
      out.push_back(I32Of(range.second));
      return absl::OkStatus();
    }
    case TypeKind::kList: {
      WASMHOST_RETURN_IF_ERROR(ExpectKind(v, ValKind::kList));
      if (t.fixed_length == 0) {
        WASMHOST_ASSIGN_OR_RETURN(auto range,
                                  StoreListIntoRange(cx, v, *t.element));
        out.push_back(I32Of(range.first));
        out.push_back(I32Of(range.second));
        return absl::OkStatus();
      }
      if (v.is_bytes() || v.elements().size() != t.fixed_length) {
        return FixedLengthMismatch(v, t.fixed_length);
      }
      for (const Val& e : v.elements()) {
        WASMHOST_RETURN_IF_ERROR(LowerFlat(cx, e, *t.element, out));
      }
      return absl::OkStatus();
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      WASMHOST_RETURN_IF_ERROR(CheckRecord(t, v));
      for (size_t i = 0; i < t.fields.size(); ++i) {
        WASMHOST_RETURN_IF_ERROR(
            LowerFlat(cx, v.elements()[i], t.fields[i].type, out));
      }
      return absl::OkStatus();
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      const Cases cases{t};
      WASMHOST_ASSIGN_OR_RETURN(uint32_t index, MatchCase(t, cases, v));
      std::vector<ValType> storage;
      const absl::Span<const ValType> flat = FlatTypes(cx.types, type, storage);
      out.push_back(I32Of(index));
      size_t next = 1;
      if (auto pt = cases.payload(index)) {
        const size_t start = out.size();
        WASMHOST_RETURN_IF_ERROR(LowerFlat(cx, *v.payload(), *pt, out));
        // lower_flat_variant: each payload value widened to the joined type
        // (float bits reinterpreted, i32 zero-extended).
        for (size_t i = start; i < out.size(); ++i) {
          const ValType want = flat[next++];
          if (out[i].type() != want)
            out[i] = CoreVal::FromBits(want, out[i].bits());
        }
      }
      for (; next < flat.size(); ++next)
        out.push_back(CoreVal::FromBits(flat[next], 0));
      return absl::OkStatus();
    }
    case TypeKind::kFlags:
      WASMHOST_RETURN_IF_ERROR(CheckFlags(t, v));
      out.push_back(I32Of(v.flags()));
      return absl::OkStatus();
    case TypeKind::kOwn:
    case TypeKind::kBorrow: {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t handle, LowerHandle(cx, t, v));
      out.push_back(I32Of(handle));
      return absl::OkStatus();
    }
    default:
      return Refuse(t);
  }
}

absl::StatusOr<std::vector<Val>> LiftFlatValues(
    LiftLowerContext& cx, size_t max_flat, CoreValueIter& vi,
    absl::Span<const TypeId> types) {
  std::vector<Val> out;
  if (FlatCount(cx.types, types) <= max_flat) {
    for (TypeId t : types) {
      WASMHOST_ASSIGN_OR_RETURN(Val v, LiftFlat(cx, vi, t));
      out.push_back(std::move(v));
    }
    return out;
  }
  WASMHOST_ASSIGN_OR_RETURN(wasmhost::Val ptr_val, vi.Next(ValType::kI32));
  WASMHOST_ASSIGN_OR_RETURN(GuestMemory * memory, MemoryOf(cx));
  const absl::Span<const uint8_t> mem = memory->Bytes();
  uint64_t ptr = static_cast<uint32_t>(ptr_val.bits());
  WASMHOST_RETURN_IF_ERROR(CheckRange(mem, ptr, RecordSize(cx.types, types),
                                      RecordAlignment(cx.types, types)));
  for (TypeId t : types) {
    ptr = AlignTo(ptr, Alignment(cx.types, t));
    WASMHOST_ASSIGN_OR_RETURN(Val v, LoadAt(cx, mem, ptr, t));
    out.push_back(std::move(v));
    ptr += ElemSize(cx.types, t);
  }
  return out;
}

absl::StatusOr<std::vector<wasmhost::Val>> LowerFlatValues(
    LiftLowerContext& cx, size_t max_flat, absl::Span<const Val> values,
    absl::Span<const TypeId> types, CoreValueIter* out_param) {
  if (values.size() != types.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        values.size(), " values given for ", types.size(), " types"));
  }
  std::vector<wasmhost::Val> out;
  if (FlatCount(cx.types, types) <= max_flat) {
    for (size_t i = 0; i < values.size(); ++i) {
      WASMHOST_RETURN_IF_ERROR(LowerFlat(cx, values[i], types[i], out));
    }
    return out;
  }
  const uint32_t alignment = RecordAlignment(cx.types, types);
  const uint32_t size = RecordSize(cx.types, types);
  uint32_t ptr;
  if (out_param == nullptr) {
    WASMHOST_ASSIGN_OR_RETURN(ptr, Reallocate(cx, 0, 0, alignment, size));
    out.push_back(I32Of(ptr));
  } else {
    WASMHOST_ASSIGN_OR_RETURN(wasmhost::Val p, out_param->Next(ValType::kI32));
    ptr = static_cast<uint32_t>(p.bits());
  }
  WASMHOST_ASSIGN_OR_RETURN(GuestMemory * memory, MemoryOf(cx));
  WASMHOST_RETURN_IF_ERROR(CheckRange(memory->Bytes(), ptr, size, alignment));
  uint64_t at = ptr;
  for (size_t i = 0; i < values.size(); ++i) {
    at = AlignTo(at, Alignment(cx.types, types[i]));
    WASMHOST_RETURN_IF_ERROR(StoreAt(cx, values[i], types[i], at));
    at += ElemSize(cx.types, types[i]);
  }
  return out;
}

}  // namespace wasmhost::component
