// lib/v8/extern_object.h: what an ExternObject holds in V8.

#ifndef WASMHOST_LIB_V8_EXTERN_OBJECT_H_
#define WASMHOST_LIB_V8_EXTERN_OBJECT_H_

#include "lib/v8/backend.h"
#include "lib/v8/thread_isolate.h"
#include "v8.h"

namespace wasmhost::v8backend {

struct ExternObject::Handle {
  Handle(ThreadIsolate& thread, v8::Local<v8::Object> local)
      : thread(&thread), object(thread.isolate(), local) {}

  v8::Local<v8::Object> Get() const { return object.Get(thread->isolate()); }

  ThreadIsolate* thread;
  // A Persistent, unlike a Global, does not reset itself when destroyed:
  // ~ExternObject resets it only on the owner thread, while the isolate is
  // alive.
  v8::Persistent<v8::Object> object;
};

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_EXTERN_OBJECT_H_
