# The dev server with both handlers and their default models (`make dev` in a container).
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends make gcc g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /workbench
COPY . .
RUN make venv PYTHON=python3.11 && .venv/bin/workbench models build
EXPOSE 3000
CMD [".venv/bin/workbench", "serve"]
