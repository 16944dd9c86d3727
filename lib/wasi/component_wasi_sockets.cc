// wasi:sockets, present so that components importing it link, and denying
// everything: no socket can be created (access-denied), so the socket
// methods are unreachable and trap if a host bug ever let one be called.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/wasi/component_wasi.h"

namespace wasmhost::wasi::p2 {
namespace {

// wasi:sockets/network error-code's access-denied case.
constexpr uint32_t kAccessDenied = 1;

ContextFunc Denied() {
  return
      [](WasiContextImpl&, absl::Span<const Val>, std::vector<Val>& results) {
        results.push_back(Val::Err(Val::Enum(kAccessDenied)));
        return absl::OkStatus();
      };
}

ContextFunc NoSocket(std::string name) {
  return [name](WasiContextImpl&, absl::Span<const Val>, std::vector<Val>&) {
    return absl::InternalError(
        absl::StrCat("WASI 0.2: ", name, " called, but no socket exists"));
  };
}

// Defines resource `resource` of `interface` and a trapping `methods`.
absl::Status DefineSocketResource(
    component::Linker& linker, absl::string_view interface,
    absl::string_view resource, const std::vector<absl::string_view>& methods) {
  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, interface, resource));
  for (absl::string_view method : methods) {
    std::string name = absl::StrCat("[method]", resource, ".", method);
    WASMHOST_RETURN_IF_ERROR(
        DefineFunc(linker, interface, name, NoSocket(name)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AddSockets(component::Linker& linker) {
  WASMHOST_RETURN_IF_ERROR(
      DefineResource(linker, "wasi:sockets/network", "network"));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(
      linker, "wasi:sockets/instance-network", "instance-network",
      [](WasiContextImpl& context, absl::Span<const Val>,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(Val network, NewResource(context, Network{}));
        results.push_back(std::move(network));
        return absl::OkStatus();
      }));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(linker, "wasi:sockets/tcp-create-socket",
                                      "create-tcp-socket", Denied()));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(linker, "wasi:sockets/udp-create-socket",
                                      "create-udp-socket", Denied()));
  WASMHOST_RETURN_IF_ERROR(DefineFunc(linker, "wasi:sockets/ip-name-lookup",
                                      "resolve-addresses", Denied()));
  WASMHOST_RETURN_IF_ERROR(DefineSocketResource(
      linker, "wasi:sockets/ip-name-lookup", "resolve-address-stream",
      {"resolve-next-address", "subscribe"}));
  WASMHOST_RETURN_IF_ERROR(DefineSocketResource(linker, "wasi:sockets/tcp",
                                                "tcp-socket",
                                                {"start-bind",
                                                 "finish-bind",
                                                 "start-connect",
                                                 "finish-connect",
                                                 "start-listen",
                                                 "finish-listen",
                                                 "accept",
                                                 "local-address",
                                                 "remote-address",
                                                 "is-listening",
                                                 "address-family",
                                                 "set-listen-backlog-size",
                                                 "keep-alive-enabled",
                                                 "set-keep-alive-enabled",
                                                 "keep-alive-idle-time",
                                                 "set-keep-alive-idle-time",
                                                 "keep-alive-interval",
                                                 "set-keep-alive-interval",
                                                 "keep-alive-count",
                                                 "set-keep-alive-count",
                                                 "hop-limit",
                                                 "set-hop-limit",
                                                 "receive-buffer-size",
                                                 "set-receive-buffer-size",
                                                 "send-buffer-size",
                                                 "set-send-buffer-size",
                                                 "subscribe",
                                                 "shutdown"}));
  WASMHOST_RETURN_IF_ERROR(DefineSocketResource(
      linker, "wasi:sockets/udp", "udp-socket",
      {"start-bind", "finish-bind", "stream", "local-address", "remote-address",
       "address-family", "unicast-hop-limit", "set-unicast-hop-limit",
       "receive-buffer-size", "set-receive-buffer-size", "send-buffer-size",
       "set-send-buffer-size", "subscribe"}));
  WASMHOST_RETURN_IF_ERROR(DefineSocketResource(linker, "wasi:sockets/udp",
                                                "incoming-datagram-stream",
                                                {"receive", "subscribe"}));
  WASMHOST_RETURN_IF_ERROR(DefineSocketResource(
      linker, "wasi:sockets/udp", "outgoing-datagram-stream",
      {"check-send", "send", "subscribe"}));
  return absl::OkStatus();
}

}  // namespace wasmhost::wasi::p2
