/**
 * What an Envelope carries besides the request: the client's principal in
 * Kafka's serialization and its address as raw bytes; both survive the trip.
 */
import { addressBytes, addressText, deserializePrincipal, serializePrincipal } from './controller-channel';

test("a principal survives Kafka's serialization (a version, then DefaultPrincipalData)", () => {
  const bytes = serializePrincipal({ type: 'User', name: 'alice' });
  expect(bytes.readInt16BE(0)).toBe(0);
  expect(deserializePrincipal(bytes)).toEqual({ type: 'User', name: 'alice' });
});

test.each([
  ['127.0.0.1', 4, '127.0.0.1'],
  ['::ffff:10.1.2.3', 4, '10.1.2.3'],
  ['::1', 16, '0:0:0:0:0:0:0:1'],
  ['fe80::1:2', 16, 'fe80:0:0:0:0:0:1:2'],
])('the client address %s travels as %d bytes', (address, length, text) => {
  const bytes = addressBytes(address);
  expect(bytes.length).toBe(length);
  expect(addressText(bytes)).toBe(text);
});
