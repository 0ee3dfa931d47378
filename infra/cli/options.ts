// Option parsers: a bad value is a usage error (exit 2) that names the option and the allowed range.
import { InvalidArgumentError } from '@commander-js/extra-typings';
import { NodeIdSchema } from '../../workers/protocol/index.js';

export function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d{1,16}$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} takes a whole number from ${min} to ${max}`);
    }
    return Number(value);
  };
}

/** A node as the voters name it: "host:port". */
export function nodeOption(value: string): string {
  const parsed = NodeIdSchema.safeParse(value);
  if (!parsed.success)
    throw new InvalidArgumentError(`expected a node as host:port (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}
