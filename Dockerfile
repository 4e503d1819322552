# syntax=docker/dockerfile:1
# Node 22 LTS (Node 20 reached its end of life in April 2026). Debian bookworm, slim.
ARG NODE_IMAGE=node:22-bookworm-slim

# Toolchain for the native addons (better-sqlite3, argon2) and the package files only: the
# dependency layers below are rebuilt when package.json or package-lock.json change, not on
# every source edit.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

# Every dependency, for the build (esbuild, TypeScript sources of the console). --ignore-scripts
# skips the project's own `prepare` (it needs the sources); `npm rebuild` then runs the
# dependencies' install scripts (native addons).
FROM toolchain AS deps
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild

# Production dependencies only: what the runtime image gets. better-sqlite3 compiles SQLite from
# source: its sources and object files (about 25 MB) are not needed once the addon is built.
FROM toolchain AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm rebuild \
 && npm cache clean --force \
 && cd node_modules/better-sqlite3 \
 && rm -rf deps src build/Release/obj build/Release/obj.target build/Release/.deps build/Release/sqlite3.a build/Release/test_extension.node

# The bundles: console/dist (preact + chart.js) and dist/ (the server).
FROM deps AS build
COPY . .
RUN npm run build

# Runtime: the bundles, production dependencies, configuration, flows and migrations; no
# compilers, no sources, no tests, no docs, no tsx or esbuild. A non-root user, data on a volume.
FROM ${NODE_IMAGE}
# SUBAN_BUNDLE_CHECK=0: the image has no sources to compare dist/ with.
ENV NODE_ENV=production SUBAN_HOST=0.0.0.0 SUBAN_PORT=3000 DATABASE_URL=sqlite:/data/suban.db SUBAN_BUNDLE_CHECK=0
WORKDIR /app
RUN groupadd --system suban \
 && useradd --system --gid suban --home /app suban \
 && mkdir -p /data \
 && chown suban:suban /data
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY config ./config
COPY ivr-flows ./ivr-flows
COPY adapters/db/migrations ./adapters/db/migrations
COPY --from=build /app/console/dist ./console/dist
COPY --from=build /app/dist ./dist
# Media (recordings, WeChat images) go under /app/data/media: on the volume too.
RUN ln -s /data /app/data
USER suban
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SUBAN_PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "dist/suban.cjs", "serve"]
