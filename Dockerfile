# syntax=docker/dockerfile:1
# The image of the API, the worker and the migration job: one image, three commands.
#   docker compose build            (see docker-compose.yml and deploy/README.md)
#   docker run IMAGE ehcp api       the HTTP API and pages on port 8000 (the default command)
#   docker run IMAGE ehcp worker    the Temporal worker
#   docker run IMAGE ehcp migrate   the database migrations, then exit
# Pinned to a patch release so a rebuild gives the same interpreter; bump it deliberately.
FROM python:3.11.14-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# A system user with no login shell; the outbox directory is created here, owned by it, so a named
# volume mounted on it starts with the right owner.
RUN groupadd --system --gid 10001 ehcp \
    && useradd --system --uid 10001 --gid ehcp --home-dir /var/lib/ehcp --no-create-home \
        --shell /usr/sbin/nologin ehcp \
    && mkdir -p /var/lib/ehcp/outbox \
    && chown -R ehcp:ehcp /var/lib/ehcp

# The project and its pinned runtime dependencies from pyproject.toml; no dev extras. The sources are
# removed afterwards: the installed wheel is what runs.
WORKDIR /src
COPY . .
RUN pip install . && rm -rf /src

# In a container the API must listen on all interfaces; docker-compose.yml publishes it on 127.0.0.1.
ENV EHCP_API_HOST=0.0.0.0 \
    EHCP_API_PORT=8000 \
    EHCP_OUTBOX_DIR=/var/lib/ehcp/outbox

WORKDIR /var/lib/ehcp
USER 10001:10001
EXPOSE 8000

# Runs the `ehcp` console script as PID 1 (exec), so SIGTERM reaches it and the worker drains cleanly.
# Both `ehcp worker` and plain `worker` are accepted as the command: a leading `ehcp` is dropped.
ENTRYPOINT ["/bin/sh", "-c", "if [ \"${1:-}\" = ehcp ]; then shift; fi; exec ehcp \"$@\"", "ehcp"]
CMD ["ehcp", "api"]
