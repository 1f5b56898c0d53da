import { spawn } from 'node:child_process';

/**
 * A process of its own that only sleeps 1 ms at a time for `seconds` and notes each wake-up that came over 20 ms
 * late. It asks for the highest priority (nice -20; allowed to root): a wake-up that late at that priority was not
 * held up by anything the bench runs but by the machine itself (a virtual machine whose CPUs the host stops for a
 * while). On 2-vCPU Firecracker hosts, keeping both vCPUs busy drew stalls of about 100 ms every few seconds (none
 * with 1.6 of them busy), each one longer than the latency target: a run's tail is read beside this count.
 * Without the privilege it runs at nice 0 and says so (its stalls then include the bench's own load).
 */
const PROBE = `
const os = require('node:os');
let niced = true;
try { os.setPriority(-20); } catch { niced = false; }
const end = performance.now() + Number(process.argv[1]) * 1000;
const late = [];
let prev = performance.now();
const tick = () => {
  const now = performance.now();
  if (now - prev - 1 > 20) late.push(Math.round(now - prev - 1));
  prev = now;
  if (now < end) setTimeout(tick, 1);
  else process.stdout.write(JSON.stringify({ niced, late }));
};
setTimeout(tick, 1);
`;

export interface Stalls {
  /** Whether it ran at nice -20 (else at nice 0, competing with the bench's load). */
  niced: boolean;
  /** How late each wake-up over 20 ms late was, ms. */
  late: number[];
}

/** Starts the probe for `seconds`: its pid, and its stalls once it has run them (undefined if it failed). */
export function startStallProbe(seconds: number): { pid: number | undefined; stalls: Promise<Stalls | undefined> } {
  const child = spawn(process.execPath, ['-e', PROBE, String(seconds)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  const stalls = new Promise<Stalls | undefined>((resolve) => {
    child.once('error', () => resolve(undefined));
    child.once('close', () => {
      try {
        resolve(JSON.parse(out) as Stalls);
      } catch {
        resolve(undefined);
      }
    });
  });
  return { pid: child.pid, stalls };
}

/** "N > 50 ms (max M)" for a report cell; "–" when the probe failed. */
export function stallCell(s: Stalls | undefined): string {
  if (!s) return '–';
  const over50 = s.late.filter((ms) => ms > 50).length;
  return `${over50} (max ${s.late.length ? Math.max(...s.late) : '< 20'})${s.niced ? '' : ', at nice 0'}`;
}
