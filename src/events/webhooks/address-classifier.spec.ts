import { describe, expect, it } from 'vitest';
import { classifyAddress } from './address-classifier.js';

describe('classifyAddress', () => {
  it.each([
    // loopback, however written
    ['127.0.0.1'],
    ['127.255.255.254'],
    ['::1'],
    ['[::1]'],
    ['::ffff:127.0.0.1'],
    ['::ffff:7f00:1'],
    ['[::127.0.0.1]'],
    ['::7f00:1'],
    // unspecified, private, shared, link-local, metadata
    ['0.0.0.0'],
    ['0.1.2.3'],
    ['::'],
    ['10.0.0.1'],
    ['172.16.0.1'],
    ['192.168.1.1'],
    ['::ffff:10.0.0.1'],
    ['100.64.0.1'],
    ['169.254.169.254'],
    ['fe80::1'],
    ['fe80::1%eth0'],
    ['fd00::1'],
    ['fc00::1'],
    // special-purpose registries
    ['192.0.0.1'],
    ['192.0.2.1'],
    ['198.18.0.1'],
    ['198.51.100.7'],
    ['203.0.113.9'],
    ['192.88.99.1'],
    ['240.0.0.1'],
    ['2001:db8::1'],
    ['100::1'],
    // multicast and broadcast
    ['224.0.0.1'],
    ['239.255.255.250'],
    ['ff02::1'],
    ['255.255.255.255'],
    // transition forms carrying an internal IPv4 address
    ['2002:7f00:1::'],
    ['[2002:7f00:1::]'],
    ['2002:a00:1::1'],
    ['2002:a9fe:a9fe::'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe'], // Teredo, client 127.0.0.1
    ['2001:0:a00:1:8000:63bf:3fff:fdd2'], // Teredo, server 10.0.0.1
    ['64:ff9b::7f00:1'],
    ['64:ff9b::a9fe:a9fe'],
    ['64:ff9b:1::5db8:d822'], // local-use NAT64
    // not addresses at all
    ['localhost'],
    ['example.com'],
    [''],
  ])('refuses %s', (address) => {
    const verdict = classifyAddress(address);
    expect(verdict.public).toBe(false);
    if (!verdict.public) expect(verdict.reason).toContain(address);
  });

  it.each([
    ['93.184.216.34'],
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['::ffff:93.184.216.34'],
    ['2606:4700:4700::1111'],
    ['[2606:4700:4700::1111]'],
    ['2a00:1450:4001:80b::200e'],
    ['2002:5db8:d822::1'], // 6to4 of 93.184.216.34
    ['2001:0:4136:e378:8000:63bf:a247:27dd'], // Teredo, both ends public
    ['64:ff9b::5db8:d822'], // NAT64 of 93.184.216.34
  ])('allows the public address %s', (address) => {
    expect(classifyAddress(address)).toEqual({ public: true });
  });
});
