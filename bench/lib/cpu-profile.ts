// What a BENCH_PROFILE run's V8 CPU profiles (node --cpu-prof) say, printed by the benches that write them: each
// process's busy time and the functions it spent it in (self time), so a run shows where the CPU went without
// loading the files into DevTools.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a .cpuprofile this reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  /** µs since the previous sample, one per sample. */
  timeDeltas: number[];
}

export interface SelfTime {
  /** `function file:line`, the file as its last two path segments; V8's own entries keep their names ("(garbage collector)"). */
  name: string;
  ms: number;
  /** Of the busy time (everything but "(idle)"). */
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  top: SelfTime[];
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return fn;
  return `${fn} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
}

/** Self time per function (samples are attributed to the node they stopped in), the `top` largest first. */
export function summarizeProfile(profile: CpuProfile, top: number): ProfileSummary {
  const nameOf = new Map(profile.nodes.map((n) => [n.id, frameName(n.callFrame)]));
  const byName = new Map<string, number>();
  profile.samples.forEach((id, k) => {
    const name = nameOf.get(id) ?? '(unknown)';
    byName.set(name, (byName.get(name) ?? 0) + (profile.timeDeltas[k] ?? 0));
  });
  const idleUs = byName.get('(idle)') ?? 0;
  byName.delete('(idle)');
  const busyUs = [...byName.values()].reduce((s, t) => s + t, 0);
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    top: [...byName]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 })),
  };
}

/** A main thread's profile (Node names them CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is main). */
const MAIN_THREAD = /^CPU\.\d+\.\d+\.(\d+)\.0\.\d+\.cpuprofile$/;

/**
 * Every process's main-thread profile under `dir` (one folder per process, as the benches write them), summarised as
 * plain text: a heading per process with its busy and idle seconds, then its `top` functions by self time.
 */
export function summarizeProfiles(dir: string, top = 12): string {
  const lines: string[] = [];
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const folder of folders) {
    for (const file of readdirSync(path.join(dir, folder)).sort()) {
      const pid = MAIN_THREAD.exec(file)?.[1];
      if (!pid) continue;
      const profile = JSON.parse(readFileSync(path.join(dir, folder, file), 'utf8')) as CpuProfile;
      const s = summarizeProfile(profile, top);
      lines.push(
        `${folder} (pid ${pid}): busy ${(s.busyMs / 1000).toFixed(1)} s, idle ${(s.idleMs / 1000).toFixed(1)} s`,
      );
      for (const t of s.top)
        lines.push(
          `  ${(100 * t.share).toFixed(1).padStart(5)} %  ${(t.ms / 1000).toFixed(2).padStart(7)} s  ${t.name}`,
        );
    }
  }
  return lines.length > 0 ? lines.join('\n') : `no main-thread CPU profiles under ${dir}`;
}

/** BENCH_PROFILE=<dir>: the benches that start services as processes have each write a V8 CPU profile there. */
const PROFILE_DIR = process.env.BENCH_PROFILE;

/** node's arguments for a process profiled into <BENCH_PROFILE>/<folder> (one folder per process), none without it. */
export function cpuProfileArgs(folder: string): string[] {
  return PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROFILE_DIR, folder)}`] : [];
}

/** Once the profiled processes have exited (node writes a profile on exit): their summaries, on stdout. */
export function printProfileSummaries(): void {
  if (PROFILE_DIR) process.stdout.write(`\nCPU profiles in ${PROFILE_DIR}:\n${summarizeProfiles(PROFILE_DIR)}\n`);
}
