// lib/v8/extern_ref.h: host values passed to guests as externrefs.
//
// An externref crosses into V8 as a JS object whose internal field points
// at a box holding the host's shared_ptr. The box is released when V8
// collects the object (a weak callback), or when the isolate goes away.

#ifndef WASMHOST_LIB_V8_EXTERN_REF_H_
#define WASMHOST_LIB_V8_EXTERN_REF_H_

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "v8.h"

namespace wasmhost::v8backend {

// The externrefs of one isolate. Thread-affine, like the isolate.
class ExternRefs {
 public:
  explicit ExternRefs(v8::Isolate* isolate);
  // Releases the values V8 still holds; runs before the isolate is
  // disposed (V8 runs no weak callbacks at disposal).
  ~ExternRefs();
  ExternRefs(const ExternRefs&) = delete;
  ExternRefs& operator=(const ExternRefs&) = delete;

  // A new JS object that keeps `value` (not null) alive until collected.
  v8::Local<v8::Object> Wrap(std::shared_ptr<void> value);
  // The host value `value` wraps, or nullptr when it is not such an object.
  static const std::shared_ptr<void>* Unwrap(v8::Local<v8::Value> value);

 private:
  struct Box {
    std::shared_ptr<void> value;
    v8::Global<v8::Object> object;
    ExternRefs* owner;
  };
  static void OnCollected(const v8::WeakCallbackInfo<Box>& info);

  v8::Isolate* const isolate_;
  v8::Global<v8::ObjectTemplate> template_;
  absl::flat_hash_map<Box*, std::unique_ptr<Box>> boxes_;
};

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_EXTERN_REF_H_
