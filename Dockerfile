# syntax=docker/dockerfile:1
#
# Container images built from source:
#
#   docker build -t apigw-preflight .                      # the CLI (the default, last target)
#   docker build --target emulator -t apigw-emulator .     # the loopback API emulator
#
#   docker run --rm -v "$PWD:/work" apigw-preflight check snapshot.json
#
# Both are static binaries (CGO_ENABLED=0) on distroless/static, run as the
# non-root user. Release images are built by GoReleaser from
# Dockerfile.goreleaser with the same layout.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=0.1.0-dev
ARG COMMIT=unknown
ARG DATE=unknown
ENV CGO_ENABLED=0
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/apigw-preflight ./cmd/apigw-preflight && \
    go build -trimpath -buildvcs=false -ldflags "-s -w" -o /out/apigw-emulator ./cmd/apigw-emulator

# The emulator listens on loopback only: run it in the network namespace of
# what it serves (docker run --network host, --network container:NAME, or a
# sidecar in the same pod).
FROM gcr.io/distroless/static:nonroot AS emulator
COPY --from=build /out/apigw-emulator /usr/local/bin/apigw-emulator
COPY testdata/worlds/demo.yaml /worlds/demo.yaml
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/apigw-emulator"]
CMD ["--world", "/worlds/demo.yaml", "--addr", "127.0.0.1:8087"]

FROM gcr.io/distroless/static:nonroot AS apigw-preflight
COPY --from=build /out/apigw-preflight /usr/local/bin/apigw-preflight
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/apigw-preflight"]
CMD ["--help"]
