// INFO text parsed once for every group that receives the same reply (a shared INFO call answers them all with one string).
import { type InfoResult, type NodeInfo, parseNodeInfo } from '../core/index.js';

export type ParseInfo = (text: string, agent: { readonly fenced: boolean }) => InfoResult<NodeInfo>;

/**
 * The groups sharing a node's INFO call get the very same string, one after another; this keeps the
 * last parse per fence flag (the only input besides the text). The parse is pure and its result is
 * never mutated, so handing the same NodeInfo to several group cores is safe.
 */
export function memoizedInfoParser(parse: ParseInfo = parseNodeInfo): ParseInfo {
  const last = new Map<boolean, { readonly text: string; readonly result: InfoResult<NodeInfo> }>();
  return (text, agent) => {
    const hit = last.get(agent.fenced);
    if (hit !== undefined && hit.text === text) return hit.result;
    const result = parse(text, agent);
    last.set(agent.fenced, { text, result });
    return result;
  };
}
