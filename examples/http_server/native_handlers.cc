#include "examples/http_server/native_handlers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace http_server {

using ::wasmhost::serve::HttpRequest;
using ::wasmhost::serve::HttpResponse;

HttpResponse HelloWorld(const HttpRequest& /*request*/) {
  return HttpResponse{
      200, {{"Content-Type", "text/plain"}}, "Hello, world!\n"};
}

HttpResponse JsonEcho(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (!absl::EqualsIgnoreCase(name, "content-type")) continue;
    absl::string_view type = value;
    type = absl::StripAsciiWhitespace(type.substr(0, type.find(';')));
    if (absl::EqualsIgnoreCase(type, "application/json")) {
      return HttpResponse{
          200, {{"Content-Type", "application/json"}}, request.body};
    }
  }
  return HttpResponse{415, {}, "expected Content-Type: application/json\n"};
}

}  // namespace http_server
