import { Controller, Module, Post } from '@nestjs/common';
import { Roles } from '../../src/security/index.js';

/** The cheapest POST the application can answer: the HTTP baseline publishing is compared with. */
@Controller()
export class BenchNoopController {
  @Post('/bench/noop')
  // The same access check as POST /events, so the baseline pays what publishing pays.
  @Roles('publisher')
  noop(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [BenchNoopController] })
export class BenchNoopModule {}
