import { Type } from '@marquee/platform-config';
import { CommandFailed, intFlag, runCli, UsageError } from '@marquee/platform-service/cli';

const PROTOCOLS = ['random', 'last', 'both'];

await runCli({
  name: 'recommendation evaluate',
  summary:
    "Runs most-popular, trending, item-kNN, EASE, content-based, sequence neighbours and the hybrid default (EASE over history pieces, its user-based twin, sequence, content, trending) on MovieLens ratings under RecBole's 80/10/10 per-user random split (full ranking, tuned on validation) and leave-last-out by timestamp; prints NDCG@10, Recall@10, Precision@10, HR@10, MRR@10, coverage and training time as Markdown.",
  positionals: [
    {
      name: 'ratings',
      required: true,
      description: 'ratings file or folder: ml-latest-small ratings.csv, ml-100k u.data or ml-1m ratings.dat',
    },
  ],
  options: {
    seed: { type: 'string', value: 'N', description: 'seed of the random split (default 2020)' },
    protocol: { type: 'string', value: 'random|last|both', description: 'which protocols to run (default both)' },
  },
  notes: ['Progress goes to stderr. Exit 66 when the ratings cannot be read.'],
  config: Type.Object({}),
  async run({ args, positionals }) {
    const seed = intFlag('seed', args.seed, { min: 0, max: 2 ** 31 - 1 }) ?? 2020;
    const protocol = args.protocol ?? 'both';
    if (!PROTOCOLS.includes(protocol))
      throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}, got "${protocol}"`);
    const [{ evaluateAll }, { readMovieLens }, { renderReport }, { leaveLastOut, randomSplit }] = await Promise.all([
      import('../evaluation/evaluate'),
      import('../evaluation/movielens'),
      import('../evaluation/report'),
      import('../evaluation/split'),
    ]);
    let data: ReturnType<typeof readMovieLens>;
    try {
      data = readMovieLens(positionals[0] as string);
    } catch (err) {
      throw new CommandFailed((err as Error).message, 66);
    }
    const log = (line: string) => process.stderr.write(`${line}\n`);
    log(
      `${data.path}: ${data.format}, ${data.users} users, ${data.items} items, ${data.user.length} ratings, seed ${seed}`,
    );
    const sections = [];
    if (protocol !== 'last')
      sections.push({
        protocol: 'random 80/10/10 per user (RecBole)',
        results: evaluateAll(data, randomSplit(data, seed), log),
      });
    if (protocol !== 'random')
      sections.push({ protocol: 'leave-last-out by timestamp', results: evaluateAll(data, leaveLastOut(data), log) });
    process.stdout.write(renderReport(data, seed, sections));
  },
});
