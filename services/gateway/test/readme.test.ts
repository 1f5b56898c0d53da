import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeConfig } from '@marquee/platform-config';
import { repoRoot } from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from '../src/config';

describe('gateway README', () => {
  it('When the config schema changes, then the README table and the config command show every variable as it is', async () => {
    const table = describeConfig(gatewayConfigSchema);
    const readme = readFileSync(path.join(repoRoot, 'services/gateway/README.md'), 'utf8');
    // The formatter pads table cells; compare cell contents, not spacing.
    const cells = (md: string) => md.replace(/ *\| */g, '|').replace(/\|-+(?=\|)/g, '|-');
    expect(cells(readme)).toContain(cells(table));
    const { stdout } = await promisify(execFile)(
      'pnpm',
      ['--silent', '--filter', '@marquee/gateway', 'run', 'print-config'],
      { cwd: repoRoot },
    );
    expect(stdout.trim()).toBe(table);
  });
});
