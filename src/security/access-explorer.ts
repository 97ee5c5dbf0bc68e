import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_METADATA, UNLIMITED_METADATA } from './access.decorators.js';
import type { Access } from './access.js';
import { RouteAccessTable } from './route-access-table.js';

/**
 * At boot: every controller route method must carry @Public() or @Roles() (on the method or its
 * class), or the application does not start; the decisions, and which routes are exempt from
 * the rate limit (@Unlimited()), go to the route table the access hook reads.
 */
@Injectable()
export class AccessExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly table: RouteAccessTable,
  ) {}

  onModuleInit(): void {
    const undecided: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Function | undefined;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, Function>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[name];
        if (Reflect.getMetadata(PATH_METADATA, method) === undefined) continue;
        const access = this.reflector.getAllAndOverride<Access | undefined>(
          ACCESS_METADATA,
          [method, controller],
        );
        const unlimited = this.reflector.getAllAndOverride<true | undefined>(
          UNLIMITED_METADATA,
          [method, controller],
        );
        // Nest names each route handler `Controller.method`; the table matches routes by it.
        this.table.declareControllerRoute(`${wrapper.name}.${name}`, {
          access,
          rateLimited: unlimited !== true,
        });
        if (access === undefined) undecided.push(`${controller.name}.${name}`);
      }
    }
    if (undecided.length > 0) {
      throw new Error(
        `controller routes without @Public() or @Roles(): ${undecided.join(', ')}`,
      );
    }
  }
}
