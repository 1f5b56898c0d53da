// `pnpm --filter @marquee/gateway run print-config`: the gateway's environment variables as a Markdown table.
import { describeConfig } from '@marquee/platform-config';
import { gatewayConfigSchema } from '../config';

process.stdout.write(`${describeConfig(gatewayConfigSchema)}\n`);
