// examples/http_server/native_handlers.h: the native C++ handlers the
// example serves beside a component (the load test's baseline).
//
//   HelloWorld  "Hello, world!\n" as text/plain
//   JsonEcho    the request body back as application/json

#ifndef WASMHOST_EXAMPLES_HTTP_SERVER_NATIVE_HANDLERS_H_
#define WASMHOST_EXAMPLES_HTTP_SERVER_NATIVE_HANDLERS_H_

#include "lib/serve/http_server.h"

namespace http_server {

using ::wasmhost::serve::HttpRequest;
using ::wasmhost::serve::HttpResponse;

HttpResponse HelloWorld(const HttpRequest& request);

// 415 unless the request's Content-Type is application/json (parameters
// such as "; charset=utf-8" allowed).
HttpResponse JsonEcho(const HttpRequest& request);

}  // namespace http_server

#endif  // WASMHOST_EXAMPLES_HTTP_SERVER_NATIVE_HANDLERS_H_
