// Types component: see types.wit. The glue is generated from it (types.h):
// each WIT type is a C type with the canonical ABI's layout.
#include "types.h"

#include <stdlib.h>
#include <string.h>

float exports_demo_types_shapes_area(demo_types_shapes_shape_t* s) {
  switch (s->tag) {
    case DEMO_TYPES_SHAPES_SHAPE_CIRCLE:
      return 3.14159265f * s->val.circle * s->val.circle;
    case DEMO_TYPES_SHAPES_SHAPE_RECT: {
      types_result_point_string_t v;
      types_validate(&s->val.rect, &v);
      if (v.is_err) {
        types_string_free(&v.val.err);
        return -1;
      }
      return (float)v.val.ok.x * (float)v.val.ok.y;
    }
    default:
      return 0;
  }
}

demo_types_shapes_color_t exports_demo_types_shapes_mix(
    demo_types_shapes_color_t a, demo_types_shapes_color_t b) {
  return (a + b) % 3;
}

demo_types_shapes_perms_t exports_demo_types_shapes_grant(
    demo_types_shapes_perms_t p, demo_types_shapes_perms_t extra) {
  return p | extra;
}

// The first item named `name`, moved into the result; the others freed.
void exports_demo_types_shapes_find(types_list_item_t* items,
                                    types_string_t* name,
                                    types_option_item_t* ret) {
  ret->is_some = false;
  for (size_t i = 0; i < items->len; ++i) {
    demo_types_shapes_item_t* it = &items->ptr[i];
    if (!ret->is_some && it->name.len == name->len &&
        memcmp(it->name.ptr, name->ptr, name->len) == 0) {
      ret->is_some = true;
      ret->val = *it;
    } else {
      demo_types_shapes_item_free(it);
    }
  }
  free(items->ptr);
  types_string_free(name);
}

void exports_demo_types_shapes_divide(int32_t a, int32_t b,
                                      types_result_s32_string_t* ret) {
  if (b == 0) {
    ret->is_err = true;
    types_string_dup(&ret->val.err, "division by zero");
  } else {
    ret->is_err = false;
    ret->val.ok = a / b;
  }
}

void exports_demo_types_shapes_swap(types_tuple2_u8_f64_t* t,
                                    types_tuple2_f64_u8_t* ret) {
  ret->f0 = t->f1;
  ret->f1 = t->f0;
}

void exports_demo_types_shapes_check(uint32_t x,
                                     types_result_void_void_t* ret) {
  ret->is_err = x % 2 != 0;
}
