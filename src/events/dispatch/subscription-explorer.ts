import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type {
  DomainEventHandler,
  DomainEventsHandler,
} from './handler-context.js';
import {
  ON_DOMAIN_EVENT,
  type DomainEventHandlerMetadata,
} from './on-domain-event.decorator.js';
import type { SubscriptionDefinition } from './subscription-definition.js';
import { SubscriptionFactory } from './subscription-factory.js';

/** Finds every @OnDomainEvent method among the application's providers at boot. */
@Injectable()
export class SubscriptionExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly factory: SubscriptionFactory,
  ) {}

  explore(): SubscriptionDefinition[] {
    const definitions: SubscriptionDefinition[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (
        !instance ||
        typeof instance !== 'object' ||
        !wrapper.isDependencyTreeStatic()
      )
        continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = (instance as Record<string, unknown>)[method];
        if (typeof handler !== 'function') continue;
        const metadata = Reflect.getMetadata(ON_DOMAIN_EVENT, handler) as
          DomainEventHandlerMetadata | undefined;
        if (!metadata) continue;
        definitions.push(
          this.factory.create(
            metadata.selectors,
            metadata.options,
            (handler as DomainEventHandler | DomainEventsHandler).bind(
              instance,
            ),
            `${instance.constructor.name}.${method}`,
            { batch: metadata.batch },
          ),
        );
      }
    }
    assertUniqueNames(definitions);
    return definitions;
  }
}

function assertUniqueNames(definitions: SubscriptionDefinition[]): void {
  const owners = new Map<string, string>();
  for (const definition of definitions) {
    const other = owners.get(definition.name);
    if (other) {
      throw new Error(
        `subscription ${definition.name} is declared twice (${other} and ${definition.owner}); names must be unique`,
      );
    }
    owners.set(definition.name, definition.owner);
  }
}
