# newshound: multi-stage build, small runtime image, non-root user.
#   docker build -t newshound .
#   docker run -d --name newshound \
#     -v "$PWD/config:/config:ro" -v newshound-data:/data newshound
FROM rust:1-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY config config
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin newshound \
 && mkdir -p /data /config \
 && chown newshound:newshound /data
COPY --from=build /src/target/release/newshound /usr/local/bin/newshound
COPY config/newshound.toml /config/newshound.toml
# The database and the .eml outbox live on the volume; the config is mounted read-only.
ENV NEWSHOUND__STORAGE__PATH=/data/newshound.db
WORKDIR /data
VOLUME ["/data"]
USER newshound
ENTRYPOINT ["newshound", "--config", "/config/newshound.toml"]
CMD ["run"]
