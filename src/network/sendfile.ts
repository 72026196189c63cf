/**
 * The kernel's sendfile(2): file bytes go from the page cache into a socket
 * without passing through the broker, as Kafka serves fetches. Node has no
 * sendfile of its own, so it comes from the small addon in `native/`
 * (`npm ci` builds it with node-gyp; see scripts/build-native.js).
 *
 * Where the addon is missing (no C compiler at install, not Linux) or the
 * socket encrypts in user space (TLS), `sendfileInto` answers null and the
 * response writer reads regions into buffers and writes those instead: the
 * same bytes, one more copy. `WEIR_SENDFILE=0` in the environment chooses
 * that path too, so the two can be measured side by side.
 */
import { constants } from 'node:os';
import * as path from 'node:path';
import type { Socket } from 'node:net';

interface SendfileBinding {
  /** Bytes sent (0: the file ends at `position`), or a negative errno. */
  sendfile(outFd: number, inFd: number, position: number, length: number): number;
}

/** What `Sendfile` answers when the socket's send buffer is full. */
export const SENDFILE_WOULD_BLOCK = -constants.errno.EAGAIN;

/**
 * Sends up to `length` bytes of `inFd` from `position` into the socket:
 * the bytes sent (0 when the file ends at `position`), SENDFILE_WOULD_BLOCK
 * when the socket takes nothing more now, or another negative errno.
 */
export type Sendfile = (inFd: number, position: number, length: number) => number;

let binding: SendfileBinding | null | undefined;

/**
 * Where the addon may be, first found wins: this checkout's own build, then
 * the copy the published package ships for the platform it was packed on
 * (scripts/build-native.js). dist/network/ and src/network/ are both two
 * levels below the package root.
 */
const ADDON_PATHS = [
  path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'weir_sendfile.node'),
  path.join(__dirname, '..', '..', 'prebuilds', `${process.platform}-${process.arch}`, 'weir_sendfile.node'),
];

function loadBinding(): SendfileBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (process.env.WEIR_SENDFILE === '0') return binding;
  for (const file of ADDON_PATHS) {
    try {
      binding = require(file) as SendfileBinding;
      break;
    } catch {
      // Not built here, or built for another platform or C library: try the next.
    }
  }
  // Neither loads: the read-and-write path serves every fetch.
  return binding;
}

/** True when this process can sendfile (the addon is built and not switched off). */
export function sendfileAvailable(): boolean {
  return loadBinding() !== null;
}

/**
 * sendfile into this socket, or null when it cannot be used: a TLS socket
 * (its bytes are encrypted by Node, not by the kernel), a socket without a
 * descriptor of its own, or no addon.
 *
 * Each call first checks that the socket still owns its descriptor: once
 * Node has closed the socket, the number may already name another
 * connection's socket or a file, and bytes must never go there.
 */
export function sendfileInto(socket: Socket): Sendfile | null {
  if ((socket as { encrypted?: boolean }).encrypted === true) return null;
  const handleOf = (): { fd?: number } | null | undefined => (socket as unknown as { _handle?: { fd?: number } | null })._handle;
  const fd = handleOf()?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  const native = loadBinding();
  if (native === null) return null;
  return (inFd, position, length) =>
    socket.destroyed || handleOf()?.fd !== fd ? -constants.errno.EBADF : native.sendfile(fd, inFd, position, length);
}
