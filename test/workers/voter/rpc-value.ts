// A voter's RPC answer in tests: its value, or its refusal (contract.ts `RpcResult`).
import { describeFailure, type RpcFailure } from '../../../workers/voter/contract.js';

/** `RpcResult` as a stub delivers it (the runtime's stubs add their own members to each side). */
type Answer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: RpcFailure };

/** The value of an answer; a refusal fails the test with its `code: message`. */
export async function rpcValue<T>(answer: Promise<Answer<T>>): Promise<T> {
  const result = await answer;
  if (!result.ok) throw new Error(`the voter refused: ${describeFailure(result.error)}`);
  return result.value;
}

/** The refusal of an answer as `code: message`, or "no refusal" when it has a value. */
export async function refusalOf(answer: Promise<Answer<unknown>>): Promise<string> {
  const result = await answer;
  return result.ok ? 'no refusal' : describeFailure(result.error);
}
