import { type Static, Type } from '@marquee/platform-config';
import { roleConfig, serviceConfig } from '@marquee/platform-service/config';

/** Keys the import reads (the service at start, and the import CLI). */
export const importConfig = {
  MARQUEE_DATA_DIR: Type.String({
    default: '',
    description:
      'Folder with movielens-small/ and tmdb-metadata/; empty means <repo>/../shared/datasets when it exists, else download MovieLens.',
  }),
  CATALOG_IMPORT_ON_EMPTY: Type.Boolean({
    default: true,
    description:
      'At start, import the data set until one import has finished (an import cut off halfway is completed).',
  }),
  CATALOG_IMPORT_BATCH_SIZE: Type.Integer({
    minimum: 1,
    maximum: 5000,
    default: 1000,
    description: 'Movies upserted (and outbox rows written) per transaction during import.',
  }),
  MOVIELENS_URL: Type.String({
    default: 'https://files.grouplens.org/datasets/movielens/ml-latest-small.zip',
    description: 'Where to download ml-latest-small when no data directory exists.',
  }),
  MOVIELENS_ZIP_SHA256: Type.String({
    default: '',
    pattern: '^([0-9a-f]{64})?$',
    description:
      'sha256 the downloaded zip must have (empty: not checked); the CSVs inside are always checked against the published per-file sha256.',
  }),
  CATALOG_DOWNLOAD_DIR: Type.String({
    default: '',
    description: 'Where a downloaded data set is unpacked; empty means <os tmp>/marquee-datasets.',
  }),
};

export const catalogConfigSchema = Type.Object({
  ...serviceConfig,
  ...roleConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002, description: 'HTTP port of the catalog API.' }),
  AUTH_JWKS_URL: Type.String({
    default: 'http://127.0.0.1:3001/.well-known/jwks.json',
    description: "Auth service's JWKS; admin routes verify bearer tokens against it.",
  }),
  ...importConfig,
  CACHE_TTL_SECONDS: Type.Integer({
    minimum: 1,
    default: 300,
    description: 'Redis TTL of cached movie details, first list pages and the genre list.',
  }),
  CACHE_KEY_PREFIX: Type.String({
    default: 'catalog:',
    description: 'Prefix of every Redis key the catalog caches under.',
  }),
  CACHE_LOCAL_TTL_MS: Type.Integer({
    minimum: 0,
    default: 2000,
    description: 'In-process cache TTL in front of Redis (0 turns it off); cleared by NATS invalidations.',
  }),
  CACHE_LOCAL_MAX_ENTRIES: Type.Integer({
    minimum: 1,
    default: 5000,
    description: 'Most entries the in-process cache holds; the least recently used go first.',
  }),
  TMDB_API_KEY: Type.String({
    default: '',
    description:
      'TMDb v3 API key (api_key query) or v4 read token (Bearer, when it contains dots); empty disables TMDb sync.',
  }),
  TMDB_BASE_URL: Type.String({ default: 'https://api.themoviedb.org', description: 'TMDb API base URL.' }),
  OMDB_API_KEY: Type.String({ default: '', description: 'OMDb API key; empty disables OMDb ratings sync.' }),
  OMDB_BASE_URL: Type.String({ default: 'https://www.omdbapi.com', description: 'OMDb API base URL.' }),
});

export type CatalogConfig = Static<typeof catalogConfigSchema>;
