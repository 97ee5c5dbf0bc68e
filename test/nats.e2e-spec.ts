import { headers } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getJson, published, type CloudEvent } from './support/http.js';
import {
  natsClient,
  uniqueName,
  type TestNatsClient,
} from './support/nats-client.js';
import { startOwnNatsServer } from './support/nats-server.js';
import { faultInjection, whileImmutable } from './support/faults.js';
import { NATS_URL, natsAvailability } from './support/services.js';
import {
  eventually,
  startTestApp,
  temporaryDirectory,
  type ConfigOverrides,
  type TestApp,
} from './support/test-app.js';

const nats = await natsAvailability();
if (!nats.available) console.warn(`NATS tests skipped: ${nats.reason}`);

const encoder = new TextEncoder();
const faults = faultInjection();

interface DeadLetterBody {
  id: string;
  subscription: string;
  event_id: string;
  event_type: string;
  first_error: string;
  message?: {
    subject: string;
    stream_sequence: number;
    size: number;
    truncated: boolean;
    body: string | null;
  };
}

/** A structured CloudEvent as another service would publish it. */
function foreignEvent(type: string, id: string, source = '/shipping') {
  return {
    specversion: '1.0',
    id,
    source,
    type,
    datacontenttype: 'application/json',
    data: { id },
  };
}

describe.skipIf(!nats.available)(
  `NATS JetStream relay and consumer${nats.available ? '' : ` (skipped: ${nats.reason})`}`,
  () => {
    let client: TestNatsClient;
    const apps: TestApp[] = [];
    const directories: ReturnType<typeof temporaryDirectory>[] = [];
    const streams: string[] = [];

    /** An app on a database of its own, closed after the test. */
    async function boot(overrides: ConfigOverrides): Promise<TestApp> {
      const directory = temporaryDirectory();
      directories.push(directory);
      const app = await startTestApp(directory.path, overrides);
      apps.push(app);
      return app;
    }

    async function inboundStream(): Promise<{
      stream: string;
      prefix: string;
    }> {
      const stream = uniqueName('IN');
      const prefix = uniqueName('in');
      await client.jsm.streams.add({ name: stream, subjects: [`${prefix}.>`] });
      streams.push(stream);
      return { stream, prefix };
    }

    function relayStream(): { stream: string; prefix: string } {
      const stream = uniqueName('OUT');
      streams.push(stream);
      return { stream, prefix: uniqueName('out') };
    }

    async function deadLetters(api: TestApp): Promise<DeadLetterBody[]> {
      const body = await getJson<{ dead_letters: DeadLetterBody[] }>(
        api,
        '/events/dead-letters?subscription=nats.consumer',
      );
      return body.dead_letters;
    }

    async function publishEvent(api: TestApp, type: string, data: unknown) {
      return published(api, { type, data });
    }

    beforeAll(async () => {
      client = await natsClient(NATS_URL);
    });
    afterEach(async () => {
      for (const app of apps.splice(0).reverse()) await app.close();
      for (const directory of directories.splice(0)) directory.cleanup();
    });
    afterAll(async () => {
      for (const stream of streams)
        await client.jsm.streams.delete(stream).catch(() => undefined);
      await client?.close();
    });

    it('relays committed events of the selected types as structured CloudEvents to <prefix>.<type>, the event id as Nats-Msg-Id', async () => {
      const { stream, prefix } = relayStream();
      // An existing stream that does not capture the prefix yet: given the subject, kept.
      const other = uniqueName('other');
      await client.jsm.streams.add({ name: stream, subjects: [`${other}.>`] });
      const api = await boot({
        nats: {
          url: NATS_URL,
          relay: {
            enabled: true,
            stream,
            subject_prefix: prefix,
            types: ['shipment.*'],
          },
        },
      });
      const first = await publishEvent(api, 'shipment.sent', { n: 1 });
      await publishEvent(api, 'invoice.sent', { n: 2 });
      const third = await publishEvent(api, 'shipment.delivered', { n: 3 });

      const messages = await eventually(
        async () => {
          const found = await client.messages(stream).catch(() => []);
          return found.length >= 2 ? found : undefined;
        },
        { what: 'the relayed messages', timeoutMs: 10_000 },
      );
      expect(messages.map((message) => message.subject)).toEqual([
        `${prefix}.shipment.sent`,
        `${prefix}.shipment.delivered`,
      ]);
      const { config } = await client.jsm.streams.info(stream);
      expect(config.subjects).toEqual([`${other}.>`, `${prefix}.>`]);
      expect(messages.map((message) => message.msgId)).toEqual([
        first.id,
        third.id,
      ]);
      const body = messages[0].json() as CloudEvent;
      expect(body).toMatchObject({
        specversion: '1.0',
        id: first.id,
        source: first.source,
        type: 'shipment.sent',
        data: { n: 1 },
        position: first.position,
      });

      const health = await getJson(api, '/health');
      expect(health.details.nats).toMatchObject({
        status: 'up',
        connected: true,
        relay: true,
        consumer: false,
      });
    });

    it('sends events again when the relay is replayed, and JetStream drops the resends as duplicates', async () => {
      const { stream, prefix } = relayStream();
      const api = await boot({
        nats: {
          url: NATS_URL,
          relay: { enabled: true, stream, subject_prefix: prefix },
        },
      });
      const sent: CloudEvent[] = [];
      for (let index = 0; index < 5; index++)
        sent.push(await publishEvent(api, 'parcel.scanned', { index }));
      await eventually(
        async () =>
          (await client.jsm.streams.info(stream).catch(() => undefined))?.state
            .messages === 5,
        { what: 'five relayed messages', timeoutMs: 10_000 },
      );

      const replay = await api.request({
        method: 'POST',
        url: '/events/replay',
        payload: { subscription: 'nats.relay' },
      });
      expect(replay.statusCode, replay.body).toBeLessThan(300);
      const job = await eventually(
        async () => {
          const current = (await getJson(
            api,
            `/events/replay/${replay.json().id}`,
          )) as {
            state: string;
            progress: { done: number; failed: number };
          };
          return current.state === 'completed' ? current : undefined;
        },
        { what: 'the replay to complete', timeoutMs: 10_000 },
      );
      // Every event was published again, and acknowledged...
      expect(job.progress).toMatchObject({ done: 5, failed: 0 });
      const ack = await client.js.publish(
        `${prefix}.parcel.scanned`,
        encoder.encode('{}'),
        { msgID: sent[0].id },
      );
      expect(ack.duplicate).toBe(true);
      // ...as a duplicate: the stream holds each event once.
      const messages = await client.messages(stream);
      expect(messages.map((message) => message.msgId)).toEqual(
        sent.map((event) => event.id),
      );
    });

    it('stores CloudEvents of the consumed stream once, hands them to local handlers, acks them, and never relays them back', async () => {
      const inbound = await inboundStream();
      const outbound = relayStream();
      const api = await boot({
        nats: {
          url: NATS_URL,
          relay: {
            enabled: true,
            stream: outbound.stream,
            subject_prefix: outbound.prefix,
          },
          consumer: {
            enabled: true,
            stream: inbound.stream,
            durable: 'starter',
          },
        },
      });
      const event = foreignEvent('shipment.arrived', 'ship-1');
      const body = encoder.encode(JSON.stringify(event));
      await client.js.publish(`${inbound.prefix}.shipment.arrived`, body);
      // The same event again (a publisher's retry, say): stored once.
      await client.js.publish(`${inbound.prefix}.shipment.arrived`, body);
      const local = await publishEvent(api, 'parcel.local', {});

      const stored = await eventually(
        async () => {
          const page = await getJson<{ events: CloudEvent[] }>(
            api,
            '/events?type=shipment.arrived',
          );
          return page.events.length > 0 ? page.events : undefined;
        },
        { what: 'the consumed event', timeoutMs: 10_000 },
      );
      await eventually(
        async () =>
          (await client.jsm.consumers.info(inbound.stream, 'starter'))
            .num_ack_pending === 0 &&
          (await client.jsm.consumers.info(inbound.stream, 'starter'))
            .num_pending === 0,
        { what: 'every message acked', timeoutMs: 10_000 },
      );
      const all = await getJson<{ events: CloudEvent[] }>(
        api,
        '/events?type=shipment.arrived',
      );
      expect(all.events).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        id: 'ship-1',
        source: '/shipping',
        data: { id: 'ship-1' },
      });
      // Local handlers saw it: the audit log (a durable '**' subscription) records it.
      await eventually(
        async () => {
          const audit = await getJson<{ entries: { event_id: string }[] }>(
            api,
            '/audit?limit=100',
          );
          return audit.entries.some((entry) => entry.event_id === 'ship-1');
        },
        { what: 'the audit handler to see the consumed event' },
      );
      // The relay sent the local event, not the consumed one.
      const relayed = await eventually(
        async () => {
          const found = await client.messages(outbound.stream).catch(() => []);
          return found.some((message) => message.msgId === local.id)
            ? found
            : undefined;
        },
        { what: 'the local event relayed', timeoutMs: 10_000 },
      );
      expect(relayed.map((message) => message.msgId)).not.toContain('ship-1');
    });

    it('parks invalid and refused messages as dead letters of nats.consumer, acks them and goes on; they can be discarded', async () => {
      const inbound = await inboundStream();
      const api = await boot({
        nats: {
          url: NATS_URL,
          consumer: {
            enabled: true,
            stream: inbound.stream,
            durable: 'starter',
          },
        },
      });
      const subject = `${inbound.prefix}.misc`;
      await client.js.publish(subject, encoder.encode('not json at all'));
      // An event type the application owns: refused as over POST /events.
      await client.js.publish(
        subject,
        encoder.encode(
          JSON.stringify(foreignEvent('user.registered', 'forged-1')),
        ),
      );
      // This service's own source: refused.
      await client.js.publish(
        subject,
        encoder.encode(
          JSON.stringify(
            foreignEvent('thing.done', 'own-1', '/nest-event-starter'),
          ),
        ),
      );
      const bad = headers();
      bad.set('content-type', 'application/cloudevents+json');
      await client.js.publish(
        subject,
        encoder.encode(JSON.stringify(foreignEvent('thing.done', 'ok-1'))),
        { headers: bad },
      );

      const parked = await eventually(
        async () => {
          const found = await deadLetters(api);
          return found.length === 3 ? found : undefined;
        },
        { what: 'three parked messages', timeoutMs: 10_000 },
      );
      expect(parked.map((entry) => entry.message?.stream_sequence)).toEqual([
        1, 2, 3,
      ]);
      expect(parked[0]).toMatchObject({
        subscription: 'nats.consumer',
        message: { subject, body: 'not json at all', truncated: false },
      });
      expect(parked[0].first_error).toContain('body');
      expect(parked[1]).toMatchObject({
        event_id: 'forged-1',
        event_type: 'user.registered',
      });
      expect(parked[1].first_error).toContain('user.registered');
      expect(parked[2].first_error).toContain('/nest-event-starter');
      await eventually(
        async () => {
          const page = await getJson<{ events: CloudEvent[] }>(
            api,
            '/events?type=thing.done',
          );
          return page.events.length === 1;
        },
        { what: 'the valid message after them stored' },
      );
      await eventually(
        async () =>
          (await client.jsm.consumers.info(inbound.stream, 'starter'))
            .num_ack_pending === 0,
        { what: 'every message acked', timeoutMs: 10_000 },
      );

      const retry = await api.request({
        method: 'POST',
        url: `/events/dead-letters/${parked[0].id}/retry`,
      });
      expect(retry.statusCode).toBe(409);
      const discard = await api.request({
        method: 'DELETE',
        url: `/events/dead-letters/${parked[0].id}`,
      });
      expect(discard.statusCode).toBe(204);
      expect(await deadLetters(api)).toHaveLength(2);
    });

    it.skipIf(!faults.available)(
      `keeps a message unacked and unparked while the store cannot be written, and stores it in order afterwards${faults.available ? '' : ` (skipped: ${faults.reason})`}`,
      async () => {
        const inbound = await inboundStream();
        const api = await boot({
          nats: {
            url: NATS_URL,
            consumer: {
              enabled: true,
              stream: inbound.stream,
              durable: 'starter',
            },
          },
        });
        const send = (id: string) =>
          client.js.publish(
            `${inbound.prefix}.reading`,
            encoder.encode(JSON.stringify(foreignEvent('meter.remote', id))),
          );
        await send('m-0');
        await eventually(
          async () =>
            (
              await getJson<{ events: CloudEvent[] }>(
                api,
                '/events?type=meter.remote',
              )
            ).events.length === 1,
          { what: 'the first message stored' },
        );
        await whileImmutable(`${api.databasePath}-wal`, async () => {
          await send('m-1');
          await send('m-2');
          // Delivered to the consumer, and held: neither acked nor parked.
          await eventually(
            async () =>
              (await client.jsm.consumers.info(inbound.stream, 'starter'))
                .num_ack_pending > 0,
            { what: 'the consumer to hold a message', timeoutMs: 10_000 },
          );
        });
        const stored = await eventually(
          async () => {
            const page = await getJson<{ events: CloudEvent[] }>(
              api,
              '/events?type=meter.remote',
            );
            return page.events.length === 3 ? page.events : undefined;
          },
          {
            what: 'every message stored once the fault cleared',
            timeoutMs: 20_000,
          },
        );
        expect(stored.map((event) => event.id)).toEqual(['m-0', 'm-1', 'm-2']);
        expect(await deadLetters(api)).toEqual([]);
        await eventually(
          async () =>
            (await client.jsm.consumers.info(inbound.stream, 'starter'))
              .num_ack_pending === 0,
          { what: 'every message acked', timeoutMs: 10_000 },
        );
      },
    );

    it('loses nothing when its NATS server stops and starts again while events are relayed and consumed', async () => {
      const server = await startOwnNatsServer();
      const observer = await natsClient(server.url).catch(async (error) => {
        await server.dispose();
        throw error;
      });
      try {
        await observer.jsm.streams.add({ name: 'INBOUND', subjects: ['in.>'] });
        const api = await boot({
          nats: {
            url: server.url,
            relay: { enabled: true, stream: 'EVENTS', subject_prefix: 'svc' },
            consumer: { enabled: true, stream: 'INBOUND', durable: 'svc' },
          },
        });
        const ids: string[] = [];
        const publishSome = async (count: number) => {
          for (let index = 0; index < count; index++)
            ids.push((await publishEvent(api, 'meter.read', { index })).id);
        };
        const inboundIds: string[] = [];
        const sendInbound = async (count: number) => {
          for (let index = 0; index < count; index++) {
            const id = `in-${inboundIds.length}`;
            inboundIds.push(id);
            // Right after a start the client may still be reconnecting: sent again (for up
            // to 20 s), the Nats-Msg-Id keeps it one message.
            await eventually(
              () =>
                observer.js
                  .publish(
                    'in.reading',
                    encoder.encode(
                      JSON.stringify(foreignEvent('meter.remote', id)),
                    ),
                    { msgID: id, timeout: 2_000 },
                  )
                  .then(() => true),
              { what: `publishing ${id}`, timeoutMs: 20_000, intervalMs: 200 },
            );
          }
        };
        await sendInbound(20);
        await publishSome(50);
        await server.stop();
        await publishSome(50);
        await server.start();
        await sendInbound(20);
        await publishSome(50);
        await server.stop();
        await publishSome(20);
        await server.start();
        await sendInbound(20);

        const messages = await eventually(
          async () => {
            const found = await observer.messages('EVENTS').catch(() => []);
            return found.length >= ids.length ? found : undefined;
          },
          { what: 'every event relayed', timeoutMs: 30_000, intervalMs: 200 },
        );
        // Each local event once, in log order; none of the consumed ones.
        expect(messages.map((message) => message.msgId)).toEqual(ids);
        const consumed = await eventually(
          async () => {
            const page = await getJson<{ events: CloudEvent[] }>(
              api,
              '/events?type=meter.remote&limit=1000',
            );
            return page.events.length >= inboundIds.length
              ? page.events
              : undefined;
          },
          { what: 'every inbound event stored', timeoutMs: 30_000 },
        );
        expect(consumed.map((event) => event.id)).toEqual(inboundIds);
      } finally {
        await observer.close().catch(() => undefined);
        for (const app of apps.splice(0).reverse()) await app.close();
        await server.dispose();
      }
    });

    it('starts without NATS, reports it down in /health (not in readiness), and relays once NATS is up', async () => {
      const server = await startOwnNatsServer();
      try {
        await server.stop();
        const api = await boot({
          nats: {
            url: server.url,
            relay: { enabled: true, stream: 'EVENTS', subject_prefix: 'svc' },
          },
        });
        const event = await publishEvent(api, 'meter.read', { early: true });
        const health = await api.request({ method: 'GET', url: '/health' });
        expect(health.statusCode).toBe(503);
        expect(health.json().details.nats).toMatchObject({
          status: 'down',
          connected: false,
          state: 'connecting',
        });
        const ready = await api.request({
          method: 'GET',
          url: '/health/ready',
        });
        expect(ready.statusCode).toBe(200);

        await server.start();
        const observer = await natsClient(server.url);
        try {
          const messages = await eventually(
            async () => {
              const found = await observer.messages('EVENTS').catch(() => []);
              return found.length > 0 ? found : undefined;
            },
            { what: 'the early event relayed', timeoutMs: 20_000 },
          );
          expect(messages.map((message) => message.msgId)).toEqual([event.id]);
        } finally {
          await observer.close();
        }
      } finally {
        for (const app of apps.splice(0).reverse()) await app.close();
        await server.dispose();
      }
    });

    it('lets two instances with databases of their own exchange events of types no module owns', async () => {
      const fromA = relayStream();
      const fromB = relayStream();
      const service = (
        source: string,
        out: { stream: string; prefix: string },
        inbound: { stream: string },
      ): ConfigOverrides => ({
        event: { source },
        nats: {
          url: NATS_URL,
          relay: {
            enabled: true,
            stream: out.stream,
            subject_prefix: out.prefix,
          },
          consumer: {
            enabled: true,
            stream: inbound.stream,
            durable: source.slice(1),
          },
        },
      });
      const a = await boot(service('/service-a', fromA, fromB));
      const b = await boot(service('/service-b', fromB, fromA));

      const reserved = await publishEvent(a, 'inventory.reserved', { sku: 7 });
      const captured = await publishEvent(b, 'payment.captured', { cents: 9 });

      const inB = await eventually(
        async () =>
          (
            await getJson<{ events: CloudEvent[] }>(
              b,
              '/events?type=inventory.reserved',
            )
          ).events[0],
        { what: 'B to receive A event', timeoutMs: 15_000, intervalMs: 100 },
      );
      const inA = await eventually(
        async () =>
          (
            await getJson<{ events: CloudEvent[] }>(
              a,
              '/events?type=payment.captured',
            )
          ).events[0],
        { what: 'A to receive B event', timeoutMs: 15_000, intervalMs: 100 },
      );
      expect(inB).toMatchObject({
        id: reserved.id,
        source: reserved.source,
        data: { sku: 7 },
      });
      expect(inA).toMatchObject({
        id: captured.id,
        source: captured.source,
        data: { cents: 9 },
      });
      // Neither relayed the other's event back.
      expect(
        (await client.messages(fromA.stream)).map((message) => message.msgId),
      ).toEqual([reserved.id]);
      expect(
        (await client.messages(fromB.stream)).map((message) => message.msgId),
      ).toEqual([captured.id]);
      expect(await deadLetters(a)).toEqual([]);
      expect(await deadLetters(b)).toEqual([]);
    });
  },
);
