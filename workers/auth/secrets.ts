// Reading the Worker's secrets: a missing or weak secret is a configuration error (500 bad_config).
import { badConfig } from '../api/errors.js';
import type { Env } from '../env.js';
import { MIN_SECRET_LENGTH } from './bearer.js';

export type SecretName = 'AGENT_SECRET' | 'ADMIN_TOKEN' | 'READ_TOKEN';

/** The secret's value, or undefined when it is not set; a set but unusable value is bad_config. */
export function optionalSecret(env: Env, name: SecretName): string | undefined {
  const value: unknown = env[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badConfig(`${name} must be a string secret`);
  if (value.length < MIN_SECRET_LENGTH) {
    throw badConfig(`${name} is shorter than ${MIN_SECRET_LENGTH} characters: set a random value`);
  }
  return value;
}

export function requiredSecret(env: Env, name: SecretName): string {
  const value = optionalSecret(env, name);
  if (value === undefined) throw badConfig(`${name} is not set: run "npx wrangler secret put ${name}"`);
  return value;
}
