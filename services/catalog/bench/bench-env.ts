export { migrationsFolder } from '../src/open-catalog';
