/**
 * The SASL mechanisms one listener offers, built from Kafka's settings:
 *
 *   listener.name.<l>.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256      (or sasl.enabled.mechanisms)
 *   listener.name.<l>.plain.sasl.jaas.config=...PlainLoginModule required user_alice="...";
 *   listener.name.<l>.oauthbearer.sasl.jaas.config=...OAuthBearerLoginModule required unsecuredValidator...;
 *   [listener.name.<l>.<mechanism>.]connections.max.reauth.ms=...
 *
 * PLAIN needs its JAAS entry (that is where its users are); SCRAM reads the
 * credential store; OAUTHBEARER validates unsecured JWS tokens (Kafka's
 * default when no server callback handler is configured). GSSAPI (Kerberos)
 * and custom callback handlers are refused at start-up with a reason.
 */
import type { BrokerConfig } from '../../config/broker-config';
import type { ScramCredentialStore } from '../scram/credential-store';
import { scramMechanismByName } from '../scram/scram-mechanism';
import { parseSingleJaasEntry } from './jaas-config';
import { OAUTHBEARER, OAuthBearerSaslServer, UnsecuredValidatorOptions, unsecuredValidatorOptions } from './oauthbearer';
import { PLAIN, PlainSaslServer, PlainUsers, plainUsersFromJaas } from './plain';
import type { SaslServer } from './sasl-server';
import { ScramSaslServer } from './scram';

export interface ListenerSaslMechanisms {
  /** In the order configured; SaslHandshake answers with this list. */
  readonly enabled: readonly string[];
  /** A fresh server for one exchange; `mechanism` must be one of `enabled`. */
  create(mechanism: string, reauthenticating: boolean): SaslServer;
  /** connections.max.reauth.ms for this mechanism on this listener; 0 = sessions never expire. */
  maxReauthMs(mechanism: string): number;
}

const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const UNSECURED_VALIDATOR = 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler';

export function listenerSaslMechanisms(
  config: BrokerConfig,
  listener: string,
  credentials: ScramCredentialStore,
  now: () => number,
): ListenerSaslMechanisms {
  const enabled = (config.listenerSetting(listener, 'sasl.enabled.mechanisms') as readonly string[] | null) ?? [];
  if (enabled.length === 0) throw new Error(`listener ${listener}: sasl.enabled.mechanisms is empty`);
  const where = (mech: string, key: string) => `listener.name.${listener.toLowerCase()}.${mech.toLowerCase()}.${key}`;
  let plainUsers: PlainUsers | null = null;
  let oauth: UnsecuredValidatorOptions | null = null;

  for (const mech of enabled) {
    const handler = config.listenerSetting(listener, 'sasl.server.callback.handler.class', mech);
    if (typeof handler === 'string' && handler !== '' && !(mech === OAUTHBEARER && handler === UNSECURED_VALIDATOR)) {
      throw new Error(`listener ${listener}: ${where(mech, 'sasl.server.callback.handler.class')}=${handler} is not supported (Weir has no pluggable callback handlers)`);
    }
    const jaasText = config.listenerSetting(listener, 'sasl.jaas.config', mech);
    const jaas = typeof jaasText === 'string' ? parseSingleJaasEntry(jaasText, where(mech, 'sasl.jaas.config')) : null;
    if (mech === PLAIN) {
      if (!jaas) {
        throw new Error(`listener ${listener} enables SASL/PLAIN but ${where(mech, 'sasl.jaas.config')} is not set: its ${PLAIN_LOGIN_MODULE} entry lists the users (user_<name>="<password>")`);
      }
      if (jaas.loginModule !== PLAIN_LOGIN_MODULE) throw new Error(`${where(mech, 'sasl.jaas.config')}: expected ${PLAIN_LOGIN_MODULE}, got ${jaas.loginModule}`);
      plainUsers = plainUsersFromJaas(jaas.options);
    } else if (mech === OAUTHBEARER) {
      oauth = unsecuredValidatorOptions(jaas?.options ?? new Map());
    } else if (scramMechanismByName(mech) === undefined) {
      throw new Error(
        mech === 'GSSAPI'
          ? `listener ${listener}: SASL mechanism GSSAPI (Kerberos) is not supported by Weir; set sasl.enabled.mechanisms to PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER (Kafka's default is GSSAPI)`
          : `listener ${listener}: unknown SASL mechanism ${mech} in sasl.enabled.mechanisms (one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER)`,
      );
    }
  }

  return {
    enabled,
    create(mechanism, reauthenticating) {
      if (mechanism === PLAIN && plainUsers) return new PlainSaslServer(plainUsers, reauthenticating);
      if (mechanism === OAUTHBEARER && oauth) return new OAuthBearerSaslServer(oauth, now, reauthenticating);
      const scram = scramMechanismByName(mechanism);
      if (scram && enabled.includes(mechanism)) return new ScramSaslServer(scram, credentials, reauthenticating);
      throw new Error(`SASL mechanism ${mechanism} is not enabled on listener ${listener}`);
    },
    maxReauthMs(mechanism) {
      const v = config.listenerSetting(listener, 'connections.max.reauth.ms', mechanism);
      return typeof v === 'number' ? v : 0;
    },
  };
}
