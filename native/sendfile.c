/*
 * sendfile(2) for Node.js: copies bytes from a file straight into a socket,
 * inside the kernel, the way Kafka serves fetches. Without it every byte a
 * consumer reads is copied twice by the broker: from the page cache into a
 * JavaScript buffer (read) and from there into the socket (write).
 *
 * One function, sendfile(outFd, inFd, position, length): one sendfile call,
 * retried only on EINTR. It returns the bytes sent (0 when the file ends at
 * `position`) or a negative errno (-EAGAIN when the non-blocking socket is
 * full). The caller owns the waiting, the looping and the descriptors; this
 * file holds no state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <sys/sendfile.h>
#include <sys/types.h>

#include "weir_native.h"

napi_value weir_sendfile(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 4) {
    napi_throw_type_error(env, NULL, "sendfile(outFd, inFd, position, length)");
    return NULL;
  }
  int32_t out_fd, in_fd;
  int64_t position, length;
  if (napi_get_value_int32(env, args[0], &out_fd) != napi_ok ||
      napi_get_value_int32(env, args[1], &in_fd) != napi_ok ||
      napi_get_value_int64(env, args[2], &position) != napi_ok ||
      napi_get_value_int64(env, args[3], &length) != napi_ok ||
      out_fd < 0 || in_fd < 0 || position < 0 || length < 0) {
    napi_throw_type_error(env, NULL, "sendfile(outFd, inFd, position, length): non-negative integers");
    return NULL;
  }
  off_t offset = (off_t)position;
  ssize_t sent;
  do {
    sent = sendfile(out_fd, in_fd, &offset, (size_t)length);
  } while (sent < 0 && errno == EINTR);
  napi_value result;
  napi_create_int64(env, sent < 0 ? -(int64_t)errno : (int64_t)sent, &result);
  return result;
}
