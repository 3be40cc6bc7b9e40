# The Lambda image of the example (what `pocket init --runtime node` writes): stage 1 installs
# every dependency and compiles TypeScript, stage 2 keeps dist/ and the production dependencies.
FROM public.ecr.aws/lambda/nodejs:22 AS build
WORKDIR /build
COPY package*.json ./
RUN if [ -f package-lock.json ]; then npm ci; else npm install; fi
COPY . .
RUN npm run build && npm prune --omit=dev

FROM public.ecr.aws/lambda/nodejs:22
ENV NODE_ENV=production
COPY --from=build /build/ ${LAMBDA_TASK_ROOT}/
CMD ["dist/index.web"]
