// `pnpm bench gateway`: the gateway's overhead over calling a service directly (see services/gateway/bench).
import { runGatewayBench, stopBenchProcesses } from '../services/gateway/bench/gateway-bench';
import { writeJsonResult, writeResult } from './machine';

try {
  const { table, measures } = await runGatewayBench();
  process.stdout.write(`${table}\n`);
  process.stdout.write(`written to ${writeResult('gateway', table)} and ${writeJsonResult('gateway', measures)}\n`);
} finally {
  await stopBenchProcesses();
}
