import type { AlgorithmResult } from './evaluate';
import type { RatingsData } from './movielens';

const f4 = (x: number) => x.toFixed(4);

/** One Markdown table per protocol, test metrics of each algorithm at its validation-chosen parameters. */
export function renderReport(
  data: RatingsData,
  seed: number,
  sections: Array<{ protocol: string; results: AlgorithmResult[] }>,
): string {
  const lines = [
    `Data: \`${data.path}\` (${data.format}): ${data.users} users, ${data.items} items, ${data.user.length} ratings. Seed ${seed}.`,
    '',
  ];
  for (const { protocol, results } of sections) {
    lines.push(`### ${protocol}`, '');
    lines.push(
      '| algorithm | chosen on validation | val NDCG@10 | NDCG@10 | Recall@10 | Precision@10 | HR@10 | MRR@10 | coverage | train s |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of results)
      lines.push(
        `| ${r.name} | ${r.params} | ${f4(r.validation.ndcg)} | ${f4(r.test.ndcg)} | ${f4(r.test.recall)} | ${f4(r.test.precision)} | ${f4(r.test.hitRate)} | ${f4(r.test.mrr)} | ${f4(r.test.coverage)} | ${r.trainSeconds.toFixed(1)} |`,
      );
    const hybrid = results.find((r) => r.name.startsWith('hybrid'));
    const ease = results.find((r) => r.name.startsWith('ease'));
    const popular = results.find((r) => r.name === 'most_popular');
    if (hybrid && ease && popular)
      lines.push(
        '',
        `Hybrid / EASE test NDCG@10: ${(hybrid.test.ndcg / ease.test.ndcg).toFixed(3)}x; hybrid / most-popular: ${(hybrid.test.ndcg / popular.test.ndcg).toFixed(2)}x.`,
      );
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
