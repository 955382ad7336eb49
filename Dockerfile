# syntax=docker/dockerfile:1

# ---------------------------------------------------------------------------------------
# Build stage: wheels for fixvenue and every dependency. QuickFIX 1.16.0 has no binary
# wheel, so it is compiled from source here (about 6 minutes); the pip cache mount keeps
# the result across builds.
# ---------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first, from pyproject.toml alone, so that editing the source does not
# rebuild QuickFIX: only a change to pyproject.toml invalidates this layer.
COPY pyproject.toml ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels -r requirements.txt

# Then the project itself (README.md is its readme in pyproject.toml), with its trading
# core compiled by mypyc (setup.py).
COPY README.md setup.py ./
COPY src/ src/
RUN --mount=type=cache,target=/root/.cache/pip \
    FIXVENUE_COMPILE=1 pip wheel --no-deps --wheel-dir /wheels .

# ---------------------------------------------------------------------------------------
# Runtime stage: no compiler, just a virtualenv installed from the wheels above.
# ---------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PATH=/opt/fixvenue/bin:$PATH

# --no-index: only the built wheels may be installed, so a missing one fails the build
# rather than being fetched. The bind mount keeps the wheels out of the image's layers.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/fixvenue \
    && /opt/fixvenue/bin/pip install --no-cache-dir --no-index --find-links /wheels fixvenue

# The config names its data dictionaries as ../fix_specs/…, relative to itself: keep that
# layout.
COPY config/ /opt/fixvenue/config/
COPY fix_specs/ /opt/fixvenue/fix_specs/

# Run as an unprivileged user with a fixed uid/gid, so that volume ownership is predictable.
RUN groupadd --system --gid 10001 fixvenue \
    && useradd --system --uid 10001 --gid fixvenue --home-dir /var/lib/fixvenue \
        --no-create-home --shell /usr/sbin/nologin fixvenue \
    && install -d -o fixvenue -g fixvenue -m 0750 /var/lib/fixvenue

# FIX store and logs (and the SQLite ledger if no PostgreSQL URL is given) must outlive
# the container.
VOLUME ["/var/lib/fixvenue"]

# The FIX acceptor and metrics must be reachable from outside the container; the admin
# endpoint stays on loopback (the config's 127.0.0.1): operators use
# `docker exec <container> fixvenue ...`, which finds config/venue.toml from this WORKDIR.
ENV FIXVENUE_FIX_HOST=0.0.0.0 \
    FIXVENUE_METRICS_HOST=0.0.0.0

# Set at run time, not baked in:
#   FIXVENUE_DATABASE_URL  the PostgreSQL ledger, postgresql+psycopg://user@host/dbname
#                          (without it the venue uses an embedded SQLite file in the volume)
#   FIXVENUE_ADMIN_TOKEN   the admin token; set it, or the config's demo token is used
WORKDIR /opt/fixvenue
USER fixvenue

# FIX acceptor, Prometheus metrics.
EXPOSE 9878 9108

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9108/metrics', timeout=4)"]

# Exec form: the venue is PID 1 and gets SIGTERM itself, on which it stops cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["fixvenue"]
CMD ["serve", "--config", "/opt/fixvenue/config/venue.toml", "--data-dir", "/var/lib/fixvenue"]
