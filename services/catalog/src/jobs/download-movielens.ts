import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';

/** sha256 of the files inside GroupLens' ml-latest-small.zip (as bundled unmodified in shared/datasets). */
export const MOVIELENS_SMALL_SHA256: Readonly<Record<string, string>> = {
  'links.csv': '97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31',
  'movies.csv': '5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07',
  'ratings.csv': 'aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646',
  'tags.csv': '92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d',
};

export class DatasetDownloadError extends Error {
  readonly code = 'DATASET.DOWNLOAD_FAILED';
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Downloads ml-latest-small, verifies it (the zip's sha256 when one is configured, and always each CSV
 * against the published per-file sha256) and unpacks it to <targetDir>/movielens-small. Nothing is
 * written unless every check passes.
 */
export async function downloadMovielens(opts: {
  url: string;
  zipSha256?: string;
  targetDir: string;
  timeoutMs?: number;
}): Promise<string> {
  let res: Response;
  try {
    res = await fetch(opts.url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000) });
  } catch (err) {
    // fetch says only "fetch failed"; why (a name that does not resolve, a refused connection) is in its cause.
    const cause = (err as Error).cause as Error | undefined;
    const why = cause?.message ? `${(err as Error).message} (${cause.message})` : (err as Error).message;
    throw new DatasetDownloadError(`could not download ${opts.url}: ${why}`, { cause: err });
  }
  if (!res.ok) throw new DatasetDownloadError(`download of ${opts.url} answered ${res.status}`);
  const zip = new Uint8Array(await res.arrayBuffer());
  if (opts.zipSha256 && sha256(zip) !== opts.zipSha256) {
    throw new DatasetDownloadError(`sha256 of ${opts.url} is ${sha256(zip)}, expected ${opts.zipSha256}`);
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      filter: (f) => /(^|\/)(links|movies|ratings|tags)\.csv$|(^|\/)README\.txt$/.test(f.name),
    });
  } catch (err) {
    throw new DatasetDownloadError(`${opts.url} is not a readable zip: ${(err as Error).message}`);
  }
  const files = new Map(Object.entries(entries).map(([name, data]) => [path.posix.basename(name), data]));
  for (const [name, expected] of Object.entries(MOVIELENS_SMALL_SHA256)) {
    const data = files.get(name);
    if (!data) throw new DatasetDownloadError(`${opts.url} has no ${name}`);
    const actual = sha256(data);
    if (actual !== expected)
      throw new DatasetDownloadError(`${name} in ${opts.url} has sha256 ${actual}, expected ${expected}`);
  }
  const out = path.join(opts.targetDir, 'movielens-small');
  const staging = `${out}.partial-${process.pid}`;
  await mkdir(staging, { recursive: true });
  for (const [name, data] of files) await writeFile(path.join(staging, name), data);
  await mkdir(opts.targetDir, { recursive: true });
  await rm(out, { recursive: true, force: true });
  await rename(staging, out);
  return opts.targetDir;
}
