import net from 'node:net';

/**
 * A set of addresses and CIDRs (IPv4 and IPv6) checked in constant work per list, through Node's BlockList.
 * An IPv4-mapped IPv6 peer (::ffff:10.0.0.1) is checked as its IPv4 address. The texts were validated by
 * the ACL schemas (AddressSchema); a bad one here is a bug and throws.
 */
export class AddressList {
  private readonly list = new net.BlockList();

  constructor(readonly texts: readonly string[]) {
    for (const text of texts) {
      const [address = '', bits] = text.split('/');
      const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(bits), family);
    }
  }

  has(ip: string): boolean {
    const plain = ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
    const family = net.isIPv6(plain) ? 'ipv6' : net.isIPv4(plain) ? 'ipv4' : undefined;
    return family !== undefined && this.list.check(plain, family);
  }
}
