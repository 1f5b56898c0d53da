import { evaluateAll } from '../evaluation/evaluate';
import { readMovieLens } from '../evaluation/movielens';
import { renderReport } from '../evaluation/report';
import { leaveLastOut, randomSplit } from '../evaluation/split';

const HELP = `usage: pnpm --filter @marquee/recommendation evaluate <ratings file or folder> [--seed N] [--protocol random|last|both]

Reads MovieLens ratings in their published formats (ml-latest-small ratings.csv, ml-100k u.data,
ml-1m ratings.dat; recognised from the content), runs most-popular, trending, item-kNN, EASE,
content-based and the hybrid default under RecBole's 80/10/10 per-user random split (full ranking,
tuned on validation) and leave-last-out by timestamp, and prints NDCG@10, Recall@10, Precision@10,
HR@10, MRR@10, coverage and training time as Markdown. Default seed 2020.`;

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${HELP}\n`);
  process.exit(args.length === 0 ? 64 : 0);
}
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const seed = Number(option('--seed') ?? 2020);
const protocol = option('--protocol') ?? 'both';
const path = args.find((a, k) => !a.startsWith('--') && !args[k - 1]?.startsWith('--'));
if (!path || !Number.isInteger(seed) || !['random', 'last', 'both'].includes(protocol)) {
  process.stderr.write(`${HELP}\n`);
  process.exit(64);
}
let data: ReturnType<typeof readMovieLens>;
try {
  data = readMovieLens(path);
} catch (err) {
  process.stderr.write(`evaluate: ${(err as Error).message}\n`);
  process.exit(66);
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
