# Rights Companion image: the Rasa server and the action server are the same image with different commands
# (docker-compose.yml, deploy/helm). The model is trained while the image is built, so nothing is downloaded
# or trained when a container starts. Runs as an unprivileged user; only /tmp needs to be writable.
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    LOG_LEVEL=INFO \
    FORCE_JSON_LOGGING=1 \
    PYTHONPATH=/app \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app
COPY requirements.txt requirements-encoder.txt constraints.txt ./
RUN pip install 'pip==24.0' 'setuptools==70.3.0' 'wheel==0.45.1' \
    && pip install -c constraints.txt -r requirements.txt

COPY . .
RUN python -m rasa_server.nlu.spacy_pipeline \
    && python -m rasa_server.nlu.sentence_encoder \
    && RASA_MAX_CACHE_SIZE=0 PYTHONWARNINGS=ignore rasa train --fixed-model-name rights-companion --out models \
    && rm -rf .rasa

USER 10001:10001
EXPOSE 5005 5055
# Rasa with this project's patches (rasa_server/__main__.py); takes any `rasa` command line.
ENTRYPOINT ["python", "-m", "rasa_server"]
CMD ["run", "--model", "models/rights-companion.tar.gz", "--port", "5005", "--credentials", "credentials.yml", \
     "--endpoints", "deploy/endpoints.scaled.yml", "--logging-config-file", "deploy/logging.yml"]
