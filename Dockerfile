# railfast production image (Railway builds it: railway.json sets builder DOCKERFILE).
#
#   deps    npm ci from the lockfile, every dependency, no lifecycle scripts
#   build   Prisma client + TypeScript build + the embedded database's seed, then node_modules cut
#           down to what runs: `npm prune --omit=dev`, then scripts/prune-runtime.mjs (npm keeps
#           optional peers such as the prisma CLI and typescript, ~250 MB; the script also drops
#           unused Prisma query compilers, source maps, type declarations and docs: one rule each)
#   runtime the pruned tree only, NODE_ENV=production, non-root, node as PID 1
#           (~280 MB on the official slim base, app layers 61 MB: docs/DEPLOY.md, image size)
#
# Node: the line named in .nvmrc; scripts/check-node-version.mjs fails the build when this file,
# nixpacks.toml, .nvmrc and package.json disagree.
#
# `npm run test:deploy` (scripts/simulate-docker-build.ts) runs these stages' commands in order on a
# clean clone, checks every COPY source exists, and boots the result. Keep commands relative to
# WORKDIR so that simulation stays faithful.

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: our postinstall (prisma generate + tsc) needs sources this layer does not have
# yet (the build stage runs those steps explicitly), and no dependency needs an install script:
# Prisma with a driver adapter has no engine to download, msgpackr's binaries are optional packages.
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
# Railway passes service variables to declared build args; build-info.mjs records the commit for
# GET /version (there is no .git in the build context).
ARG RAILWAY_GIT_COMMIT_SHA
ARG SOURCE_COMMIT
COPY . .
RUN node scripts/check-node-version.mjs \
 && npm run db:generate \
 && npm run build \
 && npm run build:seed \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && node scripts/prune-runtime.mjs

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
# glibc gives each thread its own malloc arena; Node allocates mostly on its main thread (V8's heap
# is not malloc), so one arena keeps ~25-35 MB of RSS off an idle process at no measured
# throughput cost (docs/ARCHITECTURE.md, performance).
ENV MALLOC_ARENA_MAX=1
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
# The embedded database (PGlite, used while DATABASE_URL is unset) lives in ./data: the only
# directory the app writes to, so the only one the unprivileged user owns. A volume mounted there
# by a platform is root-owned: see docs/DEPLOY.md (the app stops naming DATA_DIR and the fix).
RUN mkdir -p data && chown node:node data
USER node
EXPOSE 3000
# One probe for the web and the worker service (both serve /live; only the web serves /health).
# For platforms that honour it (Railway probes healthcheckPath instead). No curl in the image:
# Node's fetch does the probe. HOST defaults to "::", which also accepts 127.0.0.1. In production
# the worker listens on PORT too (unless WORKER_PORT is set).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (close-with-grace drains on it).
# --max-semi-space-size=1: V8's young generation otherwise grows to 32 MB and stays resident on an
# idle instance; 2 MB costs no measurable throughput here (docs/ARCHITECTURE.md, performance).
# Same command as railway.json's startCommand and the Procfile's web line.
CMD ["node", "--max-semi-space-size=1", "--import", "./dist/instrument.js", "dist/server.js"]
