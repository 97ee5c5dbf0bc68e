import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';

/**
 * The `public/` folder beside the application's package.json, found from this file upwards:
 * the same from src/ (tests), dist/ (npm start) or any other build directory.
 */
function publicFolder(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(directory, 'package.json')))
      return join(directory, 'public');
    const parent = dirname(directory);
    if (parent === directory)
      throw new Error(
        'no package.json above the application: where is public/?',
      );
    directory = parent;
  }
}

/**
 * The live page: `/` and its files under `/live/` (public/), plain files with no build step.
 * Its scripts and styles are files of this origin, never inline, so the Content-Security-Policy
 * (security/http-hardening.ts) needs no exception for it. The page itself holds no data: every
 * call it makes goes through the API with the key the visitor types in.
 */
export async function registerLivePage(
  app: NestFastifyApplication,
): Promise<void> {
  await app.register(fastifyStatic, {
    root: publicFolder(),
    prefix: '/live/',
    index: false,
  });
  app
    .getHttpAdapter()
    .getInstance()
    .get('/', (_request, reply: FastifyReply) => reply.sendFile('index.html'));
}
