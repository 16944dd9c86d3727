// wasmhost/value.h: the WebAssembly value vocabulary shared by every other
// header.
//
//   ValType   a Wasm value type (i32, i64, f32, f64, v128, funcref, externref)
//   FuncType  a function signature: parameter and result types
//   Val       one dynamically typed number value, for the untyped call path
//
// These are plain values with no engine behind them: thread-compatible.

#ifndef WASMHOST_VALUE_H_
#define WASMHOST_VALUE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "wasmhost/export.h"

namespace wasmhost {

// A Wasm value type. Only the four number types cross the host boundary;
// the others appear in module signatures and are reported by inspection.
enum class ValType : uint8_t {
  kI32,
  kI64,
  kF32,
  kF64,
  kV128,
  kFuncRef,
  kExternRef,
};

// "i32", "i64", "f32", "f64", "v128", "funcref", "externref".
WASMHOST_EXPORT absl::string_view ValTypeName(ValType type);

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

// One number value with its type. Default-constructed it is i32 0.
// Copyable; 16 bytes.
class WASMHOST_EXPORT Val {
 public:
  Val() : type_(ValType::kI32), bits_(0) {}
  static Val I32(int32_t v) { return Val(ValType::kI32, static_cast<uint32_t>(v)); }
  static Val I64(int64_t v) { return Val(ValType::kI64, static_cast<uint64_t>(v)); }
  static Val F32(float v);
  static Val F64(double v);

  ValType type() const { return type_; }
  // The accessors return the value reinterpreted as the requested type;
  // check type() first when the type is not known.
  int32_t i32() const { return static_cast<int32_t>(static_cast<uint32_t>(bits_)); }
  int64_t i64() const { return static_cast<int64_t>(bits_); }
  float f32() const;
  double f64() const;

  // The raw bits: the value zero-extended to 64 bits (f32 as its 32-bit
  // pattern).
  uint64_t bits() const { return bits_; }
  static Val FromBits(ValType type, uint64_t bits) { return Val(type, bits); }

  // "i32:42", "f64:1.5".
  std::string ToString() const;

  friend bool operator==(const Val& a, const Val& b) {
    return a.type_ == b.type_ && a.bits_ == b.bits_;
  }
  friend bool operator!=(const Val& a, const Val& b) { return !(a == b); }

 private:
  Val(ValType type, uint64_t bits) : type_(type), bits_(bits) {}

  ValType type_;
  uint64_t bits_;
};

}  // namespace wasmhost

#endif  // WASMHOST_VALUE_H_
