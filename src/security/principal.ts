/**
 * Who a connection is, as Kafka's authorizer sees it: a principal type and a
 * name ("User:alice"). Plaintext connections and TLS without a client
 * certificate are User:ANONYMOUS, as in Kafka's DefaultKafkaPrincipalBuilder.
 */
export interface KafkaPrincipal {
  readonly type: string;
  readonly name: string;
}

export const USER_TYPE = 'User';
export const ANONYMOUS: KafkaPrincipal = Object.freeze({ type: USER_TYPE, name: 'ANONYMOUS' });

export function userPrincipal(name: string): KafkaPrincipal {
  return { type: USER_TYPE, name };
}

export function principalToString(p: KafkaPrincipal): string {
  return `${p.type}:${p.name}`;
}

/** `Type:name` (the name may itself contain ':'); throws on a string without a type. */
export function parsePrincipal(s: string): KafkaPrincipal {
  const colon = s.indexOf(':');
  if (colon <= 0) throw new Error(`invalid principal '${s}': expected Type:name, e.g. User:alice`);
  return { type: s.slice(0, colon), name: s.slice(colon + 1) };
}

export function samePrincipal(a: KafkaPrincipal, b: KafkaPrincipal): boolean {
  return a.type === b.type && a.name === b.name;
}
