import { describe, expect, it } from 'vitest';
import { AddressList } from './addresses.ts';

describe('AddressList', () => {
  const list = new AddressList(['10.0.0.7', '192.168.0.0/16', '2001:db8::/32', '::1']);

  it.each([
    ['an exact IPv4 address', '10.0.0.7', true],
    ['the next IPv4 address', '10.0.0.8', false],
    ['an address inside an IPv4 CIDR', '192.168.44.3', true],
    ['an address just outside it', '192.169.0.1', false],
    ['an address inside an IPv6 CIDR', '2001:db8:ffff::1', true],
    ['an address outside it', '2001:db9::1', false],
    ['an exact IPv6 address', '::1', true],
    ['an IPv4-mapped IPv6 peer of a listed address', '::ffff:10.0.0.7', true],
    ['an IPv4-mapped IPv6 peer inside a listed CIDR', '::ffff:192.168.1.1', true],
    ['an IPv4-mapped IPv6 peer outside every entry', '::ffff:10.0.0.9', false],
    ['an unknown address', '', false],
    ['a host name', 'localhost', false],
  ])('%s: %s → %s', (_what, ip, expected) => {
    expect(list.has(ip)).toBe(expected);
  });

  it('matches nothing when empty', () => {
    expect(new AddressList([]).has('10.0.0.7')).toBe(false);
  });

  it('matches every IPv4 address with 0.0.0.0/0, and no IPv6 one', () => {
    const all = new AddressList(['0.0.0.0/0']);
    expect([all.has('1.2.3.4'), all.has('255.255.255.255'), all.has('::ffff:8.8.8.8'), all.has('2001:db8::1')]).toEqual([true, true, true, false]);
  });

  it('keeps the texts it was made of', () => {
    expect(new AddressList(['10.0.0.0/8']).texts).toEqual(['10.0.0.0/8']);
  });
});
