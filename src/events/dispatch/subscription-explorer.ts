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
import { ON_RESET, type ResetHook } from './on-reset.decorator.js';
import type { SubscriptionDefinition } from './subscription-definition.js';
import { SubscriptionFactory } from './subscription-factory.js';

/**
 * Finds every @OnDomainEvent / @OnDomainEvents method among the application's providers at
 * boot, and the @OnReset methods that clear their read models.
 */
@Injectable()
export class SubscriptionExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly factory: SubscriptionFactory,
  ) {}

  explore(): SubscriptionDefinition[] {
    const definitions: SubscriptionDefinition[] = [];
    const resets: { subscription: string; hook: ResetHook; owner: string }[] =
      [];
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
        const owner = `${instance.constructor.name}.${method}`;
        const resetOf = Reflect.getMetadata(ON_RESET, handler) as
          string | undefined;
        if (resetOf !== undefined) {
          const hook = (handler as ResetHook).bind(instance);
          resets.push({ subscription: resetOf, hook, owner });
        }
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
            owner,
            { batch: metadata.batch },
          ),
        );
      }
    }
    assertUniqueNames(definitions);
    attachResets(definitions, resets);
    return definitions;
  }
}

function attachResets(
  definitions: SubscriptionDefinition[],
  resets: { subscription: string; hook: ResetHook; owner: string }[],
): void {
  for (const { subscription, hook, owner } of resets) {
    const definition = definitions.find((d) => d.name === subscription);
    if (!definition) {
      throw new Error(
        `${owner}: @OnReset names subscription ${subscription}, which no @OnDomainEvent declares`,
      );
    }
    if (definition.reset) {
      throw new Error(
        `${owner}: subscription ${subscription} already has an @OnReset method`,
      );
    }
    definition.reset = hook;
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
