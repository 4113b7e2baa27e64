# syntax=docker/dockerfile:1
#
# bkpaas-process-exporter container image.
#
#   docker build --build-arg REVISION="$(git rev-parse HEAD)" \
#                --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
#                -t bkpaas-process-exporter:0.1.0 .
#   docker run --rm --read-only -p 9876:9876 bkpaas-process-exporter:0.1.0 --demo
#
# The runtime image runs as uid 1000 (the base image's `node` user), under tini, and writes
# nothing at runtime: it works with `docker run --read-only` and Kubernetes'
# readOnlyRootFilesystem. test/packaging/image-replay.test.ts replays the runtime stage's COPY
# steps outside Docker and starts the result, so keep the COPY lines simple (one per line,
# sources relative to the build context or to the WORKDIR of the stage they come from).

# ---- build: compile the TypeScript sources to dist/ ---------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script (the build) would run before the sources are copied;
# installing first keeps this layer cached while only sources change. The build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- deps: production dependencies only --------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` needs the dev dependencies; dist/ comes from the build stage.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime -----------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown

LABEL org.opencontainers.image.title="bkpaas-process-exporter" \
      org.opencontainers.image.description="Prometheus exporter for BlueKing PaaS (蓝鲸 PaaS v3) app processes and instances" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="docker.io/library/node:20-bookworm-slim"

# tini reaps zombies and forwards signals to node (PID 1 would otherwise ignore SIGTERM's
# default action). npm, npx, corepack and yarn are removed: nothing runs them at runtime and
# they only add size and CVE reports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
              /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*

ENV NODE_ENV=production
# Heap sizing for an exporter, not for Node's default of a quarter of the machine's memory: with
# that default (a 4 GB heap on a large node) V8 lets old garbage grow to ~4x the live heap. The
# limit also sets how far V8 lets the old generation grow past what the last full collection kept
# (its heap controller: x1.4 at 512 MB, x1.8 at 1536 MB, x4 from 2048 MB): at 512 MB a refresh of
# 5 000 targets with every answer changed ran 10-14 full collections instead of ~4, ~20 % more
# CPU per target; at 2048 MB peak RSS at 20 000 targets passed 600 MB (docs/performance.md). The
# young spaces stay at 16 MB (what V8 derives for a small heap is 4 MB): a refresh allocates
# ~100 KB per target and keeps 32+ requests in flight for their whole latency, and with 4 MB
# young spaces each collection promoted those requests' objects. Override NODE_OPTIONS (e.g. the
# chart's extraEnv) for far more targets in one process.
ENV NODE_OPTIONS="--max-old-space-size=1536 --max-semi-space-size=16"
WORKDIR /app

# Owned by root and read-only for the runtime user: the process cannot modify its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY package.json package-lock.json config.example.yaml ./

# uid:gid 1000:1000 is the base image's `node` user; numeric so that Kubernetes'
# runAsNonRoot can verify it without a runAsUser.
USER 1000:1000

EXPOSE 9876

# Docker only (Kubernetes uses the chart's probes). Assumes the default port 9876 and plain
# HTTP; override or disable it (--no-healthcheck) with --listen or --web.config.file TLS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["node", "-e", "require('http').get('http://127.0.0.1:9876/healthz',{timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('timeout',()=>process.exit(1)).on('error',()=>process.exit(1))"]

# --no-allocation-site-pretenuring: V8 may decide, from one young-generation collection that
# happens to find most of an allocation site's recent objects alive (a burst of requests in flight
# at the start of a refresh), to allocate that site's objects straight in the old space from then
# on; every request's objects then became old garbage and the process ran 2x the full
# collections for the rest of its life (about half the runs of the same tree). Off, the event-loop
# lag max at 20 000 targets read 60-78 ms instead of 108-126 (docs/performance.md). Node refuses this
# flag in NODE_OPTIONS, hence here (the heap sizing above stays overridable).
ENTRYPOINT ["tini", "--", "node", "--no-allocation-site-pretenuring", "/app/dist/main.js"]
CMD ["--config", "/etc/bkpaas-exporter/config.yaml"]
