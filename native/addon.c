/*
 * Weir's native addon: the few things Node does not offer and that are worth
 * a compiler at install time (see scripts/build-native.js). This file only
 * puts them on the module's exports; each lives in the file of its subject.
 */
#include <node_api.h>

#include "weir_native.h"

static void export_function(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value value;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &value);
  napi_set_named_property(env, exports, name, value);
}

static napi_value Init(napi_env env, napi_value exports) {
  export_function(env, exports, "sendfile", weir_sendfile);
  export_function(env, exports, "crc32c", weir_crc32c);
  export_function(env, exports, "crc32cPortable", weir_crc32c_portable);
  napi_value method;
  napi_create_string_utf8(env, weir_crc32c_method(), NAPI_AUTO_LENGTH, &method);
  napi_set_named_property(env, exports, "crc32cMethod", method);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
