#include "wasmhost/component_type.h"
