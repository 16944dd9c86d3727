#include "lib/v8/extern_ref.h"

#include <utility>

namespace wasmhost::v8backend {
namespace {

// Tells our wrappers from other objects with one internal field: the
// second field holds this address.
int kWrapperTag;

}  // namespace

ExternRefs::ExternRefs(v8::Isolate* isolate) : isolate_(isolate) {
  v8::HandleScope scope(isolate);
  v8::Local<v8::ObjectTemplate> object_template =
      v8::ObjectTemplate::New(isolate);
  object_template->SetInternalFieldCount(2);
  template_.Reset(isolate, object_template);
}

ExternRefs::~ExternRefs() {
  for (auto& [box, owned] : boxes_) owned->object.Reset();
  template_.Reset();
}

v8::Local<v8::Object> ExternRefs::Wrap(std::shared_ptr<void> value) {
  v8::Local<v8::Context> context = isolate_->GetCurrentContext();
  v8::Local<v8::Object> object =
      template_.Get(isolate_)->NewInstance(context).ToLocalChecked();
  auto box = std::make_unique<Box>();
  box->value = std::move(value);
  box->owner = this;
  object->SetAlignedPointerInInternalField(0, box.get());
  object->SetAlignedPointerInInternalField(1, &kWrapperTag);
  box->object.Reset(isolate_, object);
  box->object.SetWeak(box.get(), &OnCollected,
                      v8::WeakCallbackType::kParameter);
  Box* key = box.get();
  boxes_.emplace(key, std::move(box));
  return object;
}

const std::shared_ptr<void>* ExternRefs::Unwrap(v8::Local<v8::Value> value) {
  if (!value->IsObject()) return nullptr;
  v8::Local<v8::Object> object = value.As<v8::Object>();
  if (object->InternalFieldCount() != 2 ||
      object->GetAlignedPointerFromInternalField(1) != &kWrapperTag) {
    return nullptr;
  }
  return &static_cast<Box*>(object->GetAlignedPointerFromInternalField(0))
              ->value;
}

void ExternRefs::OnCollected(const v8::WeakCallbackInfo<Box>& info) {
  Box* box = info.GetParameter();
  box->object.Reset();
  box->owner->boxes_.erase(box);
}

}  // namespace wasmhost::v8backend
