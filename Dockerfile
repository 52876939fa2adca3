# syntax=docker/dockerfile:1
# The portal's image: one image for the init, web, worker and beat services of
# docker-compose.yml, each started through the one entry point bin/portal
# (`bin/portal init|web|worker|beat|manage ...`, the same commands CI's smoke stage runs).
#
# Build stage: compile the Python dependencies into a virtualenv. PyICU (pulled in by rigour)
# builds from source against libicu; lxml and xmlsec are built against Debian's libxml2 /
# libxmlsec1 so that both use the same libxml2 (python3-saml refuses a mismatch).
FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ pkg-config libicu-dev libxml2-dev libxslt1-dev libxmlsec1-dev libxmlsec1-openssl \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Only what `pip install .` needs (the project installs its dependencies, no package of its
# own), so the dependency layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md LICENSE ./
RUN pip install --upgrade pip \
 && pip install --no-binary lxml,xmlsec .

# Run stage: the run-time libraries only, the code, a non-root user.
FROM python:3.11-slim-bookworm
# fonts-noto-cjk: Japanese glyphs in PDF exports; pango/harfbuzz: WeasyPrint; libicu72: PyICU;
# libxml2/libxslt/libxmlsec1: lxml, xmlsec (SAML); postgresql-client: pg_dump/pg_restore for
# portal_backup/portal_restore (Debian bookworm's is 15: docker-compose.yml runs PostgreSQL 15);
# gettext: compilemessages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      libicu72 libxml2 libxslt1.1 libxmlsec1 libxmlsec1-openssl \
      postgresql-client gettext \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home portal
COPY --from=build /opt/venv /opt/venv
# PORTAL_VAR_DIR is the data volume (uploads, generated files, mail files); STATIC_ROOT is in
# the image, outside it, so a rebuilt image never serves the previous version's static files.
ENV PATH=/opt/venv/bin:$PATH \
    PORTAL_PYTHON=/opt/venv/bin/python \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORTAL_VAR_DIR=/data \
    STATIC_ROOT=/app/static-collected \
    PORTAL_BIND=0.0.0.0:8000
WORKDIR /app
COPY --chown=root:root . /app
RUN mkdir -p /data /app/static-collected \
 && chown portal:portal /data /app/static-collected
USER portal
# Production mode (DEBUG=0, manifest written), as the web service will read it.
RUN bin/portal collectstatic
VOLUME ["/data"]
EXPOSE 8000
CMD ["bin/portal", "web"]
