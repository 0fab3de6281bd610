# flowtel serve for the compose stack (docker-compose.yml): built from this checkout, it runs the example
# flows on their schedules with the example rules. Node 24, whose built-in node:sqlite holds the store,
# so no native addon is built.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the only install script that matters here builds better-sqlite3, the store's driver
# for Node 20; on Node 24 the store uses node:sqlite.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY ui ./ui
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    FLOWTEL_HOME=/var/lib/flowtel
WORKDIR /app
# node_modules as built, dev dependencies included: serve loads the OpenTelemetry SDK, protobufjs and
# the TypeScript loader (tsx, for examples/*.ts), which the package keeps as optional peers.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY vendor ./vendor
COPY examples ./examples
COPY rules ./rules
RUN mkdir -p "$FLOWTEL_HOME" && chown node:node "$FLOWTEL_HOME"
USER node
# 4100: the API and /metrics; 4318: OTLP/HTTP in.
EXPOSE 4100 4318
ENTRYPOINT ["node", "dist/cli/bin.js"]
# A non-loopback bind needs FLOWTEL_API_TOKEN in the environment; serve refuses to start without it.
CMD ["serve", "--flows", "examples", "--rules", "rules", "--host", "0.0.0.0"]
