// wasmhost/value.h: the WebAssembly value vocabulary shared by every other
// header.
//
//   ValType   a Wasm value type (i32, i64, f32, f64, v128, funcref, externref)
//   FuncType  a function signature: parameter and result types
//   ExternKind  what an import or export is: function, table, memory, ...
//   Val       one dynamically typed value (a number or a reference), for the
//             untyped call path, globals and tables
//
// These are plain values with no engine behind them: thread-compatible.

#ifndef WASMHOST_VALUE_H_
#define WASMHOST_VALUE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "wasmhost/export.h"

namespace wasmhost {

class Func;
class Val;

// A Wasm value type. The four number types cross the host boundary
// everywhere; v128 and references through Func::Call,
// Linker::DefineDynamic, globals and tables.
enum class ValType : uint8_t {
  kI32,
  kI64,
  kF32,
  kF64,
  kV128,
  kFuncRef,
  kExternRef,
};

namespace internal {
// The reference inside a Val, for the library's own code.
struct ValRef {
  static Val Make(ValType type, std::shared_ptr<void> ref);
  static const std::shared_ptr<void>& Get(const Val& val);
};
}  // namespace internal

// "i32", "i64", "f32", "f64", "v128", "funcref", "externref". Inline, so
// layers that do not link the runtime (lib/wasm, lib/component) share it.
inline absl::string_view ValTypeName(ValType type) {
  switch (type) {
    case ValType::kI32:
      return "i32";
    case ValType::kI64:
      return "i64";
    case ValType::kF32:
      return "f32";
    case ValType::kF64:
      return "f64";
    case ValType::kV128:
      return "v128";
    case ValType::kFuncRef:
      return "funcref";
    case ValType::kExternRef:
      return "externref";
  }
  return "?";
}

// What an import or export is. The one definition: the binary reader
// (lib/wasm) uses it too.
enum class ExternKind : uint8_t { kFunc, kTable, kMemory, kGlobal, kTag };

// "func", "table", "memory", "global", "tag".
WASMHOST_EXPORT absl::string_view ExternKindName(ExternKind kind);

// A function signature.
struct WASMHOST_EXPORT FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;

  // "(i32, i32) -> i32"; "() -> ()" for no parameters and no results;
  // "(i32) -> (i32, i64)" for several results.
  std::string ToString() const;

  friend bool operator==(const FuncType& a, const FuncType& b) {
    return a.params == b.params && a.results == b.results;
  }
  friend bool operator!=(const FuncType& a, const FuncType& b) {
    return !(a == b);
  }
};

// One value with its type. Default-constructed it is i32 0.
// Copyable; a number copies no more than its type and bits (the reference
// member stays null); an externref shares ownership of its host
// value.
class WASMHOST_EXPORT Val {
 public:
  Val() : type_(ValType::kI32), bits_(0) {}
  static Val I32(int32_t v) {
    return Val(ValType::kI32, static_cast<uint32_t>(v));
  }
  static Val I64(int64_t v) {
    return Val(ValType::kI64, static_cast<uint64_t>(v));
  }
  static Val F32(float v);
  static Val F64(double v);
  // A v128 from its low and high 64 bits (lane 0 of i64x2 is `low`).
  static Val V128(uint64_t low, uint64_t high) {
    Val val(ValType::kV128, low);
    val.high_ = high;
    return val;
  }
  // The null reference of `type` (kFuncRef or kExternRef).
  static Val NullRef(ValType type) { return Val(type, 0); }
  // An externref: a host value guests can hold, store and pass back but not
  // look into. It keeps `value` alive while the host or an engine object
  // (a global, a table, a guest's local) holds it; a value read back is the
  // same shared_ptr, so identity is `externref().get()`. A null `value` is
  // the null externref.
  static Val ExternRef(std::shared_ptr<void> value) {
    Val val(ValType::kExternRef, 0);
    val.ref_ = std::move(value);
    return val;
  }
  // A funcref to `func`; Func::FromRef gives it back. Guests can store it
  // in tables and call it with call_indirect. It keeps the function's
  // instance alive.
  static Val FuncRef(const Func& func);

  ValType type() const { return type_; }
  // The accessors return the value reinterpreted as the requested type;
  // check type() first when the type is not known.
  int32_t i32() const {
    return static_cast<int32_t>(static_cast<uint32_t>(bits_));
  }
  int64_t i64() const { return static_cast<int64_t>(bits_); }
  float f32() const;
  double f64() const;
  // A v128's low and high 64 bits.
  uint64_t v128_low() const { return bits_; }
  uint64_t v128_high() const { return high_; }
  // For a reference: whether it is null.
  bool is_null() const { return ref_ == nullptr; }
  // For an externref: the host value; null for the null externref. (For a
  // funcref, use Func::FromRef.)
  const std::shared_ptr<void>& externref() const { return ref_; }

  // The raw bits: the value zero-extended to 64 bits (f32 as its 32-bit
  // pattern, a v128's low half); 0 for references.
  uint64_t bits() const { return bits_; }
  static Val FromBits(ValType type, uint64_t bits) { return Val(type, bits); }

  // "i32:42", "f64:1.5", "externref:null".
  std::string ToString() const;

  // References are equal when they refer to the same object.
  friend bool operator==(const Val& a, const Val& b) {
    return a.type_ == b.type_ && a.bits_ == b.bits_ && a.high_ == b.high_ &&
           a.ref_ == b.ref_;
  }
  friend bool operator!=(const Val& a, const Val& b) { return !(a == b); }

 private:
  Val(ValType type, uint64_t bits) : type_(type), bits_(bits) {}

  friend struct internal::ValRef;

  ValType type_;
  uint64_t bits_;
  uint64_t high_ = 0;  // a v128's high 64 bits
  // An externref's host value, or a funcref's internal::FuncRefState.
  std::shared_ptr<void> ref_;
};

namespace internal {
inline Val ValRef::Make(ValType type, std::shared_ptr<void> ref) {
  Val val = Val::NullRef(type);
  val.ref_ = std::move(ref);
  return val;
}
inline const std::shared_ptr<void>& ValRef::Get(const Val& val) {
  return val.ref_;
}
}  // namespace internal

}  // namespace wasmhost

#endif  // WASMHOST_VALUE_H_
