#include "examples/http_server/native_handlers.h"

#include "absl/strings/str_cat.h"

namespace http_server {

HttpResponse HelloWorld(const HttpRequest& /*request*/) {
  return HttpResponse{200, {{"Content-Type", "text/plain"}}, "hello from C\n"};
}

HttpResponse JsonEcho(const HttpRequest& request) {
  return HttpResponse{
      200,
      {{"Content-Type", "application/json"}},
      absl::StrCat("{\"length\":", request.body.size(), ",\"echo\":",
                   request.body.empty() ? "null" : request.body, "}")};
}

}  // namespace http_server
