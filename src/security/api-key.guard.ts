import {
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ACCESS_METADATA } from './access.decorators.js';
import { enforceAccess, type Access } from './access.js';
import { ApiKeys } from './api-keys.js';

/**
 * Global guard: a controller route runs only for a caller its `@Public()` / `@Roles()` admits.
 * A route with neither is refused (the boot check, AccessExplorer, already stops such an app).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const access = this.reflector.getAllAndOverride<Access | undefined>(
      ACCESS_METADATA,
      [context.getHandler(), context.getClass()],
    );
    if (access === undefined) {
      throw new Error(
        `${context.getClass().name}.${context.getHandler().name} has no access decision (@Public() or @Roles())`,
      );
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    enforceAccess(access, this.keys.identify(request));
    return true;
  }
}
