import {
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Metadata } from '@grpc/grpc-js';
import {
  ACCESS_METADATA,
  ApiKeys,
  enforceAccess,
  RateLimitBudget,
  type Access,
  type Principal,
} from '../../security/index.js';

const callers = new WeakMap<Metadata, Principal>();

/**
 * The gRPC counterpart of the HTTP guards: a method runs only for a key holding a role its
 * `@Roles()` names, the key sent as `authorization: Bearer <key>` or `x-api-key: <key>`
 * metadata, and only within the key's rate limit, shared with its HTTP requests. A method
 * without a decision is refused.
 */
@Injectable()
export class GrpcAccessGuard implements CanActivate, OnModuleInit {
  private keys: ApiKeys;
  private budget: RateLimitBudget;

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    // The security module is the application's, not the event platform's: found, not imported.
    this.keys = this.moduleRef.get(ApiKeys, { strict: false });
    this.budget = this.moduleRef.get(RateLimitBudget, { strict: false });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(
      ACCESS_METADATA,
      [context.getHandler(), context.getClass()],
    );
    if (access === undefined) {
      throw new Error(
        `${context.getClass().name}.${context.getHandler().name} has no access decision (@Roles())`,
      );
    }
    const metadata = context.switchToRpc().getContext<Metadata>();
    const identity = this.keys.identifyCredentials({
      authorization: single(metadata, 'authorization'),
      'x-api-key': single(metadata, 'x-api-key'),
    });
    const principal = enforceAccess(access, identity);
    if (principal !== undefined) callers.set(metadata, principal);
    const call = context.getArgByIndex<{ getPeer(): string }>(2);
    this.budget.spend(principal?.name, peerAddress(call.getPeer()));
    return true;
  }
}

/** The caller of a call that passed GrpcAccessGuard. */
export function callerOf(metadata: Metadata): Principal {
  const principal = callers.get(metadata);
  if (principal === undefined)
    throw new Error('a gRPC method ran without an access check');
  return principal;
}

/** An entry sent once as text; repeated or binary entries cannot be a key ('' is refused). */
function single(metadata: Metadata, key: string): string | undefined {
  const values = metadata.get(key);
  if (values.length === 0) return undefined;
  return values.length === 1 && typeof values[0] === 'string' ? values[0] : '';
}

/** The client address of a peer as grpc-js names it: `127.0.0.1:5000`, `[::1]:5000`. */
function peerAddress(peer: string): string {
  const bracketed = /^\[([^\]]*)\]/.exec(peer);
  if (bracketed) return bracketed[1];
  const colon = peer.lastIndexOf(':');
  return colon === -1 ? peer : peer.slice(0, colon);
}
