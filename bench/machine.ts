import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  // The 2 cores are shared: the load says how much of them a run had.
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}, load average ${load} (1 / 5 / 15 min)`;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** Writes bench/results/<name>-<date>.md with the machine and date, and returns its path. */
export function writeResult(name: string, body: string): string {
  const date = new Date().toISOString().slice(0, 10);
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', `${name}-${date}.md`);
  writeFileSync(
    file,
    `# ${name} benchmark, ${new Date().toISOString()}\n\nMachine: ${machineDescription()}\n\n${body}\n`,
  );
  return file;
}

export interface Measure {
  name: string;
  value: number;
  unit: string;
  target: string | null;
  met: boolean | null;
}

/** The machine's 1-minute load average (now, unless given) as a JSON measure: the 2 cores are shared. */
export function loadMeasure(when: string, value: number = os.loadavg()[0] as number): Measure {
  return { name: `machine load average (1 min) ${when}`, value, unit: 'load', target: null, met: null };
}

/** Writes bench/results/<name>-<date>.json (the measures behind the Markdown, for tools), and returns its path. */
export function writeJsonResult(name: string, measures: Measure[]): string {
  const date = new Date().toISOString().slice(0, 10);
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', `${name}-${date}.json`);
  writeFileSync(file, `${JSON.stringify(measures, null, 2)}\n`);
  return file;
}

/** CPU time (user + system, ms) process pid has used so far, from /proc; NaN when it cannot be read. */
export function processCpuMs(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}
