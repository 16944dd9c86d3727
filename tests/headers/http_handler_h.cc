#include "wasmhost/http_handler.h"

namespace wasmhost::component {
[[maybe_unused]] static auto* http_handler_h_create = &HttpHandler::Create;
}  // namespace wasmhost::component
