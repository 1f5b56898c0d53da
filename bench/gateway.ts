// `pnpm bench gateway`: the gateway's overhead over calling a service directly (see services/gateway/bench).
// `pnpm bench gateway --tracing`: the same route through the gateway with tracing off beside tracing on.
// `pnpm bench gateway --tracing-breakdown`: what each OpenTelemetry instrumentation costs, one left out at a time.
import {
  runGatewayBench,
  runGatewayTracingBench,
  runGatewayTracingBreakdown,
  stopBenchProcesses,
} from '../services/gateway/bench/gateway-bench';
import { loadMeasure, writeJsonResult, writeResult } from './machine';
import { withZipkin, zipkinPid } from './zipkin';

try {
  if (process.argv.includes('--tracing-breakdown')) {
    const { table, measures } = await withZipkin((url) => runGatewayTracingBreakdown(url));
    process.stdout.write(`${table}\n`);
    const name = `gateway-tracing-breakdown-${process.env.OTEL_TRACES_SAMPLER_ARG === '1' ? 'all' : 'tenth'}`;
    process.stdout.write(`written to ${writeResult(name, table)} and ${writeJsonResult(name, measures)}\n`);
  } else if (process.argv.includes('--tracing')) {
    const { table, ratios } = await withZipkin((url) => runGatewayTracingBench(url, zipkinPid()));
    process.stdout.write(`${table}\n`);
    process.stdout.write(`written to ${writeResult('gateway-tracing', table)}\n`);
    const json = writeJsonResult('gateway-tracing', [
      ...ratios.map((r) => ({
        name: `gateway throughput, ${r.label} / off`,
        value: Number((r.ratio * 100).toFixed(1)),
        unit: '%',
        target: '>= 90',
        met: r.ratio >= 0.9,
      })),
      ...ratios.map((r) => ({
        name: `gateway throughput, ${r.label} / off, median of the rounds' ratios`,
        value: Number((r.roundRatio * 100).toFixed(1)),
        unit: '%',
        target: null,
        met: null,
      })),
      ...ratios.map((r) => ({
        name: `auth + gateway CPU per request, ${r.label} / off (medians)`,
        value: Number((r.cpuRatio * 100).toFixed(1)),
        unit: '%',
        target: null,
        met: null,
      })),
      ...ratios.map((r) => ({
        name: `auth + gateway CPU per request, off / ${r.label} (the instrumentation's own cost as a throughput ratio)`,
        value: Number(((1 / r.cpuRatio) * 100).toFixed(1)),
        unit: '%',
        target: '>= 90',
        met: 1 / r.cpuRatio >= 0.9,
      })),
      ...ratios.map((r) => ({
        name: `Zipkin server CPU per request, ${r.label} (median)`,
        value: Math.round(r.zipkinCpu),
        unit: 'µs',
        target: null,
        met: null,
      })),
      loadMeasure('at the end'),
    ]);
    process.stdout.write(`written to ${json}\n`);
  } else {
    const { table, measures } = await runGatewayBench();
    process.stdout.write(`${table}\n`);
    process.stdout.write(`written to ${writeResult('gateway', table)} and ${writeJsonResult('gateway', measures)}\n`);
  }
} finally {
  await stopBenchProcesses();
}
