/*
 * The functions of Weir's addon (weir_native.node), each defined in the file
 * of its own subject and put on the module's exports by addon.c.
 */
#ifndef WEIR_NATIVE_H
#define WEIR_NATIVE_H

#include <node_api.h>

/* sendfile.c: sendfile(outFd, inFd, position, length). */
napi_value weir_sendfile(napi_env env, napi_callback_info info);

/* crc32c.c: crc32c(bytes, initial?) with the fastest code this CPU runs. */
napi_value weir_crc32c(napi_env env, napi_callback_info info);
/* crc32c.c: the same with the portable slice-by-8 code, on any CPU. */
napi_value weir_crc32c_portable(napi_env env, napi_callback_info info);
/* crc32c.c: which code weir_crc32c runs ("sse4.2", "armv8-crc", "slice-by-8"). */
const char *weir_crc32c_method(void);

#endif
