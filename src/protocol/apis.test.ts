import { Apis, SERVED_APIS } from './apis';

describe('the served API table', () => {
  test.each(Object.entries(Apis))('%s: key, name and served range agree with its schema codecs', (name, spec) => {
    expect(spec.name).toBe(name);
    expect(spec.request.apiKey).toBe(spec.apiKey);
    expect(spec.response.apiKey).toBe(spec.apiKey);
    expect(spec.request.name).toBe(`${name}Request`);
    expect(spec.response.name).toBe(`${name}Response`);
    expect(spec.minVersion).toBeGreaterThanOrEqual(spec.request.minVersion);
    expect(spec.maxVersion).toBeLessThanOrEqual(spec.request.maxVersion);
    expect(spec.maxVersion).toBeLessThanOrEqual(spec.response.maxVersion);
    expect(spec.minVersion).toBeLessThanOrEqual(spec.maxVersion);
  });

  test('one entry per key', () => {
    expect(SERVED_APIS.size).toBe(Object.keys(Apis).length);
  });
});
