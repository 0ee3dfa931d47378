// Agent WebSockets at the voter: the upgrade, tags and attachments, frames in, messages out, auto-response times.
import { errorNotice } from '../core/messages.js';
import type { VoterInput } from '../core/types.js';
import {
  AgentIdSchema,
  decodeAgentMessage,
  describeIssues,
  LEASE_PING,
  LEASE_PONG,
  type VoterMessage,
} from '../protocol/index.js';
import { refuseAgentMessage } from './agent-gate.js';
import type { Booted } from './booted.js';
import { describeFailure, type RpcFailure, type VoterAddress, type VoterErrorCode } from './contract.js';
import type { MutableCounters } from './counters.js';
import { type Attachment, AttachmentSchema } from './schemas.js';

/** Headers of an agent's WebSocket upgrade, set by the Worker after it authenticated the agent. */
export const GROUP_HEADER = 'x-edge-sentinel-group';
export const VOTER_HEADER = 'x-edge-sentinel-voter';
export const AGENT_HEADER = 'x-edge-sentinel-agent';

export const agentTag = (agentId: string) => `agent:${agentId}`;

export function attachmentOf(ws: WebSocket): Attachment | null {
  const parsed = AttachmentSchema.safeParse(ws.deserializeAttachment());
  return parsed.success ? parsed.data : null;
}

export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** The upgrade's trusted headers, or the error answer (426 without an upgrade, 400 without an agent id). */
export function parseUpgrade(
  request: Request,
): { ok: true; address: VoterAddress; agentId: string } | { ok: false; response: Response } {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    return {
      ok: false,
      response: jsonError(426, 'upgrade_required', 'agents connect with a WebSocket upgrade'),
    };
  }
  const group = request.headers.get(GROUP_HEADER) ?? '';
  const index = Number(request.headers.get(VOTER_HEADER) ?? 'x');
  const agent = AgentIdSchema.safeParse(request.headers.get(AGENT_HEADER));
  if (!agent.success) {
    return {
      ok: false,
      response: jsonError(400, 'bad_request', `${AGENT_HEADER}: ${describeIssues(agent.error)}`),
    };
  }
  return { ok: true, address: { group, index }, agentId: agent.data };
}

/** A refusal (contract.ts) as the upgrade's JSON answer; the message keeps its `code: ` prefix. */
export function upgradeRefusal(failure: RpcFailure): Response {
  return jsonError(refusalStatus(failure.code), failure.code, describeFailure(failure));
}

function refusalStatus(code: VoterErrorCode): number {
  switch (code) {
    case 'bad_config':
      return 500;
    case 'bad_request':
      return 400;
    case 'wrong_voter':
      return 409;
    case 'unknown_voter':
      return 404;
    case 'unavailable':
      return 503;
  }
}

/**
 * Accepts the agent's socket as hibernatable, tagged by agent; a second connection from the same
 * agent replaces the first. Returns the client end for the 101 answer.
 */
export function acceptAgentSocket(ctx: DurableObjectState, agentId: string): WebSocket {
  for (const old of ctx.getWebSockets(agentTag(agentId))) {
    try {
      old.close(4000, 'replaced by a newer connection');
    } catch {
      // Already closing.
    }
  }
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  ctx.acceptWebSocket(server, [agentTag(agentId)]);
  server.serializeAttachment({ agentId, connId: crypto.randomUUID() } satisfies Attachment);
  return client;
}

/**
 * One frame from an agent, checked at the boundary: the core's input, or null when the frame
 * was answered here (a lease ping that reached the object, or a refusal sent as an error notice).
 */
export function agentInput(
  me: Booted,
  ws: WebSocket,
  attachment: Attachment,
  frame: string | ArrayBuffer,
  counters: MutableCounters,
): VoterInput | null {
  const refuse = (why: string) => {
    ws.send(JSON.stringify(errorNotice(me.entry.name, me.index, why)));
    counters.wsMessagesOut += 1;
    return null;
  };
  if (typeof frame !== 'string') return refuse('binary messages are not accepted');
  if (frame === LEASE_PING) {
    // Normally answered by the runtime; answered here too in case it reaches the object.
    ws.send(LEASE_PONG);
    return null;
  }
  const decoded = decodeAgentMessage(frame);
  if (!decoded.ok) return refuse(decoded.error);
  const refusal = refuseAgentMessage(me.state, attachment.agentId, decoded.message);
  if (refusal !== null) return refuse(refusal);
  return { kind: 'agent-message', agentId: attachment.agentId, message: decoded.message };
}

/** The close of a connection that a newer one replaced is not a disconnect. */
export function replacedByNewer(ctx: DurableObjectState, attachment: Attachment): boolean {
  return ctx
    .getWebSockets(agentTag(attachment.agentId))
    .some(
      (other) => other.readyState === WebSocket.OPEN && attachmentOf(other)?.connId !== attachment.connId,
    );
}

/** The agents whose sockets are open now (a wake-up from hibernation keeps them). */
export function liveAgents(ctx: DurableObjectState): Set<string> {
  const live = new Set<string>();
  for (const ws of ctx.getWebSockets()) {
    const attachment = attachmentOf(ws);
    if (attachment !== null) live.add(attachment.agentId);
  }
  return live;
}

/** Per agent, the last lease ping the runtime answered on its own (it never woke the object). */
export function autoResponseTimes(ctx: DurableObjectState): Record<string, number> {
  const times: Record<string, number> = {};
  for (const ws of ctx.getWebSockets()) {
    const attachment = attachmentOf(ws);
    const at = ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime();
    if (attachment === null || at === undefined) continue;
    times[attachment.agentId] = Math.max(times[attachment.agentId] ?? 0, at);
  }
  return times;
}

export function sendToAgent(
  ctx: DurableObjectState,
  counters: MutableCounters,
  agentId: string,
  message: VoterMessage,
): void {
  const text = JSON.stringify(message);
  for (const ws of ctx.getWebSockets(agentTag(agentId))) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    try {
      ws.send(text);
      counters.wsMessagesOut += 1;
    } catch (error) {
      console.warn(`voter: send to agent ${agentId} failed: ${String(error)}`);
    }
  }
}
