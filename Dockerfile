# nnplayground: CPU image by default; `--build-arg JAX_EXTRA=cuda` installs jax's CUDA 12 wheels.
#   docker build -t nnplayground .
#   docker run -p 8000:8000 nnplayground

# -- 1. browser libraries (uPlot) from the lockfile; node is not needed at run time -----------
FROM node:20-bookworm-slim AS browser-libs
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# -- 2. the wheel (it carries static/, frontend/src and uPlot's dist) --------------------------
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
RUN pip install --no-cache-dir "build==1.2.2.post1" "hatchling==1.27.0"
COPY pyproject.toml README.md ./
COPY server ./server
COPY static ./static
COPY frontend/src ./frontend/src
COPY --from=browser-libs /src/frontend/node_modules/uplot/dist ./frontend/node_modules/uplot/dist
RUN python -m build --wheel --no-isolation --outdir /dist

# -- 3. runtime: slim Python, non-root ---------------------------------------------------------
FROM python:3.11-slim-bookworm
ARG JAX_EXTRA=""
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    XLA_PYTHON_CLIENT_PREALLOCATE=false \
    NNPLAYGROUND_HOST=0.0.0.0 \
    NNPLAYGROUND_PORT=8000 \
    NNPLAYGROUND_WARM_WIDE=true \
    NNPLAYGROUND_CACHE_DIR=/home/app/.cache/nnplayground/jax
RUN useradd --create-home --uid 10001 app
COPY --from=wheel /dist/*.whl /tmp/
# A local wheel file (its dependencies' versions are the wheel's own constraints).
# hadolint ignore=DL3013
RUN set -eu; wheel=$(ls /tmp/nnplayground-*.whl); \
    if [ -n "$JAX_EXTRA" ]; then pip install "${wheel}[${JAX_EXTRA}]"; else pip install "$wheel"; fi; \
    rm -f /tmp/*.whl
USER 10001
WORKDIR /home/app
EXPOSE 8000
# The server answers /api/health only after warming up, so start-up counts as starting, not failing.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status != 200)"]
CMD ["nnplayground", "serve"]
