// `pnpm bench interactions`: sustained interaction ingest, direct and through the gateway, with every consumer of
// interaction.v1 running; the write batcher beside one commit per request (see services/interaction/bench).
import { writeFileSync } from 'node:fs';
import { interruptedBy, stopAll } from '../services/interaction/bench/bench-processes';
import { runIngestBench } from '../services/interaction/bench/ingest-bench';
import { writeResult } from './machine';

try {
  const { markdown, metrics } = await runIngestBench();
  process.stdout.write(`${markdown}\n`);
  const file = writeResult('interactions', markdown);
  writeFileSync(file.replace(/\.md$/, '.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  process.stdout.write(`written to ${file} and its .json\n`);
} catch (err) {
  // A signal stops the services and drops the databases under the running bench, which then fails: that says nothing.
  if (!interruptedBy()) {
    process.stderr.write(`bench interactions: ${(err as Error).message}\n`);
    process.stderr.write(
      'it needs PostgreSQL, Kafka, Redis and NATS at the URLs it reads (deploy/local/infra.sh start brings them up on this machine)\n',
    );
    process.exitCode = 1;
  }
} finally {
  await stopAll();
}
