# grouppush: the Slack bot with its scheduler (`grouppush run`), as a non-root container.
# Build: docker build -t grouppush .   Run: see compose.yaml and README "Running in production".
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY engine ./engine
COPY connectors ./connectors
COPY storage ./storage
COPY telemetry ./telemetry
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GROUPPUSH_CONFIG=/etc/grouppush/grouppush.yml \
    GROUPPUSH_LOG=INFO \
    GROUPPUSH_LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/tmp/grouppush-metrics
COPY --from=build /wheels /wheels
# The versions are pinned by the wheels built above; --no-index installs only those.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --no-index --find-links=/wheels "grouppush[postgres]" \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /var/lib/grouppush --create-home grouppush
USER 10001
WORKDIR /var/lib/grouppush
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "bot.healthcheck"]
ENTRYPOINT ["grouppush"]
CMD ["run", "--host", "0.0.0.0", "--port", "3000"]
