# syntax=docker/dockerfile:1
# Build stage: the same `bun run build` that CI runs makes the single executable. The Bun version is
# the one package.json pins ("packageManager": "bun@1.4.5"); test/docs/dockerfile.test.ts keeps them equal.
FROM oven/bun:1.4.5 AS build
WORKDIR /src
COPY package.json bun.lock ./
# Only what the executable is built from: no test, lint or bench tooling in this stage.
RUN bun install --frozen-lockfile --production
COPY tsconfig.json bunfig.toml ./
COPY scripts ./scripts
COPY migrations ./migrations
COPY src ./src
RUN bun run build

# Runtime stage: only the executable, as a non-root user (uid 10001), data on a volume.
FROM debian:bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="kiosk" \
      org.opencontainers.image.description="A commerce API in one executable: users, catalog, orders, reports, webhooks on embedded SQLite or PostgreSQL." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
RUN useradd --system --uid 10001 --home-dir /data kiosk \
 && mkdir -p /data && chown kiosk /data
COPY --from=build /src/dist/kiosk /app/kiosk
USER kiosk
WORKDIR /data
ENV NODE_ENV=production DATA_DIR=/data PORT=3000
# A named volume starts as a copy of this folder (owned by kiosk). A bind mount keeps its host owner:
# if uid 10001 can't write to it, start-up stops with one line naming DATA_DIR (exit 78); run with
# --user "$(id -u):$(id -g)" or chown the host folder to 10001.
VOLUME /data
EXPOSE 3000
# Ignored by OCI-format builds: build with `--format docker` (buildah, podman) to keep it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s CMD ["/app/kiosk", "healthcheck"]
ENTRYPOINT ["/app/kiosk"]
CMD ["serve"]
