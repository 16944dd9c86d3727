// tests/http_test_util.h: what the component::HttpHandler suites share.
//
//   MakeHttpHandler(guest, options)  an HttpHandler with an empty Linker
//   GetRequest(path)                 a GET of `path` to localhost:8080

#ifndef WASMHOST_TESTS_HTTP_TEST_UTIL_H_
#define WASMHOST_TESTS_HTTP_TEST_UTIL_H_

#include <memory>
#include <string>

#include "wasmhost/component.h"
#include "wasmhost/http_handler.h"

namespace wasmhost::testing {

// HttpHandler::Create(guest, Linker(), options); failing fails the test
// and aborts the binary.
std::unique_ptr<component::HttpHandler> MakeHttpHandler(
    const component::Component& guest,
    const component::HttpHandlerOptions& options = {});

// A GET of `path` ("/echo?x=1") with authority "localhost:8080".
component::HttpRequest GetRequest(std::string path);

}  // namespace wasmhost::testing

#endif  // WASMHOST_TESTS_HTTP_TEST_UTIL_H_
