// examples/http_server/native_handlers.h: the native C++ handlers the
// example serves beside a component (the load test's baseline).
//
//   HelloWorld  "hello from C\n" as text/plain
//   JsonEcho    {"length":N,"echo":BODY} as application/json
//
// Each answers exactly what guests/components/http_handler.c's routes `/`
// and `/echo` do, so the load test compares the same work.

#ifndef WASMHOST_EXAMPLES_HTTP_SERVER_NATIVE_HANDLERS_H_
#define WASMHOST_EXAMPLES_HTTP_SERVER_NATIVE_HANDLERS_H_

#include "lib/serve/http_server.h"

namespace http_server {

using ::wasmhost::serve::HttpRequest;
using ::wasmhost::serve::HttpResponse;

HttpResponse HelloWorld(const HttpRequest& request);

// The body is inserted as it is (a JSON body stays JSON); an empty one is
// null.
HttpResponse JsonEcho(const HttpRequest& request);

}  // namespace http_server

#endif  // WASMHOST_EXAMPLES_HTTP_SERVER_NATIVE_HANDLERS_H_
