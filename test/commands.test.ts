/**
 * Every command a user runs (services/<name>/src/cli/*.ts that call runCli) answers --help with its usage
 * and does nothing else (it runs with no environment at all, where any real work would fail), and exits 64
 * naming an unknown flag. A new command is covered by being in a service's cli folder.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const commands = readdirSync(path.join(root, 'services')).flatMap((service) => {
  const dir = path.join(root, 'services', service, 'src/cli');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && readFileSync(path.join(dir, f), 'utf8').includes('await runCli('))
    .map((f) => ({ service, name: f.replace(/\.ts$/, ''), file: path.join(dir, f) }));
});

function run(file: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

describe('commands', () => {
  it('When the services are read, then their commands are found', () => {
    expect(commands.map((c) => `${c.service} ${c.name}`)).toEqual(
      expect.arrayContaining(['auth create-admin', 'auth reencrypt', 'catalog import', 'catalog sync']),
    );
  });

  it.each(commands.map((c) => [`${c.service} ${c.name}`, c.file]))(
    'When %s is given --help, then it prints its usage and exits 0 doing nothing else; given an unknown flag, it exits 64 naming it',
    { timeout: 120_000 },
    async (label, file) => {
      const help = await run(file, ['--help']);
      expect(help.code, help.err).toBe(0);
      expect(help.out.startsWith(`usage: ${label}`)).toBe(true);
      expect(help.out).toContain('--help');
      expect(help.err).toBe('');
      const wrong = await run(file, ['--no-such-flag']);
      expect(wrong.code).toBe(64);
      expect(wrong.err).toContain("'--no-such-flag'");
      expect(wrong.out).toBe('');
    },
  );
});
