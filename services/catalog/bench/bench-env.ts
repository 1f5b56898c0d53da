export { migrationsFolder } from '../src/db/open-catalog-database';
