# syntax=docker/dockerfile:1
#
# atlas-mcp container image: a static Go binary on distroless, running as a
# non-root user. stdio is the default (for `docker run -i --rm` from an MCP host);
# pass `--transport http --listen 0.0.0.0:8080 --policy FILE` for HTTP mode.
#
#   docker build -t atlas-mcp \
#     --build-arg VERSION="$(git describe --tags --always --dirty)" \
#     --build-arg COMMIT="$(git rev-parse --short HEAD)" \
#     --build-arg DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .

# Keep in step with the go directive of go.mod (internal/release checks it).
ARG GO_VERSION=1.26.8

# The builder runs on the build machine's platform and cross-compiles for the
# target one, so `docker buildx build --platform linux/amd64,linux/arm64` needs
# no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
ARG COMMIT=none
ARG DATE=unknown
# CGO off: the binary must run on an image with no libc. -trimpath keeps the
# builder's paths out of the binary; -s -w drop the symbol and DWARF tables.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH:-amd64} \
    go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/atlas-mcp ./cmd/atlas-mcp \
 && mkdir -p /out/state

# distroless/static: CA certificates, tzdata and /etc/passwd with a nonroot
# user (65532), nothing else: no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="atlas-mcp" \
      org.opencontainers.image.description="MCP server for administering MongoDB Atlas with per-agent policy, human confirmation and a tamper-evident audit log" \
      org.opencontainers.image.source="https://github.com/atlas-mcp/atlas-mcp"
COPY --from=build /out/atlas-mcp /atlas-mcp
# The audit log needs a directory the non-root user can write; mount a volume
# here to keep it beyond the container's life. Through XDG_STATE_HOME (not
# ATLAS_MCP_AUDIT_LOG) the default path becomes /var/lib/atlas-mcp/audit.jsonl
# and --sandbox still keeps its records apart, in sandbox-audit.jsonl.
COPY --from=build --chown=65532:65532 /out/state /var/lib/atlas-mcp
ENV XDG_STATE_HOME=/var/lib
VOLUME ["/var/lib/atlas-mcp"]
USER 65532:65532
# HTTP mode only (stdio needs no port).
EXPOSE 8080
# Probes HTTP mode's /healthz. Start stdio containers with --no-healthcheck:
# there is no endpoint to probe when the server speaks over stdin/stdout.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/atlas-mcp", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/atlas-mcp"]
