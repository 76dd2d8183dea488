# syntax=docker/dockerfile:1
# Build stage: the same `bun run build` that CI runs makes the single executable.
FROM oven/bun:1.4 AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
COPY tsconfig.json bunfig.toml drizzle.config.ts ./
COPY scripts ./scripts
COPY migrations ./migrations
COPY src ./src
RUN bun run build

# Runtime stage: only the executable, as a non-root user, data on a volume.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data kiosk \
 && mkdir -p /data && chown kiosk /data
COPY --from=build /src/dist/kiosk /app/kiosk
USER kiosk
WORKDIR /data
ENV NODE_ENV=production DATA_DIR=/data PORT=3000
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s CMD ["/app/kiosk", "healthcheck"]
ENTRYPOINT ["/app/kiosk"]
CMD ["serve"]
