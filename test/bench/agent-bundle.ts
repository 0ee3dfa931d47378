// The agent as one ESM file built by esbuild (already in node_modules for tsx and wrangler), to compare with running it through tsx.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Bundles agent/cli.ts with an entry that does what infra/agent/edge-sentinel-agent.mjs does
 * without tsx. CommonJS dependencies (ioredis, pino) call require() for Node built-ins, which an
 * ESM bundle lacks, hence the createRequire banner.
 */
export async function buildAgentBundle(root: string, outDir: string): Promise<string> {
  const { build } = await import('esbuild');
  const entry = join(outDir, 'agent-entry.ts');
  const outfile = join(outDir, 'agent-bundle.mjs');
  writeFileSync(
    entry,
    `import { main } from ${JSON.stringify(join(root, 'agent', 'cli.ts'))};\n` +
      'process.exit(await main(process.argv.slice(2), process.env));\n',
  );
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    absWorkingDir: root,
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return outfile;
}
