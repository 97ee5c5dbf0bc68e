import type { DynamicModule } from '@nestjs/common';
import {
  WEBHOOK_DNS_LOOKUP,
  type DnsLookup,
  type ResolvedAddress,
} from '../../src/events/webhooks/webhook-dns.js';

/** A DNS resolver whose answers the test writes; counts its calls. */
export class ScriptedResolver {
  readonly calls: string[] = [];

  constructor(
    private answer: (hostname: string, call: number) => string | undefined,
  ) {}

  /** From now on, answer with `answer` (the call count starts again at 1). */
  script(answer: (hostname: string, call: number) => string | undefined): void {
    this.answer = answer;
    this.calls.length = 0;
  }

  readonly lookup: DnsLookup = async (hostname) => {
    this.calls.push(hostname);
    const address = this.answer(hostname, this.calls.length);
    if (address === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
      });
    }
    const answer: ResolvedAddress = {
      address,
      family: address.includes(':') ? 6 : 4,
    };
    return [answer];
  };
}

/** Mounts the resolver as the application's WEBHOOK_DNS_LOOKUP. */
export function fakeDnsModule(resolver: ScriptedResolver): DynamicModule {
  class FakeDnsModule {}
  return {
    module: FakeDnsModule,
    global: true,
    providers: [{ provide: WEBHOOK_DNS_LOOKUP, useValue: resolver.lookup }],
    exports: [WEBHOOK_DNS_LOOKUP],
  };
}
