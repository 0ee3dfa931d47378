// Loads the agent file: YAML -> environment overrides -> zod -> secrets read from files; errors name field and line.
import { hostname } from 'node:os';
import { LineCounter, parseDocument } from 'yaml';
import { AgentIdSchema, parseNodeId } from '../../workers/protocol/index.js';
import { MIN_PEER_SECRET_CHARS } from '../runtime/peer-protocol.js';
import { readAclFile } from '../sentinel/acl/acl-file.js';
import { COMMANDS } from '../sentinel/commands/index.js';
import { readBounded } from './bounded-read.js';
import { duplicateKeys } from './duplicate-keys.js';
import { applyEnvOverrides } from './env.js';
import { describeIssues } from './issue-lines.js';
import { MAX_NESTING, tooDeep } from './nesting.js';
import {
  AgentFileSchema,
  nodeOf,
  type ParsedAgentFile,
  type ParsedGroupSection,
  type TlsFile,
} from './schema.js';
import { resolveSentinel, type SentinelSection } from './sentinel-tls.js';

export interface TlsOptions {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

export interface AgentAddress {
  readonly host: string;
  readonly port: number;
}

export interface GroupSection extends Omit<ParsedGroupSection, 'token' | 'tokenFile' | 'local' | 'nodes'> {
  readonly token: string;
  /** The other nodes, by announce address. */
  readonly nodes: readonly string[];
  /** Where each other node's agent receives failsafe datagrams. */
  readonly agents: Readonly<Record<string, AgentAddress>>;
  readonly local: Omit<ParsedGroupSection['local'], 'password' | 'passwordFile' | 'tls'> & {
    readonly password?: string;
    /** Where the password was read from: read again on SIGHUP (absent: inline, or from the environment). */
    readonly passwordFile?: string;
    readonly tls?: TlsOptions;
  };
}

export interface AgentFile
  extends Omit<ParsedAgentFile, 'agentId' | 'groups' | 'coordinator' | 'failsafe' | 'sentinel'> {
  readonly agentId: string;
  /** `tls` holds the PEM texts, read at start. */
  readonly sentinel: SentinelSection;
  /** The failsafe endpoint; `secret` is set when any group has the failsafe on. */
  readonly failsafe: { readonly host: string; readonly port: number; readonly secret?: string };
  readonly coordinator: { readonly url: string; readonly adminToken?: string };
  readonly groups: readonly GroupSection[];
  /** Where the file came from, for logs. */
  readonly source: string;
}

export type LoadResult =
  | { readonly ok: true; readonly config: AgentFile }
  | { readonly ok: false; readonly errors: readonly string[] };

type Env = Readonly<Record<string, string | undefined>>;

const MAX_FILE_BYTES = 1_048_576;
/** A token or password file: far more than any secret, far less than a mistake. */
const MAX_SECRET_BYTES = 65_536;
/** A PEM file (a CA bundle may hold many certificates). */
const MAX_PEM_BYTES = 1_048_576;
/** YAML aliases expanded when building the object: a few anchors are useful, a billion laughs is not. */
const MAX_ALIAS_COUNT = 50;

export function loadAgentConfig(path: string, env: Env = process.env): LoadResult {
  const read = readBounded(path, MAX_FILE_BYTES);
  if ('error' in read) return { ok: false, errors: [`${path}: ${read.error}`] };
  return parseAgentConfig(read.text, path, env);
}

/** Parse and validate file text; `source` names the file in messages. */
export function parseAgentConfig(text: string, source: string, env: Env = process.env): LoadResult {
  if (text.length > MAX_FILE_BYTES)
    return { ok: false, errors: [`${source}: larger than ${MAX_FILE_BYTES} bytes`] };
  const deep = tooDeep(text);
  if (deep !== null) {
    const line = text.slice(0, deep.offset).split('\n').length;
    const col = deep.offset - text.lastIndexOf('\n', deep.offset - 1);
    return {
      ok: false,
      errors: [
        `${source}:${line}:${col}: YAML: nested deeper than ${MAX_NESTING} levels (an agent file needs fewer than 10)`,
      ],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.slice(0, 5).map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return `${source}:${pos.line}:${pos.col}: YAML: ${e.message.split('\n')[0]}`;
      }),
    };
  }
  const duplicates = duplicateKeys(doc);
  if (duplicates.length > 0) {
    return {
      ok: false,
      errors: duplicates.map((d) => {
        const pos = lineCounter.linePos(d.offset);
        return `${source}:${pos.line}:${pos.col}: YAML: duplicate key ${JSON.stringify(d.key)} (a key may appear once per mapping)`;
      }),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // An alias bomb: yaml refuses past maxAliasCount expansions.
    return { ok: false, errors: [`${source}: YAML: ${errorText(error)}`] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      errors: [`${source}:1: the file must be a YAML mapping (agentId:, coordinator:, groups: ...)`],
    };
  }
  const { sources } = applyEnvOverrides(raw as Record<string, unknown>, env);
  const parsed = AgentFileSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, errors: describeIssues(parsed.error, doc, lineCounter, source, sources) };
  }
  return resolve(parsed.data, source);
}

function readSecret(path: string, what: string, errors: string[]): string | undefined {
  const read = readBounded(path, MAX_SECRET_BYTES);
  if ('error' in read) {
    errors.push(`${what}: ${path} ${read.error}`);
    return undefined;
  }
  const value = read.text.trim();
  if (value === '') errors.push(`${what}: ${path} is empty`);
  return value;
}

/** A secret file read again at run time (SIGHUP): its trimmed text, or why it cannot be used. */
export function rereadSecretFile(
  path: string,
  what: string,
): { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string } {
  const errors: string[] = [];
  const value = readSecret(path, what, errors);
  const error = errors[0];
  if (error !== undefined || value === undefined) return { ok: false, error: error ?? `${what}: unreadable` };
  return { ok: true, value };
}

function readPem(path: string | undefined, what: string, errors: string[]): string | undefined {
  if (path === undefined) return undefined;
  const read = readBounded(path, MAX_PEM_BYTES);
  if ('error' in read) {
    errors.push(`${what}: ${path} ${read.error}`);
    return undefined;
  }
  return read.text;
}

function resolveTls(tls: TlsFile | undefined, where: string, errors: string[]): TlsOptions | undefined {
  if (tls === undefined) return undefined;
  const out: { -readonly [K in keyof TlsOptions]: TlsOptions[K] } = {
    rejectUnauthorized: tls.rejectUnauthorized,
  };
  const ca = readPem(tls.ca, `${where}.ca`, errors);
  const cert = readPem(tls.cert, `${where}.cert`, errors);
  const key = readPem(tls.key, `${where}.key`, errors);
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  if (tls.servername !== undefined) out.servername = tls.servername;
  return out;
}

/** The Sentinel port's ACL file is read again at start; checking it here lets check-config say what is wrong. */
function checkAclFile(sentinel: ParsedAgentFile['sentinel'], errors: string[]): void {
  if (sentinel.aclFile === undefined) return;
  const read = readAclFile(sentinel.aclFile, COMMANDS, sentinel.password ?? null);
  if ('error' in read) errors.push(`sentinel.aclFile: ${read.error}`);
}

/** Secrets from files, the default agent id; file problems are reported like field problems. */
function resolve(file: ParsedAgentFile, source: string): LoadResult {
  const errors: string[] = [];
  const agentId = file.agentId ?? defaultAgentId(errors);
  const defaultToken =
    file.coordinator.token ??
    (file.coordinator.tokenFile === undefined
      ? undefined
      : readSecret(file.coordinator.tokenFile, 'coordinator.tokenFile', errors));
  const adminToken =
    file.coordinator.adminToken ??
    (file.coordinator.adminTokenFile === undefined
      ? undefined
      : readSecret(file.coordinator.adminTokenFile, 'coordinator.adminTokenFile', errors));
  const failsafeSecret =
    file.failsafe.secret ??
    (file.failsafe.secretFile === undefined
      ? undefined
      : readSecret(file.failsafe.secretFile, 'failsafe.secretFile', errors));
  if (failsafeSecret !== undefined && failsafeSecret.length < MIN_PEER_SECRET_CHARS) {
    errors.push(`failsafe.secretFile: the secret must be at least ${MIN_PEER_SECRET_CHARS} characters`);
  }
  const groups = file.groups.map((group, i) => resolveGroup(file, group, i, defaultToken, errors));
  const sentinel = resolveSentinel(file.sentinel, errors);
  checkAclFile(file.sentinel, errors);
  if (errors.length > 0) return { ok: false, errors: errors.map((e) => `${source}: ${e}`) };
  const { coordinator, agentId: _a, groups: _g, failsafe, sentinel: _s, ...rest } = file;
  return {
    ok: true,
    config: {
      ...rest,
      failsafe: {
        host: failsafe.host,
        port: failsafe.port,
        ...(failsafeSecret === undefined ? {} : { secret: failsafeSecret }),
      },
      agentId,
      sentinel,
      coordinator: {
        url: coordinator.url.replace(/\/+$/, ''),
        ...(adminToken === undefined ? {} : { adminToken }),
      },
      groups,
      source,
    },
  };
}

/** One group: its token and local password from files, its TLS files, where each node's agent listens. */
function resolveGroup(
  file: ParsedAgentFile,
  group: ParsedGroupSection,
  i: number,
  defaultToken: string | undefined,
  errors: string[],
): GroupSection {
  const { token: _t, tokenFile, local, nodes: entries, ...rest } = group;
  const agents = peerAgents(file, group, i, errors);
  const token =
    group.token ??
    (tokenFile === undefined ? undefined : readSecret(tokenFile, `groups.${i}.tokenFile`, errors)) ??
    defaultToken ??
    '';
  const { password: _p, passwordFile, tls, ...localRest } = local;
  const password =
    local.password ??
    (passwordFile === undefined
      ? undefined
      : readSecret(passwordFile, `groups.${i}.local.passwordFile`, errors));
  const resolvedTls = resolveTls(tls, `groups.${i}.local.tls`, errors);
  return {
    ...rest,
    token,
    nodes: entries.map(nodeOf),
    agents,
    local: {
      ...localRest,
      ...(password === undefined ? {} : { password }),
      ...(passwordFile === undefined ? {} : { passwordFile }),
      ...(resolvedTls === undefined ? {} : { tls: resolvedTls }),
    },
  };
}

/**
 * Where each other node's agent receives failsafe datagrams: its `agent` address, else the node's
 * host on this agent's failsafe port. With the failsafe on, an address that is this agent's own,
 * or shared by two nodes, is an error.
 */
function peerAgents(
  file: ParsedAgentFile,
  group: ParsedGroupSection,
  i: number,
  errors: string[],
): Record<string, AgentAddress> {
  const agents: Record<string, AgentAddress> = {};
  const seen = new Map<string, string>();
  for (const entry of group.nodes) {
    const node = nodeOf(entry);
    const agent =
      typeof entry === 'string' || entry.agent === undefined ? undefined : parseNodeId(entry.agent);
    const address = agent ?? { host: parseNodeId(node).host, port: file.failsafe.port };
    agents[node] = address;
    if (!group.failsafe) continue;
    // Datagrams to one's own endpoint, or one agent standing for two nodes: the failsafe would
    // count a grant that no other node's agent gave.
    const key = `${address.host}:${address.port}`;
    if (isOwnEndpoint(address, file.failsafe)) {
      errors.push(
        `groups.${i}.nodes: the agent of ${node} would be at ${key}, this agent's own failsafe endpoint: give the node's agent address ({ node, agent })`,
      );
    }
    const other = seen.get(key);
    if (other !== undefined) {
      errors.push(
        `groups.${i}.nodes: ${other} and ${node} both have their agent at ${key}: give each node's agent address`,
      );
    }
    seen.set(key, node);
  }
  return agents;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

/** Whether `address` is this agent's own failsafe endpoint, as far as the file can tell. */
function isOwnEndpoint(address: AgentAddress, own: { host: string; port: number }): boolean {
  if (address.port !== own.port) return false;
  if (address.host === own.host) return true;
  const wildcard = own.host === '0.0.0.0' || own.host === '::';
  return LOOPBACK.test(address.host) && (wildcard || LOOPBACK.test(own.host));
}

function defaultAgentId(errors: string[]): string {
  const name = hostname();
  const parsed = AgentIdSchema.safeParse(name);
  if (!parsed.success) {
    errors.push(
      `agentId: not set and the hostname ${JSON.stringify(name)} is not a valid agent id; set agentId`,
    );
    return '';
  }
  return parsed.data;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
