import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeConfig } from '@marquee/platform-config';
import { repoRoot } from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';
import { analyticsSchema } from '../src/config';

describe('analytics README', () => {
  it('When the config schema changes, then the README table shows every variable as it is', () => {
    const readme = readFileSync(path.join(repoRoot, 'services/analytics/README.md'), 'utf8');
    // The formatter pads table cells; compare cell contents, not spacing.
    const cells = (md: string) => md.replace(/ *\| */g, '|').replace(/\|-+(?=\|)/g, '|-');
    expect(cells(readme)).toContain(cells(describeConfig(analyticsSchema)));
  });
});
