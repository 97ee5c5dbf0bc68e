import { Injectable, Module } from '@nestjs/common';
import { OnDomainEvent } from '../../src/events/index.js';

export const REPLAY_TARGET = 'bench.replay-target';

/**
 * A no-op subscription to every event that starts at the head of the log: caught up at once,
 * so a replay to it is the only work going on.
 */
@Injectable()
export class ReplayTarget {
  seen = 0;

  @OnDomainEvent('**', { name: REPLAY_TARGET, startFrom: 'now' })
  handle(): void {
    this.seen++;
  }
}

@Module({ providers: [ReplayTarget], exports: [ReplayTarget] })
export class ReplayTargetModule {}
