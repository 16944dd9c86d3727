#include "wasmhost/component_instance.h"
