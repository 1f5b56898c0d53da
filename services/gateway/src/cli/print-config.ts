import { describeConfig, Type } from '@marquee/platform-config';
import { runCli } from '@marquee/platform-service/cli';
import { gatewayConfigSchema } from '../config';

await runCli({
  name: 'gateway print-config',
  summary: "Prints the gateway's environment variables as a Markdown table (the README's).",
  config: Type.Object({}),
  async run() {
    process.stdout.write(`${describeConfig(gatewayConfigSchema)}\n`);
  },
});
