import { Injectable } from '@nestjs/common';

/**
 * Stream prefixes that belong to the application's own aggregates and sagas (`user-`,
 * `order-`): their events are written by the owning module's code alone, never through
 * POST /events, or a forged event would become part of the aggregate's history.
 * Modules claim their prefixes at start (the users module; each saga as it registers).
 */
@Injectable()
export class OwnedStreams {
  private readonly owners = new Map<string, string>();

  /** Declares that streams named `<prefix>…` are written only by `owner`. */
  claim(prefix: string, owner: string): void {
    if (prefix.length === 0) throw new Error('a stream prefix cannot be empty');
    const existing = this.owners.get(prefix);
    if (existing !== undefined && existing !== owner) {
      throw new Error(
        `stream prefix ${prefix} is claimed by ${existing} and ${owner}`,
      );
    }
    this.owners.set(prefix, owner);
  }

  /** Who owns `streamId`, if a module does. */
  ownerOf(streamId: string): string | undefined {
    for (const [prefix, owner] of this.owners) {
      if (streamId.startsWith(prefix)) return owner;
    }
    return undefined;
  }
}
