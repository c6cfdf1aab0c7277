FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng chromium \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml uv.lock README.md alembic.ini ./
COPY verifier verifier
COPY workers workers
COPY migrations migrations
RUN pip install --no-cache-dir .
RUN useradd --create-home verifier && mkdir -p /home/verifier/bodies && chown verifier /home/verifier/bodies
ENV VERIFIER_CHROMIUM=/usr/bin/chromium
USER verifier
