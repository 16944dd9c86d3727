#include "lib/serve/component_service.h"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "wasmhost/component.h"

namespace wasmhost::serve {
namespace {

absl::StatusOr<std::vector<uint8_t>> ReadBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                             std::istreambuf_iterator<char>());
  if (file.bad())
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  return bytes;
}

absl::StatusOr<component::Component> CompileFile(const Engine& engine,
                                                 const std::string& path) {
  WASMHOST_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadBytes(path));
  return component::Component::Compile(engine, bytes);
}

}  // namespace

bool ComponentService::FileState::operator==(const FileState& other) const {
  return device == other.device && inode == other.inode && size == other.size &&
         modified.tv_sec == other.modified.tv_sec &&
         modified.tv_nsec == other.modified.tv_nsec;
}

ComponentService::FileState ComponentService::Stat(const std::string& path) {
  struct stat info;
  // A missing file (mid-rename) is a state of its own: all zero.
  if (stat(path.c_str(), &info) != 0) return FileState{};
  return FileState{info.st_dev, info.st_ino, info.st_size, info.st_mtim};
}

ComponentService::ComponentService(const Engine& engine,
                                   const std::string& path,
                                   const ComponentServiceOptions& options)
    : engine_(engine), path_(path), options_(options) {}

absl::StatusOr<std::unique_ptr<ComponentService>> ComponentService::Create(
    const Engine& engine, const std::string& path,
    const component::Linker& linker, const ComponentServiceOptions& options) {
  std::unique_ptr<ComponentService> service(
      new ComponentService(engine, path, options));
  {
    internal::MutexLock lock(&service->reload_mutex_);
    service->loaded_ = Stat(path);
  }
  WASMHOST_ASSIGN_OR_RETURN(component::Component compiled,
                            CompileFile(engine, path));
  WASMHOST_ASSIGN_OR_RETURN(
      service->handler_,
      component::HttpHandler::Create(compiled, linker, options.handler));
  if (options.reload_poll > absl::ZeroDuration()) {
    service->watcher_ = std::thread([raw = service.get()] { raw->Watch(); });
  }
  return service;
}

ComponentService::~ComponentService() {
  {
    internal::MutexLock lock(&stop_mutex_);
    stop_ = true;
  }
  stop_signal_.SignalAll();
  if (watcher_.joinable()) watcher_.join();
}

void ComponentService::Log(absl::string_view line) const {
  if (options_.log) options_.log(line);
}

HttpResponse ComponentService::Handle(const HttpRequest& request) {
  component::HttpRequest guest_request;
  guest_request.method = request.method;
  guest_request.path_with_query = request.path;
  guest_request.headers = request.headers;
  for (const auto& [name, value] : request.headers) {
    if (absl::EqualsIgnoreCase(name, "host")) guest_request.authority = value;
  }
  guest_request.body = request.body;
  guest_request.body_source = request.body_source;
  // A streamed request's response goes out while the guest writes it.
  component::HttpResponseSink sink;
  bool guest_head = false;  // the guest's own response started
  if (request.writer != nullptr) {
    sink.head = [&request, &guest_head](const component::HttpResponse& head) {
      guest_head = head.error.ok();  // else the handler's 5xx
      return request.writer->Head(head.status, head.headers);
    };
    sink.body = [&request](absl::string_view chunk) {
      return request.writer->Write(chunk);
    };
  }
  absl::StatusOr<component::HttpResponse> response =
      handler_->Handle(guest_request, options_.call,
                       request.writer != nullptr ? &sink : nullptr);
  if (!response.ok() &&
      response.status().code() != absl::StatusCode::kInvalidArgument) {
    // A streamed request's client went away (the sink's or body_source's
    // error): no one to answer.
    Log(absl::StrCat(request.method, " ", request.path,
                     ": connection lost: ", response.status().message()));
    return HttpResponse{500, {}, ""};
  }
  if (!response.ok()) {
    // The handler refused the request itself (e.g. a header name that is
    // not a token): the client's fault, and no guest detail to hide.
    Log(absl::StrCat(request.method, " ", request.path,
                     ": refused: ", response.status().message()));
    return HttpResponse{400, {}, "400 Bad Request\n"};
  }
  if (!response->error.ok()) {
    Log(absl::StrCat(request.method, " ", request.path, ": ", response->status,
                     ": ", response->error.ToString()));
    // The guest failed after its head went out: cut its response short.
    if (guest_head) request.writer->Abort();
  }
  return HttpResponse{response->status, std::move(response->headers),
                      std::move(response->body)};
}

absl::Status ComponentService::Reload() {
  internal::MutexLock lock(&reload_mutex_);
  loaded_ = Stat(path_);
  absl::Status status;
  if (absl::StatusOr<component::Component> compiled =
          CompileFile(engine_, path_);
      !compiled.ok()) {
    status = compiled.status();
  } else {
    status = handler_->Reload(*compiled);
  }
  if (status.ok()) {
    Log(absl::StrCat("reloaded ", path_, ": version ",
                     handler_->stats().version));
  } else {
    Log(absl::StrCat("reload of ", path_, " refused, still serving version ",
                     handler_->stats().version, ": ", status.ToString()));
  }
  return status;
}

void ComponentService::Watch() {
  FileState previous = Stat(path_);
  for (;;) {
    {
      internal::MutexLock lock(&stop_mutex_);
      const absl::Time wake = absl::Now() + options_.reload_poll;
      while (!stop_ && absl::Now() < wake) {
        stop_signal_.WaitWithDeadline(&stop_mutex_, wake);
      }
      if (stop_) return;
    }
    const FileState now = Stat(path_);
    bool changed;
    {
      internal::MutexLock lock(&reload_mutex_);
      changed = now != loaded_;
    }
    // Reload only a file that stayed the same for a whole poll.
    if (changed && now == previous) (void)Reload();
    previous = now;
  }
}

}  // namespace wasmhost::serve
