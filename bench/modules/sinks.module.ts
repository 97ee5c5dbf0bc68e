import { Injectable, Module } from '@nestjs/common';
import { OnDomainEvent } from '../../src/events/index.js';

export const SINK_NAMES = [
  'bench.sink-1',
  'bench.sink-2',
  'bench.sink-3',
  'bench.sink-4',
] as const;

/** Four durable subscriptions to every event whose handlers only count what they see. */
@Injectable()
export class BenchSinks {
  readonly seen = [0, 0, 0, 0];

  @OnDomainEvent('**', { name: 'bench.sink-1' })
  sink1(): void {
    this.seen[0]++;
  }

  @OnDomainEvent('**', { name: 'bench.sink-2' })
  sink2(): void {
    this.seen[1]++;
  }

  @OnDomainEvent('**', { name: 'bench.sink-3' })
  sink3(): void {
    this.seen[2]++;
  }

  @OnDomainEvent('**', { name: 'bench.sink-4' })
  sink4(): void {
    this.seen[3]++;
  }
}

@Module({ providers: [BenchSinks], exports: [BenchSinks] })
export class BenchSinksModule {}
