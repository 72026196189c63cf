/**
 * The kernel's sendfile(2): file bytes go from the page cache into a socket
 * without passing through the broker, as Kafka serves fetches. Node has no
 * sendfile of its own, so it comes from Weir's small addon in `native/`
 * (`npm ci` builds it with node-gyp; see scripts/build-native.js and
 * src/native/addon.ts).
 *
 * Where the addon is missing (no C compiler at install, not Linux) or the
 * socket encrypts in user space (TLS), `sendfileInto` answers null and the
 * response writer reads regions into buffers and writes those instead: the
 * same bytes, one more copy. `WEIR_SENDFILE=0` in the environment chooses
 * that path too, so the two can be measured side by side.
 */
import { constants } from 'node:os';
import type { Socket } from 'node:net';
import { type NativeAddon, nativeAddon } from '../native/addon';

/** What `Sendfile` answers when the socket's send buffer is full. */
export const SENDFILE_WOULD_BLOCK = -constants.errno.EAGAIN;

/**
 * Sends up to `length` bytes of `inFd` from `position` into the socket:
 * the bytes sent (0 when the file ends at `position`), SENDFILE_WOULD_BLOCK
 * when the socket takes nothing more now, or another negative errno.
 */
export type Sendfile = (inFd: number, position: number, length: number) => number;

let chosen: NativeAddon['sendfile'] | null | undefined;

/**
 * The addon's sendfile, or null: no addon here, or WEIR_SENDFILE=0. Decided
 * on the first call, so every connection agrees with the start-up line.
 */
function sendfileFunction(): NativeAddon['sendfile'] | null {
  if (chosen === undefined) chosen = process.env.WEIR_SENDFILE === '0' ? null : (nativeAddon()?.sendfile ?? null);
  return chosen;
}

/** True when this process can sendfile (the addon is built and not switched off). */
export function sendfileAvailable(): boolean {
  return sendfileFunction() !== null;
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
  const sendfile = sendfileFunction();
  if (sendfile === null) return null;
  return (inFd, position, length) =>
    socket.destroyed || handleOf()?.fd !== fd ? -constants.errno.EBADF : sendfile(fd, inFd, position, length);
}
