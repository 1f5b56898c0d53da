/**
 * The Docker engine as the tests use it: testcontainers loaded lazily (with Ryuk off and ports on loopback),
 * the locally built images, and removing or stopping/starting a container by id for fault tests.
 */
// Before testcontainers is loaded (it is imported lazily below): no Ryuk (it can't be pulled here)
// and published ports are reached on loopback, where dockerd --ip=127.0.0.1 binds them.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

export type InfraService = 'postgres' | 'redis' | 'nats' | 'kafka';

/** Image tag used for every service; MARQUEE_IMAGE_TAG=<hash12> pins an exact build. */
export function image(name: InfraService): string {
  return `marquee/${name}:${process.env.MARQUEE_IMAGE_TAG ?? 'local'}`;
}

export const STARTUP_TIMEOUT_MS = Number(process.env.MARQUEE_CONTAINER_STARTUP_TIMEOUT_MS ?? 120_000);

export async function tc() {
  return import('testcontainers');
}

export async function dockerode() {
  const { getContainerRuntimeClient } = await tc();
  return (await getContainerRuntimeClient()).container.dockerode;
}

export async function removeQuietly(id: string) {
  try {
    await (await dockerode()).getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

export async function removeByName(name: string) {
  const docker = await dockerode();
  const list = await docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } });
  for (const c of list) await removeQuietly(c.Id);
}

/**
 * For fault tests: stop (SIGTERM, then SIGKILL after 10 s), kill (SIGKILL), start or restart a
 * container by id. Host ports are fixed, so a service comes back on the same address; this does not
 * wait for readiness (use waitUntilReady).
 */
export async function controlContainer(id: string, action: 'stop' | 'kill' | 'start' | 'restart'): Promise<void> {
  const c = (await dockerode()).getContainer(id);
  try {
    switch (action) {
      case 'stop':
        await c.stop({ t: 10 });
        break;
      case 'kill':
        await c.kill({ signal: 'SIGKILL' });
        break;
      case 'start':
        await c.start();
        break;
      case 'restart':
        await c.restart({ t: 10 });
        break;
    }
  } catch (err) {
    // 304: already stopped / already started; 409 on kill: not running. All mean "already there".
    const code = (err as { statusCode?: number }).statusCode;
    if (code === 304 || (action === 'kill' && code === 409)) return;
    throw err;
  }
}
