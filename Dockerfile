# Firstclass production image: gunicorn web, Celery worker and Celery beat all run from it
# (docker-compose.yml picks the command). Settings come from environment variables only.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    FIRSTCLASS_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media

# Pango and fonts for the PDF documents later features render.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# A non-root user owns only what the processes write: var/ (media, beat schedule) and staticfiles/.
RUN useradd --system --uid 1000 --home-dir /app firstclass \
    && mkdir -p /app/var/media /app/staticfiles \
    && chown -R firstclass:firstclass /app/var /app/staticfiles
USER firstclass

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--workers", "3", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
