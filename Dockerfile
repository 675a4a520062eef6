# syntax=docker/dockerfile:1
# codecall: one image, three processes (api, worker, pbx-sim) chosen by command.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/generate.ts ./scripts/generate.ts
COPY src/db/paths.ts ./src/db/paths.ts
# postinstall generates the Prisma client (offline: no engine download is needed).
RUN npm install --no-audit --no-fund

FROM deps AS test
COPY . .
RUN npm run typecheck

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# Text-to-speech for the personal prompts.
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng sox && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/src/db/generated ./src/db/generated
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
COPY src ./src
COPY scripts ./scripts
COPY tts ./tts
RUN mkdir -p /app/media && chown node:node /app/media
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npx", "tsx", "src/main/start.ts", "all"]
