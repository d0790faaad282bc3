# newshound: multi-stage build, small runtime image, non-root user.
#   docker build -t newshound .
#   docker run -d --name newshound \
#     -v "$PWD/config:/config:ro" -v newshound-data:/data newshound
# or `docker compose up -d` with compose.yaml.
FROM rust:1-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
# Cargo.toml names the bench target, so cargo wants its file even to build the binary.
COPY benches benches
COPY migrations migrations
COPY config config
RUN cargo build --release --locked \
 && mkdir -p /out/man /out/completions \
 && target/release/newshound man --dir /out/man \
 && target/release/newshound completions bash > /out/completions/newshound.bash

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin newshound \
 && mkdir -p /data /config \
 && chown newshound:newshound /data
COPY --from=build /src/target/release/newshound /usr/local/bin/newshound
COPY --from=build /out/man/ /usr/local/share/man/man1/
COPY --from=build /out/completions/newshound.bash /usr/share/bash-completion/completions/newshound
COPY config/newshound.toml /config/newshound.toml
# The database (and the .eml outbox, when there is no SMTP server) live on the volume; the
# config is mounted read-only. The daemon's HTTP listener (/healthz, /metrics) listens on
# every interface of the container, so that a published port reaches it.
ENV NEWSHOUND__STORAGE__PATH=/data/newshound.db \
    NEWSHOUND__SERVER__LISTEN=0.0.0.0:9090
WORKDIR /data
VOLUME ["/data"]
EXPOSE 9090
USER newshound
# SIGTERM lets fetches in flight finish and the current transaction end before exit.
STOPSIGNAL SIGTERM
# `newshound health` asks http://127.0.0.1:9090/healthz (no curl in this image): healthy on
# a 200, which the daemon gives once it is up and its poll cycle is not stalled. The start
# period covers the first round of polls.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["newshound", "health"]
ENTRYPOINT ["newshound", "--config", "/config/newshound.toml"]
CMD ["run"]
