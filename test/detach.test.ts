/** deploy/local/detach.sh, which every local daemon (dockerd, Kafka, NATS, Prometheus, Zipkin) is started through. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../deploy/local/detach.sh');
const lock = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-detach-')), 'held.lock');

describe('deploy/local/detach.sh', () => {
  it('when a caller holding a lock and a pipe starts a daemon, then the daemon holds neither, keeps its pid and leads its own session', () => {
    // The caller holds a lock file on 7 (as `flock` around .ci/run held it) and a pipe on 8, starts the daemon in
    // the background and prints the pid it got.
    const pid = Number(
      execFileSync(
        'bash',
        [
          '-c',
          `exec 7>"$1"; exec 8< <(sleep 30 2>/dev/null); "$2" sleep 30 </dev/null >/dev/null 2>&1 & echo $!`,
          'x',
          lock,
          script,
        ],
        { encoding: 'utf8' },
      ).trim(),
    );
    try {
      // Until bash has exec'd setsid and setsid the command, the process is still the script.
      const comm = () => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      for (let i = 0; i < 100 && comm() !== 'sleep'; i++) execFileSync('sleep', ['0.02']);
      expect(comm()).toBe('sleep');
      const fds = readdirSync(`/proc/${pid}/fd`).map(Number);
      expect(fds.sort()).toEqual([0, 1, 2]);
      expect(readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`))).not.toContain(lock);
      // Field 6 of /proc/<pid>/stat is the session id: a session of its own is one the daemon leads.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
      expect(session).toBe(pid);
    } finally {
      process.kill(pid);
    }
  });
});
