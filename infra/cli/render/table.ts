// Tables on a terminal (cli-table3), without colours: output is often piped or pasted into tickets.
import Table from 'cli-table3';

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const t = new Table({ head: [...head], style: { head: [], border: [], compact: true } });
  for (const row of rows) t.push([...row]);
  return t.toString();
}
