# syntax=docker/dockerfile:1
# The e-Stat MCP server as one bundle (npm run build: esbuild, ESM, Node 24): a bundled server starts
# faster than thousands of module files, and the image carries no node_modules at all.
# scripts/image-check.sh reproduces these steps without Docker; keep the two in step.

# Stage 1: every dependency (esbuild is a devDependency), then the bundle. A dependency the bundle
# cannot resolve fails here, at build time.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY scripts/build.mjs ./scripts/build.mjs
COPY server ./server
RUN node scripts/build.mjs

# Stage 2: the runtime image: the bundle (dist/server: main.mjs and the chunks it loads on first use)
# and the unprivileged `node` user (uid 1000).
FROM node:24-slim
# Memory: the stacks set --max-old-space-size to 60 % of the task's memory (this default fits 512 MB); a
# small young generation and mmap for large allocations keep a table's save at the memory of one page
# (docs/lake.md, "tuned"). One ENV per line: scripts/image-check.sh reads them.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
ENV MALLOC_MMAP_THRESHOLD_=131072
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=4"
# V8's compiled code for the bundle, written here by this image's own node (scripts/warm-compile-cache.mjs
# starts the server once and stops it): a cold start reads it instead of compiling 1.3 MB of JavaScript,
# about 100 ms (README, Performance). Root-owned, so read-only at run time; Node writes nothing then.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
WORKDIR /app
COPY --from=build --chown=root:root /app/dist/server ./server
COPY scripts/warm-compile-cache.mjs ./warm-compile-cache.mjs
RUN node warm-compile-cache.mjs && rm warm-compile-cache.mjs
# /tmp as a VOLUME: ECS creates a task's bind mounts (the stacks mount an empty volume here, the root
# being read-only) root-owned 0755 unless the image declares the path as a VOLUME, in which case the
# image's ownership and mode are copied in: node:24-slim's /tmp, 1777. Without it uid 1000 cannot
# mkdtemp and every save to S3 fails (aws/containers-roadmap#938).
VOLUME ["/tmp"]
USER node
EXPOSE 8080
# The server only writes to the data lake and /tmp: the task runs with a read-only root filesystem.
CMD ["node", "server/main.mjs"]
