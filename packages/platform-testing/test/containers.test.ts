/**
 * Starts the four infrastructure containers from the locally built marquee/* images and uses each
 * for real; kills Kafka, starts it again and shows it still serves on the same address; then
 * removes everything and checks that no container of the run is left.
 *
 * Needs a Docker engine and the images: deploy/local/docker-engine.sh start && deploy/images/build.sh
 * Without an engine every test here fails, naming what to start (never skipped).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InfraContainers, startInfraContainers } from '../src/containers';
import { createTopicsWithLeaders } from '../src/kafka-topics';
import { controlContainer } from '../src/docker';
import { listTestContainers, sweepLeftoverContainers } from '../src/ownership';
import { loadPg, waitUntilReady } from '../src/readiness';

function engineAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

describe('infrastructure containers', () => {
  const runId = `ct${Date.now().toString(36)}`;
  let infra: InfraContainers | undefined;
  const started = (): InfraContainers => {
    if (!infra) throw new Error('containers did not start');
    return infra;
  };

  beforeAll(async () => {
    if (!engineAnswers()) {
      throw new Error('no Docker engine answers: run deploy/local/docker-engine.sh start (as root) or install Docker');
    }
    const t0 = Date.now();
    infra = await startInfraContainers({ label: runId });
    process.stderr.write(`containers ready in ${Date.now() - t0} ms: ${JSON.stringify(infra.containers)}\n`);
  }, 240_000);

  afterAll(async () => {
    await infra?.stop();
  }, 60_000);

  it('serves SQL on PostgreSQL', async () => {
    const pg = await loadPg();
    const client = new pg.Client({ connectionString: started().postgresAdminUrl });
    await client.connect();
    try {
      await client.query('CREATE TABLE t (id int primary key, name text)');
      await client.query("INSERT INTO t VALUES (1, 'marquee')");
      const { rows } = await client.query('SELECT name, current_setting($1) AS v FROM t', ['server_version_num']);
      expect(rows[0]?.name).toBe('marquee');
      expect(Number(rows[0]?.v)).toBeGreaterThanOrEqual(150000);
    } finally {
      await client.end();
    }
  });

  it('stores and reads a key in Redis', async () => {
    const { Redis } = await import('ioredis');
    const r = new Redis(started().redisUrl);
    try {
      await r.set('marquee:k', 'v1', 'EX', 60);
      expect(await r.get('marquee:k')).toBe('v1');
    } finally {
      r.disconnect();
    }
  });

  it('delivers a NATS message and has JetStream', async () => {
    const { connect, StringCodec } = await import('nats');
    const nc = await connect({ servers: started().natsUrl });
    try {
      const sc = StringCodec();
      const sub = nc.subscribe('live.user.42', { max: 1 });
      const got = (async () => {
        for await (const m of sub) return sc.decode(m.data);
      })();
      nc.publish('live.user.42', sc.encode('hello'));
      expect(await got).toBe('hello');
      const jsm = await nc.jetstreamManager();
      const info = await jsm.getAccountInfo();
      expect(info.streams).toBeGreaterThanOrEqual(0);
    } finally {
      await nc.close();
    }
  });

  async function roundTrip(brokers: string[], topic: string, value: string): Promise<string> {
    const { default: kafkajs } = await import('kafkajs');
    const kafka = new kafkajs.Kafka({ clientId: 'containers-test', brokers, logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsWithLeaders(admin, [topic]);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `g-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    try {
      return await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message on ${topic} within 30 s`)), 30_000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              clearTimeout(timer);
              resolve(message.value?.toString() ?? '');
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  }

  it('produces and consumes on Kafka, survives a kill + start on the same address', async () => {
    const brokers = started().kafkaBrokers;
    expect(await roundTrip(brokers, `t-before-${randomUUID()}`, 'before')).toBe('before');

    const t0 = Date.now();
    await controlContainer(started().containers.kafka.id, 'kill');
    await controlContainer(started().containers.kafka.id, 'start');
    await waitUntilReady('kafka', brokers);
    process.stderr.write(`kafka back after kill+start in ${Date.now() - t0} ms on ${brokers.join(',')}\n`);

    expect(await roundTrip(brokers, `t-after-${randomUUID()}`, 'after')).toBe('after');
  }, 120_000);

  it('removes every container of the run on stop, and sweeps nothing that is alive', async () => {
    const ours = Object.values(started().containers).map((c) => c.name);
    const swept = await sweepLeftoverContainers(); // may remove other crashed runs' containers
    expect(swept.filter((n) => ours.includes(n))).toEqual([]); // never ours: this process is alive
    expect((await listTestContainers(runId)).length).toBe(4);
    await infra?.stop();
    expect(await listTestContainers(runId)).toEqual([]);
  }, 60_000);
});
