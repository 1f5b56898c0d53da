// Loaded before a service's own modules: `node --import @marquee/platform-runtime/register --import @marquee/platform-tracing/register src/main.ts`
// (./marquee, the images' CMD, the tests). Tracing is off unless OTEL_TRACES_EXPORTER names an exporter
// (zipkin or otlp): then, and only then, the OpenTelemetry SDK is loaded, so an untraced process pays
// for this one file and nothing else.
const exporter = (process.env.OTEL_TRACES_EXPORTER ?? '').trim();
if (exporter !== '' && exporter !== 'none') {
  await import('./sdk.mjs');
}
