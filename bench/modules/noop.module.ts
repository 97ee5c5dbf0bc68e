import { Controller, Module, Post } from '@nestjs/common';

/** The cheapest POST the application can answer: the HTTP baseline publishing is compared with. */
@Controller()
export class BenchNoopController {
  @Post('/bench/noop')
  noop(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [BenchNoopController] })
export class BenchNoopModule {}
