import { SslPrincipalMapper } from './ssl-principal-mapper';

// Cases from Kafka's SslPrincipalMapperTest, with the same expectations.
describe('SslPrincipalMapper (ssl.principal.mapping.rules)', () => {
  test('DEFAULT keeps the distinguished name', () => {
    expect(new SslPrincipalMapper('DEFAULT').principalName('CN=Kafka Server,OU=ServiceUsers,O=Org,C=US')).toBe('CN=Kafka Server,OU=ServiceUsers,O=Org,C=US');
  });

  test('rules apply in order; the first whose pattern matches the whole DN wins', () => {
    const rules = 'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/, RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L, RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U, RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U, DEFAULT';
    const m = new SslPrincipalMapper(rules);
    expect(m.principalName('CN=Duke,OU=ServiceUsers,O=Org,C=US')).toBe('Duke');
    expect(m.principalName('CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US')).toBe('duke@sme');
    expect(m.principalName('cn=duke,ou=JavaSoft,dc=sun,dc=com')).toBe('DUKE@JAVASOFT');
    expect(m.principalName('OU=JavaSoft,O=Sun Microsystems,C=US')).toBe('OU=JavaSoft,O=Sun Microsystems,C=US');
  });

  test('no applicable rule refuses the name', () => {
    expect(() => new SslPrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/').principalName('CN=x,OU=Other')).toThrow(/No rules apply to CN=x,OU=Other/);
  });

  test('a malformed rule list is an error at start-up', () => {
    expect(() => new SslPrincipalMapper('RULE:^CN=(.*?)/$1/X')).toThrow(/invalid rule/);
  });
});
