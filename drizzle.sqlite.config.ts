import { defineConfig } from 'drizzle-kit';

export default defineConfig({ dialect: 'sqlite', schema: './adapters/db/schema.sqlite.ts', out: './adapters/db/migrations/sqlite' });
