import { Injectable } from '@nestjs/common';
import { ConflictError } from '../../common/errors/domain-error.js';
import type { Transaction } from '../bus/transaction.js';
import { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import { LOG_START } from '../store/event-cursor.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import {
  SubscriptionStore,
  type SubscriptionState,
} from '../store/subscription-store.js';
import { Dispatcher } from './dispatcher.js';
import type { SubscriptionDefinition } from './subscription-definition.js';

/** Subscriptions changed while the application runs: webhooks come and go, projections rewind. */
@Injectable()
export class SubscriptionControl {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly writer: GroupCommitWriter,
    private readonly subscriptions: SubscriptionStore,
    private readonly deadLetters: DeadLetterStore,
  ) {}

  /**
   * Starts a subscription defined at run time (a webhook, say). A new one gets its checkpoint
   * row per its `startFrom`; a known one continues from its checkpoint.
   */
  async add(definition: SubscriptionDefinition): Promise<void> {
    await this.dispatcher.started;
    if (this.dispatcher.definition(definition.name)) {
      throw new ConflictError(
        `subscription ${definition.name} already exists`,
        { subscription: definition.name },
      );
    }
    await this.dispatcher.launchAll([definition]);
  }

  /**
   * Stops a subscription (its running handler may finish within shutdown_grace). `forget`
   * also deletes its checkpoint, counters and dead letters.
   */
  async remove(name: string, { forget }: { forget: boolean }): Promise<void> {
    const runner = await this.dispatcher.forget(name);
    if (!runner || !forget) return;
    await this.writer.runUnit(async (tx) => {
      await this.deadLetters.removeForSubscription(tx.queryRunner, name);
      await this.subscriptions.delete(tx.queryRunner, name);
    });
  }

  /**
   * Moves a subscription's checkpoint back to the start of the log so it handles every event
   * again, in order, live events included. The runner is stopped first (its running handler may
   * finish within shutdown_grace), `clear` runs in the transaction that rewinds the checkpoint,
   * then the subscription starts again. Counters are kept: they count deliveries, not events.
   */
  async rewind(
    name: string,
    clear: (tx: Transaction) => Promise<void>,
  ): Promise<SubscriptionState> {
    const runner = await this.dispatcher.detach(name);
    if (!runner) throw new Error(`subscription ${name} is not running`);
    const rewound: SubscriptionState = {
      ...runner.snapshot,
      ...LOG_START,
    };
    try {
      await this.writer.runUnit(
        async (tx) => {
          await clear(tx);
          await this.subscriptions.overwrite(tx.queryRunner, rewound);
        },
        { timeoutMs: null },
      );
    } catch (error) {
      this.dispatcher.launch(runner.definition, { ...runner.snapshot });
      throw error;
    }
    this.dispatcher.launch(runner.definition, { ...rewound });
    return rewound;
  }
}
