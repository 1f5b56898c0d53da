import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeConfig } from '@marquee/platform-config';
import { repoRoot } from '@marquee/platform-testing';
import { describe, expect, it } from 'vitest';
import { notificationConfigSchema } from '../src/config';

describe('notification README', () => {
  it('When the config schema changes, then the README table shows every variable as it is', () => {
    const readme = readFileSync(path.join(repoRoot, 'services/notification/README.md'), 'utf8');
    const cells = (md: string) => md.replace(/ *\| */g, '|').replace(/\|-+(?=\|)/g, '|-');
    expect(cells(readme)).toContain(cells(describeConfig(notificationConfigSchema)));
  });
});
