# syntax=docker/dockerfile:1
# Build stage: native modules (better-sqlite3, argon2) compile here, and the console is bundled.
FROM node:20-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# npm ci runs `prepare`, which bundles the console and the server (dist/), so the sources come first.
COPY . .
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Runtime stage: no compilers, a non-root user, data on a volume.
FROM node:20-slim
# SUBAN_BUNDLE_CHECK=0: the image never changes, so the launcher need not compare dist/ with src/ at start.
ENV NODE_ENV=production SUBAN_HOST=0.0.0.0 SUBAN_PORT=3000 DATABASE_URL=sqlite:/data/suban.db SUBAN_BUNDLE_CHECK=0
WORKDIR /app
RUN groupadd --system suban && useradd --system --gid suban --home /app suban && mkdir -p /data && chown suban:suban /data
COPY --from=build --chown=suban:suban /app /app
USER suban
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.SUBAN_PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/suban.cjs", "serve"]
