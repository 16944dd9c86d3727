#include "tests/http_test_util.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "tests/test_util.h"
#include "wasmhost/component_linker.h"

namespace wasmhost::testing {

std::unique_ptr<component::HttpHandler> MakeHttpHandler(
    const component::Component& guest,
    const component::HttpHandlerOptions& options) {
  absl::StatusOr<std::unique_ptr<component::HttpHandler>> handler =
      component::HttpHandler::Create(guest, component::Linker(), options);
  EXPECT_OK(handler.status());
  return *std::move(handler);
}

component::HttpRequest GetRequest(std::string path) {
  component::HttpRequest request;
  request.path_with_query = std::move(path);
  request.authority = "localhost:8080";
  return request;
}

}  // namespace wasmhost::testing
