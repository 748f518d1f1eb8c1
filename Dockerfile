# afk container image: afk-poller and afk-watcher, one tick per run (see k8s/), and afk.
#
#   docker build -t REGISTRY/afk:TAG .
#   docker run --rm REGISTRY/afk:TAG                       # afk-poller, shipped disabled: exits 0
#   docker run --rm -e AFK_CONFIG=/etc/afk/afk.yaml -v "$PWD/configmap:/etc/afk:ro" \
#     REGISTRY/afk:TAG afk-watcher --dry-run
#
# Build and run on the same distribution (Debian 12 bookworm): the binaries link glibc and
# libstdc++ dynamically (>= glibc 2.35, GLIBCXX_3.4.30). The Swift runtime and Foundation are
# linked statically (--static-swift-stdlib); HTTP goes through SwiftNIO (AsyncHTTPClient), so
# neither FoundationNetworking nor libcurl is linked. scripts/check-runtime-deps.sh proves the
# runtime stage's package list below covers every shared library the binaries load (it runs in
# CI, without Docker).

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build

WORKDIR /src

# Dependencies first, so that they stay cached while only the sources change.
# (Package.resolved is not committed; the glob copies it when present.)
COPY Package.* ./
RUN swift package resolve

COPY . .

# The commit `--version` prints: .git is usually not in the build context, so it comes as a build
# argument (an environment variable for the AFKBuildInfo plugin); empty: read from .git if
# present, else `unknown`.
ARG AFK_BUILD_COMMIT=

# The two tick programs and `afk` (operator commands: status, explain, check-config — usable
# as an init container: `afk check-config`).
RUN swift build -c release --static-swift-stdlib --product afk-poller \
    && swift build -c release --static-swift-stdlib --product afk-watcher \
    && swift build -c release --static-swift-stdlib --product afk \
    && mkdir -p /staging \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && cp "$bin/afk-poller" "$bin/afk-watcher" "$bin/afk" /staging/ \
    && cp /usr/libexec/swift/linux/swift-backtrace-static /staging/swift-backtrace

# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}

# OCI image annotations (https://github.com/opencontainers/image-spec/blob/main/annotations.md).
# Pass the commit and the build time:
#   docker build --build-arg AFK_BUILD_COMMIT="$(git rev-parse HEAD)" \
#     --build-arg AFK_BUILD_CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -t REGISTRY/afk:TAG .
ARG AFK_VERSION=0.6.0
ARG AFK_BUILD_COMMIT=unknown
ARG AFK_BUILD_CREATED=unknown
# The repository has no public address or licence file yet: pass them when it has
# (NOASSERTION is SPDX's "not stated").
ARG AFK_SOURCE_URL=unknown
ARG AFK_LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="afk" \
      org.opencontainers.image.description="Control plane that hands tracker issues to coding agents: afk-poller, afk-watcher and afk" \
      org.opencontainers.image.version="${AFK_VERSION}" \
      org.opencontainers.image.revision="${AFK_BUILD_COMMIT}" \
      org.opencontainers.image.created="${AFK_BUILD_CREATED}" \
      org.opencontainers.image.source="${AFK_SOURCE_URL}" \
      org.opencontainers.image.licenses="${AFK_LICENSES}"

# Only what the binaries need at run time: ca-certificates (TLS to GitHub, T3, ntfy, Slack; NIOSSL
# reads the system trust store), tzdata, and zlib (already in the base image). glibc, libstdc++ and libgcc_s are
# already in the base image. Keep this on ONE apt-get install line: check-runtime-deps.sh reads it.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*

COPY --from=build /staging/ /usr/local/bin/

# Readable crash backtraces in the pod log (the static backtracer copied above).
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/bin/swift-backtrace

# Numeric non-root user (no /etc/passwd entry needed): Kubernetes can verify runAsNonRoot only
# for a numeric USER. The pods also set runAsUser/runAsGroup 65532. afk writes nothing to disk
# except possibly /tmp (an emptyDir in the pods, whose root filesystem is read-only).
USER 65532:65532
WORKDIR /tmp

# No ENTRYPOINT: the CronJobs set `command:` to /usr/local/bin/afk-poller or afk-watcher.
# The default runs one poller tick, which does nothing until afk is configured and armed.
CMD ["/usr/local/bin/afk-poller"]
