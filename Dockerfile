# syntax=docker/dockerfile:1
# The e-Stat MCP server. Node 24 runs the TypeScript sources directly (type stripping): no build step.
# scripts/image-check.sh reproduces these steps without Docker; keep the two in step.

# Stage 1: production dependencies only. A runtime dependency left in devDependencies is missing here,
# and image-check.sh fails on it before any deployment does.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# Stage 2: the runtime image: sources, production node_modules, the unprivileged `node` user (uid 1000).
FROM node:24-slim
# Memory: the stacks set --max-old-space-size to 60 % of the task's memory (this default fits 512 MB); a
# small young generation and mmap for large allocations keep a table's save at the memory of one page
# (docs/lake.md, "tuned"). One ENV per line: scripts/image-check.sh reads them.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
ENV MALLOC_MMAP_THRESHOLD_=131072
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=4"
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root server ./server
# /tmp as a VOLUME: ECS creates a task's bind mounts (the stacks mount an empty volume here, the root
# being read-only) root-owned 0755 unless the image declares the path as a VOLUME, in which case the
# image's ownership and mode are copied in: node:24-slim's /tmp, 1777. Without it uid 1000 cannot
# mkdtemp and every save to S3 fails (aws/containers-roadmap#938).
VOLUME ["/tmp"]
USER node
EXPOSE 8080
# The server only writes to the data lake and /tmp: the task runs with a read-only root filesystem.
CMD ["node", "server/main.ts"]
