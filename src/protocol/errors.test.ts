import { ErrorCode, errorName } from './errors';

describe('ErrorCode', () => {
  it('gives every code one name, and errorName inverts the table', () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, code] of Object.entries(ErrorCode)) expect(errorName(code)).toBe(name);
  });

  it('has no holes between UNKNOWN_SERVER_ERROR and the highest code', () => {
    // Kafka numbers its errors densely; a hole means a line went missing.
    const codes = new Set<number>(Object.values(ErrorCode));
    const max = Math.max(...codes);
    for (let c = -1; c <= max; c++) expect(codes.has(c)).toBe(true);
  });

  it('pins the codes clients branch on', () => {
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6);
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.POSITION_OUT_OF_RANGE).toBe(99);
    expect(ErrorCode.FENCED_MEMBER_EPOCH).toBe(110);
    expect(ErrorCode.INVALID_REGULAR_EXPRESSION).toBe(128);
    expect(errorName(9999)).toBe('UNKNOWN_ERROR_CODE(9999)');
  });
});
