import { describe, expect, it } from 'vitest';
import { HostPolicy, HostResolutionError } from './host-policy.js';
import type { DnsLookup } from './webhook-dns.js';

/** A resolver answering from a table, recording every question. */
function resolver(table: Record<string, string[]>) {
  const asked: string[] = [];
  const lookup: DnsLookup = async (hostname) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    return addresses.map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
  };
  return { asked, lookup };
}

describe('HostPolicy', () => {
  const dns = resolver({
    'public.test': ['93.184.216.34', '2606:2800:220:1::1'],
    'mixed.test': ['93.184.216.34', '10.0.0.5'],
    'loopback.test': ['127.0.0.1'],
    'office.test': ['10.1.2.3'],
  });

  it('admits a name whose every address is public, and names the first one to connect to', async () => {
    const verdict = await new HostPolicy(['*'], dns.lookup).check(
      new URL('https://public.test/hook'),
    );
    expect(verdict).toEqual({
      allowed: true,
      target: { host: 'public.test', address: '93.184.216.34', family: 4 },
    });
  });

  it('refuses a name with one internal address among public ones', async () => {
    const verdict = await new HostPolicy(['*'], dns.lookup).check(
      new URL('http://mixed.test/'),
    );
    expect(verdict).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/mixed\.test resolves to 10\.0\.0\.5/),
    });
  });

  it('admits a listed name on a loopback address, pinned to it', async () => {
    const verdict = await new HostPolicy(['loopback.test'], dns.lookup).check(
      new URL('http://loopback.test:8080/'),
    );
    expect(verdict).toMatchObject({
      allowed: true,
      target: { address: '127.0.0.1', family: 4 },
    });
  });

  it.each([['10.0.0.0/8'], ['::ffff:10.0.0.0/104'], ['10.1.2.3']])(
    'admits a private address inside the listed %s',
    async (entry) => {
      const policy = new HostPolicy(['*', entry], dns.lookup);
      expect((await policy.check(new URL('http://office.test/'))).allowed).toBe(
        true,
      );
      expect(
        (await policy.check(new URL('http://[::ffff:10.1.2.3]/'))).allowed,
      ).toBe(true);
      expect((await policy.check(new URL('http://10.200.0.1/'))).allowed).toBe(
        entry !== '10.1.2.3',
      );
    },
  );

  it('refuses an unlisted name without asking the resolver when the list has no *', async () => {
    const { asked, lookup } = resolver({ 'public.test': ['93.184.216.34'] });
    const verdict = await new HostPolicy(['hooks.example.com'], lookup).check(
      new URL('http://public.test/'),
    );
    expect(verdict).toMatchObject({ allowed: false });
    expect(asked).toEqual([]);
  });

  it('never resolves an IP literal, bracketed IPv6 included', async () => {
    const { asked, lookup } = resolver({});
    const policy = new HostPolicy(['*'], lookup);
    expect(await policy.check(new URL('http://93.184.216.34/'))).toMatchObject({
      allowed: true,
      target: { address: '93.184.216.34', family: 4 },
    });
    expect(
      await policy.check(new URL('http://[2606:2800:220:1::1]/')),
    ).toMatchObject({ allowed: true, target: { family: 6 } });
    expect((await policy.check(new URL('http://[::127.0.0.1]/'))).allowed).toBe(
      false,
    );
    expect(asked).toEqual([]);
  });

  it('reports a name that does not resolve as HostResolutionError', async () => {
    await expect(
      new HostPolicy(['*'], dns.lookup).check(new URL('http://nowhere.test/')),
    ).rejects.toBeInstanceOf(HostResolutionError);
  });

  it.each([['10.0.0.0/33'], ['::/129'], ['10.0.0.0/x']])(
    'refuses the malformed range %s at start',
    (entry) => {
      expect(() => new HostPolicy([entry], dns.lookup)).toThrow(
        /webhooks\.allowed_hosts/,
      );
    },
  );
});
