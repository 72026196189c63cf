// @ts-check
/**
 * A broker's port, for the bench scripts that start broker processes
 * themselves: a free port to give it, and whether it answers yet.
 */
import * as net from 'node:net';

/** A port free right now (the broker binds it a moment later). */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return port;
}

/** ApiVersions v0, correlation id 1, no client id. */
const API_VERSIONS = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);

/**
 * Resolves true when `port` answers an ApiVersions request, false when it
 * refuses or hangs up (the first connection a starting broker serves).
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function answersApiVersions(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => socket.write(API_VERSIONS));
    socket.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) done(true);
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
