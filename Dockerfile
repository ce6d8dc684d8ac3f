# The faultsim image for distributed runs (Kubernetes Indexed Job, see `faultsim manual
# distributed`): the release binary on PATH, the example models and scenarios in /work.
#   docker build -t faultsim:0.1.0 .
#   docker run --rm faultsim:0.1.0 run scenarios/zone_outage.ron --seeds 8
# To run your own scenarios, build FROM this image and COPY them into /work.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY benches benches
COPY tests tests
RUN cargo build --release --locked --bin faultsim

FROM debian:bookworm-slim
COPY --from=build /src/target/release/faultsim /usr/local/bin/faultsim
WORKDIR /work
COPY models models
COPY scenarios scenarios
# An unprivileged user; results go to a mounted volume (e.g. /results).
RUN useradd --uid 10001 --no-create-home faultsim && mkdir /results && chown faultsim /results
USER 10001
ENTRYPOINT ["faultsim"]
CMD ["--help"]
