// The Sentinel port's TLS files: read at start with a size bound and parsed, so a missing or bad PEM is a config error, not a failed start.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { readBounded } from './bounded-read.js';
import type { ParsedAgentFile } from './schema.js';

type ParsedSentinel = ParsedAgentFile['sentinel'];
type ParsedSentinelTls = NonNullable<ParsedSentinel['tls']>;

/** `sentinel.tls` with the PEM texts in place of their paths. */
export interface SentinelTlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  readonly authClients: ParsedSentinelTls['authClients'];
  readonly minVersion?: ParsedSentinelTls['minVersion'];
}

export interface SentinelSection extends Omit<ParsedSentinel, 'tls'> {
  readonly tls?: SentinelTlsFiles;
}

/** A PEM file, like the local nodes' (a CA bundle may hold many certificates). */
const MAX_PEM_BYTES = 1_048_576;
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** The section with its TLS files read and checked; each problem is pushed to `errors`. */
export function resolveSentinel(sentinel: ParsedSentinel, errors: string[]): SentinelSection {
  const { tls, ...rest } = sentinel;
  // The schema already refused tls without tlsPort, cert or key; nothing to read then.
  if (tls === undefined || tls.cert === undefined || tls.key === undefined) return rest;
  const before = errors.length;
  const cert = readPem(tls.cert, 'sentinel.tls.cert', errors, certificatesError);
  const key = readPem(tls.key, 'sentinel.tls.key', errors, keyError);
  const ca = tls.ca === undefined ? undefined : readPem(tls.ca, 'sentinel.tls.ca', errors, certificatesError);
  if (errors.length > before || cert === undefined || key === undefined) return rest;
  try {
    createSecureContext({ cert, key, ...(ca === undefined ? {} : { ca }) });
  } catch (error) {
    errors.push(`sentinel.tls.key: ${tls.key} does not go with ${tls.cert}: ${messageOf(error)}`);
    return rest;
  }
  return {
    ...rest,
    tls: {
      cert,
      key,
      ...(ca === undefined ? {} : { ca }),
      authClients: tls.authClients,
      ...(tls.minVersion === undefined ? {} : { minVersion: tls.minVersion }),
    },
  };
}

function readPem(
  path: string,
  what: string,
  errors: string[],
  check: (text: string) => string | null,
): string | undefined {
  const read = readBounded(path, MAX_PEM_BYTES);
  if ('error' in read) {
    errors.push(`${what}: ${path} ${read.error}`);
    return undefined;
  }
  const problem = check(read.text);
  if (problem !== null) {
    errors.push(`${what}: ${path} ${problem}`);
    return undefined;
  }
  return read.text;
}

/** Why the text is not one or more PEM certificates (OpenSSL would skip junk in a CA file silently). */
function certificatesError(text: string): string | null {
  const blocks = text.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      return `holds a certificate that cannot be parsed (number ${i + 1}): ${messageOf(error)}`;
    }
  }
  return null;
}

function keyError(text: string): string | null {
  try {
    createPrivateKey(text);
    return null;
  } catch (error) {
    return `is not a usable PEM private key (an unencrypted one is needed): ${messageOf(error)}`;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
