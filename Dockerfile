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
# Everything is installed at build time into a virtualenv copied into the final stage: the
# running container compiles, downloads and builds nothing, and runs as an unprivileged user.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/syncgql
WORKDIR /src
# The project's metadata first, so the dependency layer is reused while only code changes.
COPY pyproject.toml README.md ./
COPY src ./src
# GraphiQL's assets are prebuilt in src/syncgql/static: no Node toolchain in the image.
RUN /opt/syncgql/bin/pip install . \
    && /opt/syncgql/bin/python -m compileall -q /opt/syncgql/lib

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
