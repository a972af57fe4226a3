# Image for scoring shards on a cluster (deploy/score-indexed-job.yaml): the repo with its locked dependencies.
# Everything is installed at build time; a running container reads /data and /models from volumes and needs no
# network. Build: docker build -t margin-atlas .
FROM node:20-bookworm-slim
WORKDIR /app
# .npmrc skips onnxruntime-node's optional CUDA download; for `score --device cuda` build with
# --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12 on a CUDA 12 base image instead.
ARG ONNXRUNTIME_NODE_INSTALL=skip
ENV ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL}
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
# The demo models (public/models/demo-lm, demo-ref, demo-rm), for a smoke run without a model volume.
RUN npm run --silent prepare:assets
ENTRYPOINT ["npm", "run", "--silent", "cli", "--"]
