import { Module } from '@nestjs/common';
import { EventsModule } from '../events.module.js';
import { SagaOrchestrator } from './saga-orchestrator.js';
import { SagaStore } from './saga-store.js';

/** Import it in a feature module that defines a saga (see src/orders). */
@Module({
  imports: [EventsModule],
  providers: [SagaStore, SagaOrchestrator],
  exports: [SagaOrchestrator],
})
export class SagaModule {}
