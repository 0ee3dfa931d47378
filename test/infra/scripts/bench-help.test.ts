// `npm run bench -- --help`: every option, and the measured duration of --quick (100 s here, about 116 s in CI), not "about 2 minutes".
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../bench/cli.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('npm run bench --help', () => {
  it.each([['--help'], ['-h']])('%s lists every option with what --quick costs, exit 0', async (flag) => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    expect(await main([flag])).toBe(0);
    const text = out.join('\n');
    for (const option of ['--quick', '--out <dir>', '-h, --help']) expect(text).toContain(option);
    expect(text).toContain('about 100-120 s');
    expect(text).not.toContain('about 2 minutes');
  });

  it('an unknown option is one line plus the usage, exit 2', async () => {
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
    expect(await main(['--bogus'])).toBe(2);
    expect(err.join('\n')).toMatch(/^bench: Unknown option '--bogus'.*\n\nusage: npm run bench/);
  });
});
