// lib/v8/extern_object.h: what an ExternObject holds in V8.

#ifndef WASMHOST_LIB_V8_EXTERN_OBJECT_H_
#define WASMHOST_LIB_V8_EXTERN_OBJECT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/v8/backend.h"
#include "lib/v8/thread_isolate.h"
#include "v8.h"

namespace wasmhost::v8backend {

struct ExternObject::Handle {
  Handle(ThreadIsolate& owner, v8::Local<v8::Object> local)
      : thread(&owner), thread_id(owner.id()), object(owner.isolate(), local) {}

  v8::Local<v8::Object> Get() const { return object.Get(thread->isolate()); }

  // Valid only while ThreadIsolate::IsCurrent(thread, thread_id): the
  // handle may outlive the isolate, whose address a later one may reuse.
  ThreadIsolate* thread;
  uint64_t thread_id;
  // A Persistent, unlike a Global, does not reset itself when destroyed:
  // ~ExternObject resets it only on the owner thread, while the isolate is
  // alive.
  v8::Persistent<v8::Object> object;
  // The object's accessor functions (lib/wasm/boundary.h), made on first
  // use: a function value's "call", a number or v128 global's "get" and
  // "set". Reset with `object`.
  v8::Persistent<v8::Function> call;
  v8::Persistent<v8::Function> get;
  v8::Persistent<v8::Function> set;
};

// The exports of `module` (one of the host's helper modules, e.g.
// ThreadIsolate::HelperModule's) instantiated with `imported` as its one
// import, wasm::kAdapterImportModule.wasm::kAccessedObject (none when
// empty). Returns Internal if V8 refuses it.
absl::StatusOr<v8::Local<v8::Object>> InstantiateHelper(
    ThreadIsolate& thread, v8::Local<v8::WasmModuleObject> module,
    v8::Local<v8::Value> imported);

// The exports of `module` instantiated with `adapter_imports` as its
// wasm::kAdapterImportModule namespace (no imports when empty). Returns
// Internal if V8 refuses it.
absl::StatusOr<v8::Local<v8::Object>> InstantiateWithAdapterImports(
    ThreadIsolate& thread, v8::Local<v8::WasmModuleObject> module,
    v8::Local<v8::Object> adapter_imports);

// The function `name` of the accessor module `module` instantiated with
// `handle`'s object as its import, cached in `*slot`. Returns Internal if
// V8 refuses the module or the object.
absl::StatusOr<v8::Local<v8::Function>> AccessorFunction(
    ExternObject::Handle& handle, v8::Persistent<v8::Function>* slot,
    v8::MaybeLocal<v8::WasmModuleObject> module, absl::string_view name);

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_EXTERN_OBJECT_H_
