// The printed table and report.md, rendered from the results (pure).
import type { BenchResults, VoterUsage } from './results.js';
import { SYSTEM_LABEL } from './results.js';
import { type Goal, goals, type SummaryRow, summaryRows, type Unit } from './summary.js';

export function formatValue(value: number | null, unit: Unit): string {
  if (value === null || !Number.isFinite(value)) return '–';
  switch (unit) {
    case 'ms':
      return `${Math.round(value)} ms`;
    case 'writes':
    case 'runs':
      return String(Math.round(value));
    case 'MB':
      return `${value.toFixed(1)} MB`;
    case '%':
      return `${value.toFixed(2)} %`;
    case 'req/s':
      return `${Math.round(value)}/s`;
    case '$':
      if (value === 0) return '$0';
      return value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
  }
}

export const formatRatio = (ratio: number | null) => (ratio === null ? '–' : ratio.toFixed(2));

const HEADER = ['measurement', SYSTEM_LABEL.ours, SYSTEM_LABEL.sentinel, 'ours/Sentinel'] as const;

/** Fixed-width text: a section title, then its rows indented. */
export function renderTable(rows: readonly SummaryRow[]): string {
  const cells = rows.map((r) => [
    `  ${r.measurement}`,
    formatValue(r.ours, r.unit),
    formatValue(r.sentinel, r.unit),
    formatRatio(r.ratio),
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    c.map((text, i) => (i === 0 ? text.padEnd(widths[i] ?? 0) : text.padStart(widths[i] ?? 0))).join('  ');
  const out = [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  ')];
  let section = '';
  rows.forEach((r, i) => {
    if (r.section !== section) {
      section = r.section;
      out.push(section);
    }
    out.push(line(cells[i] ?? []));
  });
  return out.join('\n');
}

export function renderMarkdownTable(rows: readonly SummaryRow[]): string {
  const out = [`| ${HEADER.join(' | ')} |`, '| --- | ---: | ---: | ---: |'];
  let section = '';
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      out.push(`| **${section}** | | | |`);
    }
    out.push(
      `| ${r.measurement} | ${formatValue(r.ours, r.unit)} | ${formatValue(r.sentinel, r.unit)} | ${formatRatio(r.ratio)} |`,
    );
  }
  return out.join('\n');
}

export function renderGoals(list: readonly Goal[]): string {
  return list
    .map((g) => `- ${g.met === null ? 'not measured' : g.met ? 'met' : 'missed'}: ${g.goal} — ${g.value}`)
    .join('\n');
}

export function machineLine(r: BenchResults): string {
  const m = r.machine;
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, ${m.redis}`;
}

/** report.md: what ran, the summary table, the goals, the plots, then every run. */
export function renderReport(r: BenchResults, plots: readonly string[]): string {
  const rows = summaryRows(r);
  const parts = [
    `# edge-sentinel vs Redis Sentinel — ${r.startedAt}`,
    '',
    `Command: \`${r.command}\` (${Math.round(r.wallMs / 1000)} s wall).  `,
    `Machine: ${machineLine(r)}.`,
    '',
    'Both systems run side by side on the same machine, each with three redis-servers started with the same',
    'flags, every node behind a TCP fault proxy, the same down-after; their runs are interleaved (ours,',
    'Sentinel, ours, ...) so machine noise falls on both. Absolute times on a shared machine are noise;',
    'read the ratios (ours / Sentinel: below 1 is better for times, losses and footprint, above 1 for throughput).',
    '',
    renderMarkdownTable(rows),
    '',
    '## Goals',
    '',
    renderGoals(goals(r)),
    '',
  ];
  if (r.skipped.length > 0)
    parts.push('## Not measured in this run', '', ...r.skipped.map((s) => `- ${s}`), '');
  if (r.errors.length > 0) parts.push('## Errors', '', ...r.errors.map((s) => `- ${s}`), '');
  if (plots.length > 0) parts.push('## Plots', '', ...plots.map((p) => `![${p}](${p})`), '');
  parts.push(
    '## Failover runs',
    '',
    '| system | down-after | run | old → new | visible | all endpoints | first write | lost | flapped | client errors / error |',
  );
  parts.push('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |');
  for (const x of r.failover) {
    parts.push(
      `| ${SYSTEM_LABEL[x.system]} | ${x.downAfterMs} | ${x.run} | ${x.oldMaster} → ${x.newMaster ?? '–'} | ` +
        `${formatValue(x.visibleMs, 'ms')} | ${formatValue(x.allEndpointsMs, 'ms')} | ${formatValue(x.firstWriteMs, 'ms')} | ${x.lost} | ${x.flapped ? 'yes' : ''} | ${[...x.writeErrors, x.error ?? ''].join('; ').replace(/\|/g, '/')} |`,
    );
  }
  if (r.outage.length > 0) {
    parts.push(
      '',
      '## Coordinator outage runs',
      '',
      'Every agent cut from the voters (ours) in one window; Sentinel has no coordinator and ran its writer alongside.',
      '',
      '| system | scenario | outage | acknowledged during it | refused | first refusal after the cut | longest pause | writes resumed after the restore | master before → after | client errors / error |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    );
    for (const x of r.outage) {
      parts.push(
        `| ${SYSTEM_LABEL[x.system]} | ${x.scenario} | ${Math.round(x.outageMs / 1000)} s | ${x.acked} | ${x.refused} | ` +
          `${formatValue(x.firstRefusalMs, 'ms')} | ${formatValue(x.longestPauseMs, 'ms')} | ${formatValue(x.resumedAfterRestoreMs, 'ms')} | ` +
          `${x.masterBefore} → ${x.masterAfter ?? '–'} | ${[...x.writeErrors, ...(x.error === null ? [] : [x.error])].join('; ').replace(/\|/g, '/')} |`,
      );
    }
  }
  if (r.cost?.ok) {
    const c = r.cost;
    parts.push('', '## Cost model', '');
    parts.push(
      `Counters summed over the group's ${c.idle?.voters ?? 3} voters, our own status reads taken out. Idle window ` +
        `${Math.round((c.idle?.windowMs ?? 0) / 1000)} s: ${usageText(c.idle)}. One failover (kill, promotion, ` +
        `the old master back as a replica, settled; ${Math.round((c.failover?.windowMs ?? 0) / 1000)} s): ${usageText(c.failover)}. ` +
        `One HTTP master read costs ${c.doRequestsPerMasterRead?.toFixed(1)} Durable Object requests. Duration is an ` +
        'upper bound (1 voter-second per wake-up; lease pings are WebSocket auto-responses: free, and they do not wake a voter). ' +
        `Prices: test/bench/prices.ts. The plan's $5/month and its included usage are per account; ` +
        `${c.groupsInIncluded === null ? 'idle groups use none of it' : `about ${c.groupsInIncluded} groups like this one fit in it`}.`,
      '',
      '| item | units per group-month | $ |',
      '| --- | ---: | ---: |',
      ...c.monthly.map(
        (l) => `| ${l.item} | ${l.units.toFixed(1)} ${l.unit} | ${formatValue(l.dollars, '$')} |`,
      ),
    );
  }
  parts.push('', 'Full data: `results.json`.', '');
  return parts.join('\n');
}

function usageText(u: VoterUsage | null): string {
  if (u === null) return 'not measured';
  return (
    `${u.requests} requests, ${u.rpcCalls} RPC calls, ${u.wsMessagesIn} WebSocket messages in ` +
    `(${u.wsMessagesOut} out), ${u.alarms} alarms, ${u.rowsWritten} rows written`
  );
}

/** What `npm run bench` prints at the end. */
export function renderConsole(r: BenchResults): string {
  const lines = [renderTable(summaryRows(r)), '', 'goals:', renderGoals(goals(r))];
  if (r.skipped.length > 0) lines.push('', 'not measured:', ...r.skipped.map((s) => `- ${s}`));
  return lines.join('\n');
}
