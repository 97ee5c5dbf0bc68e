import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  FastifyAdapter,
  type NestFastifyApplication,
} from '@nestjs/platform-fastify';

/**
 * The HTTP baseline: a bare NestJS + Fastify application with one POST route answering
 * {ok:true}, and nothing of this project (no logging, guards, pipes, hooks or database). It
 * parses the JSON body like any Nest app does and ignores it. Started as a process of its own by
 * the HTTP benchmark; it reports its port over IPC and stops on request or when the parent goes.
 */
@Controller()
class NoopController {
  @Post('/noop')
  noop(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [NoopController] })
class NoopModule {}

const app = await NestFactory.create<NestFastifyApplication>(
  NoopModule,
  new FastifyAdapter(),
  { logger: false },
);
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.getHttpServer().address() as AddressInfo;

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(2), 10_000).unref();
  await app.close();
  process.exit(0);
}
setTimeout(() => void shutdown(), 60 * 60_000).unref();
process.on('disconnect', () => void shutdown());
process.on('message', (command: { type?: string }) => {
  if (command.type === 'stop') void shutdown();
});
process.send?.({ type: 'listening', port, pid: process.pid });
